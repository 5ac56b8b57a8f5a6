/** Base class: every fleet-dr error has a name ending in `Error`, a message naming the object, and a `cause`. */
export class FleetDrError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A policy file that cannot be read or does not validate; `problems` lists every `path: message`. */
export class ConfigError extends FleetDrError {
  constructor(
    message: string,
    readonly problems: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An event that is not recognised, malformed, empty or truncated. Nothing was changed because of it. */
export class EventParseError extends FleetDrError {}
