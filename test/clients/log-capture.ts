/**
 * Captures the JSON-lines logs a test file produces (through shared/log.ts) and scans them for secrets:
 * every known secret value, plus patterns that must never appear unredacted (sign=, access_token=,
 * Bearer tokens, ACS3 signatures, PEM keys).
 */
import { appendFileSync } from 'node:fs';
import { type LogSink, setLogSink } from '../../shared/log';

/** Lines captured since `captureLogs()`; `restore()` puts the previous sink back. */
export interface Capture {
  lines: string[];
  restore(): void;
}

/**
 * Start capturing log lines in memory. Under test/run-tests.mjs every captured line is also appended to the
 * suite's log file (FLEET_DR_TEST_LOG_FILE), which the runner scans for secrets after the whole suite.
 */
export function captureLogs(): Capture {
  const lines: string[] = [];
  const file = process.env.FLEET_DR_TEST_LOG_FILE;
  let prev: LogSink | undefined = setLogSink((l) => {
    lines.push(l);
    if (file) appendFileSync(file, `${l}\n`);
  });
  return {
    lines,
    restore: () => {
      if (prev) setLogSink(prev);
      prev = undefined;
    },
  };
}

/** Every place a secret shows in the lines: the sandbox's secrets, `secrets`, and secret patterns. */
export { scanForSecrets } from '../secret-scan.mjs';
