/** Errors of the state store. */
import { FleetDrError } from '../errors';

/** A state ConfigMap holds something that is not a valid document: never overwritten blindly. */
export class StateCorruptError extends FleetDrError {}
