/**
 * What the operator function does with a verified request: each verb becomes an operator Trigger for the one
 * decision pipeline (runDecision), and the DecisionAnswer becomes an OperatorAnswer. The decision alone says
 * whether a step may go (stable window, dwell, pause, fences, safety rules); this file only maps.
 */
import type { Policy } from '../../shared/config';
import type { OperatorRequest } from '../../shared/decision/observations';
import type { RoutingState } from '../../shared/decision/routing-state';
import type { Logger } from '../../shared/log';
import type { FailbackBody, OperatorAnswer, PauseBody, ShiftBody } from '../../shared/operator/api';
import { type FleetStatus, fleetStatus } from '../../shared/operator/status';
import type { Caller } from '../../shared/operator/verify';
import type { DecisionAnswer } from '../../shared/pipeline/answer';
import { runDecision } from '../../shared/pipeline/run-decision';
import type { Wiring } from '../../shared/runtime/wiring';
import { STATE_CONFIGMAPS } from '../../shared/state/routing-store';

/** What running an operator decision needs. */
export interface ActionDeps {
  wiring: Wiring;
  log: Logger;
  notifyFunction: string;
  probeSpacingMs?: number;
  now: () => Date;
}

/** The failback ramp as an answer shows it. */
export function rampOf(policy: Policy, s: RoutingState): OperatorAnswer['failback'] {
  const fb = s.failback;
  if (!fb) return null;
  const route = policy.routes[0]!;
  return {
    cluster: fb.cluster,
    step: fb.stepIndex + 1,
    of: policy.failback.steps.length,
    weight: s.weights[route.name]?.[fb.cluster] ?? 0,
    auto: fb.auto !== undefined,
  };
}

/** The ramp step (0-based) a failback request moves to, from the committed state. */
export const nextStepIndex = (s: RoutingState): number =>
  s.mode === 'failing-back' && s.failback ? s.failback.stepIndex + 1 : 0;

function baseAnswer(
  a: DecisionAnswer,
  caller: Caller,
  action: OperatorAnswer['action'],
  outcome: OperatorAnswer['outcome'],
): OperatorAnswer {
  return {
    outcome,
    action,
    by: caller.key.owner,
    request: caller.requestKey,
    decision: a.decision,
    ...(a.rule ? { rule: a.rule } : {}),
    reason: a.reason,
    ...(a.until ? { until: a.until, remainingSeconds: a.remainingSeconds } : {}),
    ...(a.plan?.weights ? { weights: a.plan.weights as OperatorAnswer['weights'] } : {}),
    ...(a.committed !== undefined ? { committed: a.committed } : {}),
    actions: a.actions,
    errors: a.errors,
  };
}

async function decideOn(deps: ActionDeps, request: OperatorRequest, dryRun = false): Promise<DecisionAnswer> {
  const w = deps.wiring;
  // A dry run decides on the committed state and writes nothing (runDecision's dry-run path).
  const wiring: Wiring = dryRun ? { ...w, policy: { ...w.policy, dryRun: true } } : w;
  return runDecision({
    wiring,
    trigger: { kind: 'operator', request },
    log: deps.log,
    notifyFunction: deps.notifyFunction,
    probeSpacingMs: deps.probeSpacingMs,
  });
}

const requestOf = (
  deps: ActionDeps,
  caller: Caller,
  r: Omit<OperatorRequest, 'by' | 'at' | 'id'>,
): OperatorRequest => ({
  ...r,
  by: caller.key.owner,
  at: deps.now().toISOString(),
  id: caller.requestKey,
});

