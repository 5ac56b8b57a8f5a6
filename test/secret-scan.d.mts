/** Secret values the sandbox hands out; none may ever be printed. */
export declare const SANDBOX_SECRETS: string[];
/** Patterns of secrets whatever their value. */
export declare const SECRET_PATTERNS: Array<[string, RegExp]>;
/** A line a test prints on purpose to prove the suite-wide scan finds a leak. */
export declare const PLANTED_MARK: string;
/** Every place a secret shows in the lines (never the secret itself). */
export declare function scanForSecrets(
  lines: string[],
  secrets?: string[],
): Array<{ what: string; line: number }>;
