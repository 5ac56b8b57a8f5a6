/**
 * operator (deployed as fleet-dr-operator): the operator's hands. Through its HTTP trigger, signed requests
 * (shared/operator/verify.ts): POST /failback (dryRun, step, auto, abort), POST /shift (a planned shift that
 * expires), POST /pause, POST /resume, GET /status; each verb is an operator Trigger for the one decision
 * pipeline. Its timer walks automatic ramps and expires planned shifts (tick.ts). Refusals: 401 bad, missing,
 * stale or replayed signature; 403 key not allowed the verb; 404/405 no such endpoint or method; 413 body over
 * 64 KiB; 422 bad body; 409 the decision refused (a precondition or a conflict, with the time left).
 */
import { ConfigError } from '../../shared/errors';
import { answerStatus, type OperatorAnswer } from '../../shared/operator/api';
import { operatorKeysFromEnv } from '../../shared/operator/keys';
import type { NonceLedger } from '../../shared/operator/verify';
import { createHandler, deployedName, type FcHandler, ok, refuse } from '../../shared/runtime/handler-shell';
import { parseEvent } from '../../shared/schemas/parse-event';
import { NonceStore, NonceStoreFullError } from '../../shared/state/nonce-store';
import { type ActionDeps, failback, pauseOrResume, shift, status } from './actions';
import { readOperatorRequest } from './edge';
import { tick } from './tick';

/**
 * The HTTP status of an answer that reached the decision, by request id: the shell answers `ok(body)` with 200,
 * and an operator answer is 202 (accepted) or 409 (refused) with the whole answer as its body. FC runs one
 * request per instance at a time; the id keys it anyway.
 */
const statusByRequest = new Map<string, number>();

const shell = createHandler({
  fn: 'operator',
  moduleUrl: import.meta.url,
  async run(inv) {
    const { policy, env, log } = inv;
    const deps = (): ActionDeps => ({
      wiring: inv.wiring(),
      log,
      notifyFunction: env.FLEET_DR_NOTIFY_FUNCTION ?? deployedName('notify'),
      probeSpacingMs: Number(env.FLEET_DR_PROBE_SPACING_MS ?? 150),
      now: () => new Date(),
    });
    if (!inv.http) {
      const events = parseEvent(inv.input);
      if (events.length !== 1 || events[0]?.kind !== 'timer')
        return refuse(400, 'the operator function takes HTTP requests and its timer; this event is neither');
      return ok(await tick(deps()));
    }
    // The nonce store is built only for a request that passed every other check.
    let store: NonceStore | undefined;
    const nonces: NonceLedger = {
      use: async (nonce, expiresAt) => {
        store ??= new NonceStore(await inv.wiring().fleetKube(), policy.fleet.stateNamespace);
        return store.use(nonce, expiresAt);
      },
    };
    let verified: Awaited<ReturnType<typeof readOperatorRequest>>;
    try {
      verified = await readOperatorRequest(inv.http, {
        policy,
        keys: () => operatorKeysFromEnv(env, policy.secrets.operatorHmacKeysEnv),
        nonces,
        nowMs: Date.now(),
      });
    } catch (err) {
      if (err instanceof NonceStoreFullError) return refuse(503, `service unavailable: ${err.message}`);
      if (err instanceof ConfigError) {
        log.error('operator keys are not configured', { error: err, problems: err.problems });
        return refuse(500, `the operator function is misconfigured: ${err.message}`);
      }
      throw err;
    }
    if ('refusal' in verified) return refuse(verified.refusal.status, verified.refusal.error);
    const { caller } = verified;
    log.info('operator request', { endpoint: verified.endpoint, by: caller.key.owner, keyId: caller.key.id });
    switch (verified.endpoint) {
      case 'status':
        return ok(await status(inv.wiring(), new Date()));
      case 'failback':
        return answered(await failback(deps(), caller, verified.body), inv.requestId);
      case 'shift':
        return answered(await shift(deps(), caller, verified.body), inv.requestId);
      case 'pause':
      case 'resume':
        return answered(await pauseOrResume(deps(), caller, verified.endpoint, verified.body), inv.requestId);
    }
  },
});

/** The answer, its status noted for the wrapper: 200 done, 202 accepted, 409 refused (with the time left). */
function answered(a: OperatorAnswer, requestId: string) {
  statusByRequest.set(requestId, answerStatus(a));
  return ok({ ...a, requestId });
}

/** The FC 3.0 handler: the shell, with the status of an operator answer applied to its HTTP response. */
export const handler: FcHandler = async (event, context) => {
  const id = context.requestId ?? 'local';
  try {
    const out = await shell(event, context);
    const status = statusByRequest.get(id);
    if (status !== undefined && isHttpResponse(out)) return { ...out, statusCode: status };
    return out;
  } finally {
    statusByRequest.delete(id);
  }
};

const isHttpResponse = (v: unknown): v is { statusCode: number } =>
  typeof v === 'object' && v !== null && typeof (v as { statusCode?: unknown }).statusCode === 'number';
