/** The decision rules' public surface: types, decide(), the safety rules and the verdicts. */
export { type Assessment, assessAll, assessCluster } from './assess';
export { decide } from './decide';
export * from './observations';
export * from './plan';
export * from './routing-state';
export { checkSafety, enforceSafety, type Violation } from './safety';
