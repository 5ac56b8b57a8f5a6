/** Measures the steps of one invocation (ms, rounded), in the order they ran. */
export class StepTimer {
  readonly timings: Record<string, number> = {};
  private last = performance.now();

  /** Runs `fn` and records how long it took under `name`. */
  async step<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      this.timings[name] = Math.round(performance.now() - started);
      this.last = performance.now();
    }
  }

  /** Records the time since the previous step ended (for steps measured by callbacks). */
  mark(name: string): void {
    const t = performance.now();
    this.timings[name] = Math.round(t - this.last);
    this.last = t;
  }
}
