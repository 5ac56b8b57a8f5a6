/**
 * The operator commands' side of the contract, against a local HTTP server on 127.0.0.1 that checks each
 * request with the function's own verifier and answers as the function does: what the CLI signs verifies, the
 * body it builds from the flags, how each answer prints, and the exit codes (0 done, 1 refused or aborted,
 * 2 bad usage).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseOperatorKeys } from '../../shared/operator/keys';
import { authenticate } from '../../shared/operator/verify';
import { inProcess } from './run-cli';

const SECRET = 'cli-test-secret-0123456789abcdef01234567';
const KEYS = parseOperatorKeys(`cli-1:carol:${SECRET}:*`, 'K');

interface Seen {
  method: string;
  path: string;
  body: unknown;
  owner?: string;
  authError?: string;
}

describe('fleet-dr operator commands', () => {
  let server: Server;
  let url = '';
  let dir = '';
  let keyFile = '';
  const seen: Seen[] = [];
  /** What the next request is answered: status and body. */
  let reply: { status: number; body: unknown } = { status: 200, body: {} };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-dr-cli-op-'));
    keyFile = join(dir, 'key');
    writeFileSync(keyFile, `cli-1:${SECRET}\n`);
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        const path = (req.url ?? '/').replace(/^\/fleet-dr-operator/, '');
        const auth = authenticate(
          { method: req.method ?? '', path, query: {}, headers, body },
          KEYS,
          Date.now(),
        );
        seen.push({
          method: req.method ?? '',
          path,
          body: body.length ? JSON.parse(body.toString()) : undefined,
          ...('caller' in auth ? { owner: auth.caller.key.owner } : { authError: auth.refusal.error }),
        });
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fleet-dr-operator`;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (args: string[]) => inProcess([...args, '--url', url, '--key-file', keyFile]);

  it('signs the request it sends: the path after the function URL, the body it built from the flags', async () => {
    reply = {
      status: 200,
      body: {
        outcome: 'done',
        action: 'failback',
        cluster: 'c-ack-az1',
        by: 'carol',
        request: 'cli-1/x',
        decision: 'failback-step',
        reason: 'operator carol asked',
        failback: { cluster: 'c-ack-az1', step: 2, of: 3, weight: 50, auto: false },
        weights: { 'web-demo': { 'c-ack-az1': 50, 'c-reg-az2': 50 } },
        actions: [],
        errors: [],
      },
    };
    const r = await run([
      'failback',
      '--cluster',
      'c-ack-az1',
      '--step',
      '--reason',
      'stable',
      '--to-step',
      '2',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^c-ack-az1: failback step 2 of 3 \(50%\): web-demo: c-ack-az1 50%, c-reg-az2 50%/,
    );
    const last = seen.at(-1)!;
    assert.equal(last.authError, undefined);
    assert.equal(last.owner, 'carol');
    assert.equal(last.path, '/failback');
    assert.deepEqual(last.body, { cluster: 'c-ack-az1', mode: 'step', reason: 'stable', step: 2 });
  });

  it('exit 1 and the reason with the time left when the function refuses (409)', async () => {
    reply = {
      status: 409,
      body: {
        outcome: 'refused',
        decision: 'hold',
        rule: 'min-dwell',
        reason: 'failback needs 600 s of stability',
        until: '2025-06-01T08:10:00.000Z',
        remainingSeconds: 42,
      },
    };
    const r = await run(['failback', '--cluster', 'c-ack-az1', '--step', '--reason', 'x']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^refused \(min-dwell\): failback needs 600 s of stability \(42 s left; possible from 2025-06-01T08:10:00.000Z\)/,
    );
    const json = await run(['failback', '--cluster', 'c-ack-az1', '--step', '--reason', 'x', '--json']);
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stdout).remainingSeconds, 42);
  });

  it('exit 1 for an abort and for a dry run that would be refused; exit 0 for one that would go', async () => {
    reply = { status: 200, body: { outcome: 'aborted', reason: 'regressed at step 2', weights: {} } };
    assert.equal((await run(['failback', '--cluster', 'c-ack-az1', '--step', '--reason', 'x'])).code, 1);
    reply = {
      status: 200,
      body: { outcome: 'dry-run', wouldSucceed: false, rule: 'paused', reason: 'paused' },
    };
    const no = await run(['failback', '--cluster', 'c-ack-az1', '--dry-run']);
    assert.equal(no.code, 1);
    assert.match(no.stdout, /would be refused \(paused\)/);
    assert.deepEqual(
      seen.at(-1)?.body,
      { cluster: 'c-ack-az1', mode: 'dryRun' },
      'a dry run needs no reason',
    );
    reply = {
      status: 200,
      body: { outcome: 'dry-run', wouldSucceed: true, reason: 'r', weights: { w: { a: 10 } } },
    };
    assert.equal((await run(['failback', '--cluster', 'c-ack-az1', '--dry-run'])).code, 0);
  });

  it("exit 1 for 401 and 403, exit 2 for 404 and 422, each with the function's reason on one line", async () => {
    for (const [status, code] of [
      [401, 1],
      [403, 1],
      [404, 2],
      [413, 2],
      [422, 2],
      [500, 1],
    ] as const) {
      reply = { status, body: { error: `reason ${status}`, requestId: 'r' } };
      const r = await run(['pause', '--reason', 'x']);
      assert.equal(r.code, code, `${status}`);
      assert.equal(r.stderr, `fleet-dr pause: HTTP ${status}: reason ${status}\n`);
    }
  });

  it('pause, resume and shift send their bodies; shift takes a duration', async () => {
    reply = {
      status: 200,
      body: { outcome: 'done', by: 'carol', reason: 'operator carol paused automation: freeze' },
    };
    const p = await run(['pause', '--reason', 'freeze']);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.stdout, 'paused by carol: operator carol paused automation: freeze\n');
    assert.deepEqual(seen.at(-1)?.body, { reason: 'freeze' });
    assert.equal((await run(['resume', '--reason', 'thaw'])).code, 0);
    assert.equal(seen.at(-1)?.path, '/resume');
    reply = {
      status: 200,
      body: { outcome: 'done', decision: 'shift', until: 'T', weights: { w: { a: 0 } } },
    };
    const s = await run(['shift', '--cluster', 'c-ack-az1', '--expires', '2h', '--reason', 'upgrade']);
    assert.equal(s.code, 0, s.stderr);
    assert.deepEqual(seen.at(-1)?.body, { cluster: 'c-ack-az1', reason: 'upgrade', expiresIn: '2h' });
  });

  it('status: a table by default, the JSON with --json; a GET with no body', async () => {
    const status = {
      readAt: '2025-06-01T08:00:00.000Z',
      revision: 7,
      mode: 'failing-back',
      paused: null,
      policy: { paused: false, dryRun: false, failbackSteps: [10, 50, 100], minStableSeconds: 600 },
      clusters: [
        {
          id: 'c-ack-az1',
          name: 'a',
          zone: 'cn-hangzhou-h',
          type: 'ack',
          verdict: 'up',
          since: 'S',
          upSince: 'U',
          fenced: null,
          detached: null,
          plannedShift: null,
        },
        {
          id: 'c-reg-az2',
          name: 'b',
          zone: 'idc',
          type: 'registered',
          verdict: 'up',
          since: 'S',
          upSince: 'U',
          fenced: null,
          detached: null,
          plannedShift: null,
        },
      ],
      routes: [
        {
          name: 'web-demo',
          namespace: 'web-demo',
          ingress: 'web-demo',
          weights: { 'c-ack-az1': 10, 'c-reg-az2': 90 },
        },
      ],
      governsSplit: true,
      incident: { id: 'inc-1', cause: 'zone down', failedCluster: 'c-ack-az1', openedAt: 'O' },
      failback: { cluster: 'c-ack-az1', step: 1, of: 3, weight: 10, stepStartedAt: 'T', auto: null },
      lastTransition: { at: 'T', by: 'operator', reason: 'step' },
      outbox: { waiting: 1, failing: 1, oldest: 'T', byKind: { message: 1 } },
      notifications: { pending: 2, undeliverable: 0 },
      drift: { reported: [] },
    };
    reply = { status: 200, body: status };
    const t = await run(['status']);
    assert.equal(t.code, 0, t.stderr);
    assert.equal(seen.at(-1)?.method, 'GET');
    assert.equal(seen.at(-1)?.body, undefined);
    assert.match(t.stdout, /^failback: {2}c-ack-az1 at step 1 of 3 \(10%\) since T, manual$/m);
    assert.match(t.stdout, /^c-ack-az1 +cn-hangzhou-h +ack +up +S +U +admitted$/m);
    assert.match(t.stdout, /^web-demo\/web-demo +10 +90 +fleet-dr canaries$/m);
    assert.match(t.stdout, /^outbox: {4}1 waiting \(1 message\), 1 failing, oldest T$/m);
    const j = await run(['status', '--json']);
    assert.deepEqual(JSON.parse(j.stdout), status);
  });

  it('exit 2 for bad usage, naming what is wrong, without calling anything', async () => {
    const before = seen.length;
    const cases: Array<[string[], RegExp]> = [
      [
        ['failback', '--cluster', 'c-ack-az1', '--reason', 'x'],
        /choose one of --step, --auto, --dry-run, --abort/,
      ],
      [['failback', '--cluster', 'c-ack-az1', '--step', '--auto', '--reason', 'x'], /choose one of/],
      [['failback', '--step', '--reason', 'x'], /--cluster is required/],
      [['failback', '--cluster', 'c-ack-az1', '--step'], /--reason is required/],
      [
        ['failback', '--cluster', 'c-ack-az1', '--step', '--reason', 'x', '--to-step', '0'],
        /--to-step must be/,
      ],
      [
        ['shift', '--cluster', 'c-ack-az1', '--expires', 'soon', '--reason', 'x'],
        /--expires is required: a duration/,
      ],
      [['pause'], /--reason is required/],
      [['status', '--verbose'], /unknown argument "--verbose"/],
    ];
    for (const [args, re] of cases) {
      const r = await run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re, args.join(' '));
    }
    const noUrl = await inProcess(['status', '--key-file', keyFile]);
    assert.equal(noUrl.code, 2);
    assert.match(noUrl.stderr, /no operator URL: pass --url or set FLEET_DR_OPERATOR_URL/);
    const badKey = join(dir, 'bad-key');
    writeFileSync(badKey, 'just-a-secret-without-an-id-0123456789');
    const noKey = await inProcess(['status', '--url', url, '--key-file', badKey]);
    assert.equal(noKey.code, 2);
    assert.doesNotMatch(noKey.stderr, /just-a-secret/);
    assert.equal(seen.length, before, 'nothing was sent');
  });

  it('exit 1 with one line when the operator function cannot be reached', async () => {
    // A port that was just free: nothing listens on it.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const dead = `http://127.0.0.1:${port}/fleet-dr-operator`;
    const r = await inProcess(['status', '--url', dead, '--key-file', keyFile]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `fleet-dr status: cannot reach the operator function at ${dead}: ECONNREFUSED\n`);
  });
});