/** POST /failback. */
export async function failback(
  deps: ActionDeps,
  caller: Caller,
  body: FailbackBody,
): Promise<OperatorAnswer> {
  const policy = deps.wiring.policy;
  const store = await deps.wiring.routing();
  if (body.mode === 'abort') {
    const a = await decideOn(
      deps,
      requestOf(deps, caller, { action: 'failback-abort', cluster: body.cluster, reason: body.reason }),
    );
    const out = baseAnswer(a, caller, 'failback', a.decision === 'failback-abort' ? 'done' : 'refused');
    return {
      ...out,
      mode: body.mode,
      cluster: body.cluster,
      failback: rampOf(policy, (await store.read()).value),
    };
  }
  // Without an explicit step, the step this request moves to is the one after what the function read: of two
  // operators stepping at once, the loser re-decides on the winner's state and is refused (operator-conflict).
  const before = (await store.read()).value;
  const stepIndex = body.step !== undefined ? body.step - 1 : nextStepIndex(before);
  const request = requestOf(deps, caller, {
    action: 'failback-step',
    cluster: body.cluster,
    reason: body.reason,
    stepIndex,
    ...(body.mode === 'auto' ? { auto: true } : {}),
  });
  if (body.mode === 'dryRun') {
    const a = await decideOn(deps, request, true);
    return {
      ...baseAnswer(a, caller, 'failback', 'dry-run'),
      mode: body.mode,
      cluster: body.cluster,
      wouldSucceed: a.decision === 'failback-step',
      failback: rampOf(policy, before),
    };
  }
  const a = await decideOn(deps, request);
  const outcome: OperatorAnswer['outcome'] =
    a.decision === 'failback-abort'
      ? 'aborted'
      : a.decision !== 'failback-step'
        ? 'refused'
        : body.mode === 'auto'
          ? 'accepted'
          : 'done';
  const after = (await store.read()).value;
  return {
    ...baseAnswer(a, caller, 'failback', outcome),
    mode: body.mode,
    cluster: body.cluster,
    failback: rampOf(policy, after),
  };
}

/** POST /shift. */
export async function shift(deps: ActionDeps, caller: Caller, body: ShiftBody): Promise<OperatorAnswer> {
  const until = new Date(deps.now().getTime() + body.expiresIn * 1000).toISOString();
  const a = await decideOn(
    deps,
    requestOf(deps, caller, { action: 'shift', cluster: body.cluster, reason: body.reason, until }),
  );
  const ok = a.decision === 'shift' || (a.decision === 'hold' && a.rule === 'planned-shift');
  return {
    ...baseAnswer(a, caller, 'shift', ok ? 'done' : 'refused'),
    cluster: body.cluster,
    ...(ok ? { until } : {}),
  };
}

/** POST /pause and POST /resume. */
export async function pauseOrResume(
  deps: ActionDeps,
  caller: Caller,
  action: 'pause' | 'resume',
  body: PauseBody,
): Promise<OperatorAnswer> {
  const a = await decideOn(deps, requestOf(deps, caller, { action, reason: body.reason }));
  const ok = a.decision === 'hold' && a.rule === (action === 'pause' ? 'paused' : 'steady');
  return baseAnswer(a, caller, action, ok ? 'done' : 'refused');
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A state document's JSON, read leniently (the status shows what it can; a bad document is `null`). */
async function documentOf(wiring: Wiring, name: string): Promise<Record<string, unknown> | null> {
  try {
    const cm = await (await wiring.fleetKube()).getConfigMap(wiring.policy.fleet.stateNamespace, name);
    const raw = cm?.data?.['state.json'];
    if (!cm || raw === undefined) return {};
    const v: unknown = JSON.parse(raw);
    return isObject(v) ? v : null;
  } catch {
    return null;
  }
}

/** GET /status: the committed state, the DingTalk outbox backlog and the reported drift. */
export async function status(wiring: Wiring, now: Date): Promise<FleetStatus> {
  const [routing, outbox, drift] = await Promise.all([
    (await wiring.routing()).read(),
    documentOf(wiring, STATE_CONFIGMAPS.outbox),
    documentOf(wiring, STATE_CONFIGMAPS.drift),
  ]);
  const messages = outbox && Array.isArray(outbox.messages) ? outbox.messages.filter(isObject) : null;
  const reported = drift && isObject(drift.reported) ? Object.keys(drift.reported).sort() : null;
  return fleetStatus(wiring.policy, routing.value, {
    readAt: now.toISOString(),
    notifications: messages
      ? {
          pending: messages.filter((m) => m.state !== 'undeliverable').length,
          undeliverable: messages.filter((m) => m.state === 'undeliverable').length,
        }
      : outbox
        ? { pending: 0, undeliverable: 0 }
        : null,
    drift: reported ? { reported } : drift ? { reported: [] } : null,
  });
}
