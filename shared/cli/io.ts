/** Where a CLI command writes: the process streams in use, string sinks in tests. */
export interface CliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

/** The process's own streams. */
export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr };

/**
 * Exit codes every fleet-dr command uses: 2 for bad input (a file, an event, arguments), 1 for a bug, and for
 * the operator commands 1 when the operator function refused the request or a failback was aborted.
 */
export const EXIT = { ok: 0, internal: 1, refused: 1, invalid: 2 } as const;
