/**
 * One JSON document kept in a ConfigMap on the Fleet (`data["state.json"]`), validated with a zod schema
 * and always written conditionally on the resourceVersion that was read. This is fleet-dr's only durable
 * memory: Function Compute instances come and go, so nothing that must last is held in process memory.
 */
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { z } from 'zod';
import { updateWithRetry } from '../clients/conditional-update';
import type { KubeClient } from '../clients/kube-client';
import { MANAGED_BY } from '../gateway/annotations';
import { StateCorruptError } from './errors';

const KEY = 'state.json';

/** A document value and the version it was read at (undefined: the ConfigMap does not exist yet). */
export interface Versioned<T> {
  value: T;
  resourceVersion?: string;
}

/** Result of a read-decide-commit cycle. */
export interface CommitResult<T> {
  /** True if this caller's change was written; false if `decide` chose no change. */
  committed: boolean;
  value: T;
  resourceVersion?: string;
  /** How many read-decide-write rounds it took (conflicts lost + 1). */
  attempts: number;
}

/** Options of a commit. */
export interface CommitOptions<T = never> {
  maxAttempts?: number;
  /** Called after each read with its resourceVersion (instrumentation, e.g. a race barrier in tests). */
  afterRead?: (resourceVersion: string | undefined, attempt: number) => Promise<void> | void;
  /**
   * The document as this invocation already read (or wrote) it: the first round decides on it and writes
   * conditionally on its version without reading again; a lost race (409) reads afresh.
   */
  current?: Versioned<T>;
}

/** A JSON document in one ConfigMap. */
export class ConfigMapDocument<T> {
  constructor(
    private readonly kube: KubeClient,
    readonly namespace: string,
    readonly name: string,
    private readonly schema: z.ZodType<T>,
    private readonly initial: () => T,
  ) {}

  private get what(): string {
    return `${this.kube.name}: configmap ${this.namespace}/${this.name}`;
  }

  /** Read the document (the initial value if it does not exist yet). */
  async read(): Promise<Versioned<T>> {
    const cm = await this.kube.getConfigMap(this.namespace, this.name);
    if (!cm) return { value: this.initial() };
    const raw = cm.data?.[KEY];
    let parsed: unknown;
    try {
      parsed = raw === undefined ? this.initial() : JSON.parse(raw);
    } catch (e) {
      throw new StateCorruptError(`${this.what}: ${KEY} is not JSON`, { cause: e });
    }
    const r = this.schema.safeParse(parsed);
    if (!r.success)
      throw new StateCorruptError(
        `${this.what}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    return { value: r.data, resourceVersion: cm.metadata?.resourceVersion };
  }

  /** Write `value` only if the document is still at `resourceVersion` (undefined: only if absent). */
  async write(value: T, resourceVersion: string | undefined): Promise<string | undefined> {
    const checked = this.schema.parse(value);
    const cm: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: { 'app.kubernetes.io/managed-by': MANAGED_BY },
        resourceVersion,
      },
      data: { [KEY]: JSON.stringify(checked) },
    };
    const out =
      resourceVersion === undefined
        ? await this.kube.createConfigMap(cm)
        : await this.kube.replaceConfigMap(cm);
    return out.metadata?.resourceVersion;
  }

  /**
   * Read, decide, conditionally write; the loser of a race (409) re-reads and decides again with what the
   * winner wrote. `decide` returns the new value, or undefined for "no change".
   */
  async commit(
    decide: (current: T) => T | undefined | Promise<T | undefined>,
    opts: CommitOptions<T> = {},
  ): Promise<CommitResult<T>> {
    const r = await updateWithRetry({
      what: this.what,
      maxAttempts: opts.maxAttempts ?? 8,
      read: async (attempt) => {
        const cur = attempt === 1 && opts.current ? opts.current : await this.read();
        await opts.afterRead?.(cur.resourceVersion, attempt);
        return cur;
      },
      change: (cur) => decide(structuredClone(cur.value)),
      // A 409 here is Conflict (stale version) or AlreadyExists (another writer created it first).
      write: (next, cur) => this.write(next, cur.resourceVersion),
    });
    return r.changed
      ? { committed: true, value: r.next, resourceVersion: r.written, attempts: r.attempts }
      : {
          committed: false,
          value: r.current.value,
          resourceVersion: r.current.resourceVersion,
          attempts: r.attempts,
        };
  }
}
