/** Errors of the sandbox zones (bad fault names, unknown zones, faults that do not apply to a zone). */
export class ZoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZoneError';
  }
}
