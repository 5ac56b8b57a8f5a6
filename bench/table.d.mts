/** The bench markers of the README. */
export declare const START: string;
export declare const END: string;
/** The markdown table of the benchmarks' figures, keyed by benchmark name. */
export declare function benchTable(
  results: Record<string, unknown>,
  o?: { date?: string; machine?: string },
): string;
/** The README with `table` between the markers (a `## Benchmarks` section with them appended when absent). */
export declare function withBenchTable(readme: string, table: string): string;
