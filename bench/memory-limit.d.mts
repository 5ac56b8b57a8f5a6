/** A memory cgroup for a benchmark's child process, or why none could be made. */
export type MemoryLimit =
  | {
      enforced: true;
      how: string;
      spawnArgs(cmd: string, args: string[]): [string, string[]];
      usage(): { peakChargedMb: number; limitHits: number };
      remove(): void;
    }
  | { enforced: false; reason: string };
export declare function memoryLimit(limitMb: number): MemoryLimit;
