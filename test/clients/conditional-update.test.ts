// updateWithRetry against an in-memory versioned object: the loop itself, without a Kubernetes API.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { updateWithRetry } from '../../shared/clients/conditional-update';
import { FleetConflictError, KubeApiError } from '../../shared/clients/errors';

interface Versioned {
  value: string[];
  rv: number;
}

/** One object with a resourceVersion; a write at a stale version fails with 409 like the API server's. */
function fakeStore(initial: string[] = []) {
  let obj: Versioned = { value: initial, rv: 1 };
  const calls = { reads: 0, writes: 0, changes: 0 };
  return {
    calls,
    get: (): Versioned => structuredClone(obj),
    /** Another writer's change, landing between our read and our write. */
    interfere(item: string): void {
      obj = { value: [...obj.value, item], rv: obj.rv + 1 };
    },
    async read(): Promise<Versioned> {
      calls.reads++;
      return structuredClone(obj);
    },
    async write(next: string[], at: number): Promise<number> {
      calls.writes++;
      if (at !== obj.rv) throw new KubeApiError('fake: thing', 'update', 409, 'Conflict');
      obj = { value: next, rv: obj.rv + 1 };
      return obj.rv;
    },
  };
}

describe('updateWithRetry (read → change → conditional write → retry on 409)', () => {
  it('after a lost write, re-reads and applies the change to what the winner wrote', async () => {
    const s = fakeStore(['a']);
    const seen: string[][] = [];
    const r = await updateWithRetry({
      what: 'fake: thing',
      maxAttempts: 3,
      read: async (attempt) => {
        const cur = await s.read();
        if (attempt === 1) s.interfere('theirs');
        return cur;
      },
      change: (cur) => {
        s.calls.changes++;
        seen.push(cur.value);
        return [...cur.value, 'ours'];
      },
      write: (next, cur) => s.write(next, cur.rv),
    });
    assert.equal(r.changed, true);
    assert.equal(r.attempts, 2);
    assert.deepEqual(seen, [['a'], ['a', 'theirs']], 'the second change saw the winner’s value');
    assert.deepEqual(s.get().value, ['a', 'theirs', 'ours'], 'nothing the winner wrote was lost');
    if (r.changed) {
      assert.deepEqual(r.next, ['a', 'theirs', 'ours']);
      assert.equal(r.written, s.get().rv, 'the write’s answer is returned');
    }
    assert.deepEqual(s.calls, { reads: 2, writes: 2, changes: 2 });
  });

  it('gives up with FleetConflictError after maxAttempts lost writes, the last 409 as its cause', async () => {
    const s = fakeStore();
    const err = await updateWithRetry({
      what: 'fake: thing',
      maxAttempts: 4,
      read: async () => {
        const cur = await s.read();
        s.interfere('someone else');
        return cur;
      },
      change: (cur) => [...cur.value, 'ours'],
      write: (next, cur) => s.write(next, cur.rv),
    }).catch((e: unknown) => e);
    assert.ok(err instanceof FleetConflictError, String(err));
    assert.equal(err.object, 'fake: thing');
    assert.equal(err.attempts, 4);
    assert.match(err.message, /^fake: thing: update conflict, still losing after 4 attempts$/);
    assert.ok(err.cause instanceof KubeApiError && err.cause.status === 409);
    assert.equal(s.calls.reads, 4);
    assert.equal(s.calls.writes, 4);
    assert.ok(!s.get().value.includes('ours'));
  });

  it('passes a non-409 write error through untouched, on the first attempt', async () => {
    for (const thrown of [
      new KubeApiError('fake: thing', 'update', 500, 'Internal Server Error'),
      new KubeApiError('fake: thing', 'update', 422, 'Invalid'),
      new TypeError('not an API error at all'),
    ]) {
      let reads = 0;
      await assert.rejects(
        updateWithRetry({
          what: 'fake: thing',
          maxAttempts: 5,
          read: async () => ++reads,
          change: () => 'next',
          write: async () => {
            throw thrown;
          },
        }),
        (e: unknown) => e === thrown,
      );
      assert.equal(reads, 1, `${thrown.message}: not retried`);
    }
  });

  it('never retries what read or change throw, even a 409 (e.g. a refusal to overwrite)', async () => {
    const refusal = new KubeApiError('fake: thing', 'update', 409, 'not owned by fleet-dr');
    let reads = 0;
    let writes = 0;
    await assert.rejects(
      updateWithRetry({
        what: 'fake: thing',
        maxAttempts: 5,
        read: async () => ++reads,
        change: () => {
          throw refusal;
        },
        write: async () => ++writes,
      }),
      (e: unknown) => e === refusal,
    );
    assert.deepEqual({ reads, writes }, { reads: 1, writes: 0 });
    const readFailure = new KubeApiError('fake: thing', 'get', 409, 'odd but possible');
    await assert.rejects(
      updateWithRetry({
        what: 'fake: thing',
        maxAttempts: 5,
        read: async () => Promise.reject(readFailure),
        change: () => 'next',
        write: async () => ++writes,
      }),
      (e: unknown) => e === readFailure,
    );
    assert.equal(writes, 0);
  });

  it('writes nothing when change says "no change", and returns what it read', async () => {
    const s = fakeStore(['a']);
    const r = await updateWithRetry({
      what: 'fake: thing',
      maxAttempts: 3,
      read: () => s.read(),
      change: () => undefined,
      write: (next: string[], cur) => s.write(next, cur.rv),
    });
    assert.deepEqual(r, { changed: false, current: { value: ['a'], rv: 1 }, attempts: 1 });
    assert.equal(s.calls.writes, 0);
    assert.deepEqual(s.get(), { value: ['a'], rv: 1 });
  });

  it('can say "no change" on a later round, after the winner already made the change', async () => {
    const s = fakeStore([]);
    const r = await updateWithRetry({
      what: 'fake: thing',
      maxAttempts: 3,
      read: async (attempt) => {
        const cur = await s.read();
        if (attempt === 1) s.interfere('x');
        return cur;
      },
      change: (cur) => (cur.value.includes('x') ? undefined : [...cur.value, 'x']),
      write: (next, cur) => s.write(next, cur.rv),
    });
    assert.equal(r.changed, false);
    assert.equal(r.attempts, 2);
    assert.deepEqual(s.get().value, ['x']);
    assert.equal(s.calls.writes, 1);
  });
});
