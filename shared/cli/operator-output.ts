/** How the operator commands print an answer and which exit code it gives: 0 done, 1 refused or aborted, 2 bad usage. */
import type { OperatorEndpoint } from '../operator/api';
import { type CliIo, EXIT } from './io';
import { callOperator, type OperatorResponse, type OperatorTarget } from './operator-client';

/** Exit code of an operator answer. */
export function exitFor(r: OperatorResponse): number {
  const outcome = r.body.outcome;
  if (r.status >= 200 && r.status < 300) {
    if (outcome === 'refused' || outcome === 'aborted') return EXIT.refused;
    if (outcome === 'dry-run' && r.body.wouldSucceed === false) return EXIT.refused;
    return EXIT.ok;
  }
  // The command line built a request the function cannot take: a wrong URL, a body it refuses.
  if ([400, 404, 405, 413, 422].includes(r.status)) return EXIT.invalid;
  return EXIT.refused;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** `12 s left; possible from …` for a timed refusal. */
export function waitNote(body: Record<string, unknown>): string {
  const left = body.remainingSeconds;
  const until = str(body.until);
  // The decision's reason usually says it already; only add it when it does not.
  if (typeof left !== 'number' || !until || String(body.reason ?? '').includes(until)) return '';
  return ` (${left} s left; possible from ${until})`;
}

/** Weights of every route, `route: a 50%, b 50%`. */
export function weightsLine(weights: unknown): string {
  if (typeof weights !== 'object' || weights === null) return '';
  return Object.entries(weights as Record<string, Record<string, number>>)
    .map(
      ([route, w]) =>
        `${route}: ${Object.entries(w)
          .map(([c, x]) => `${c} ${x}%`)
          .join(', ')}`,
    )
    .join('; ');
}

/**
 * Prints a refusal that came before the decision (401, 403, 404, 405, 413, 422, 5xx) and returns its exit
 * code, or undefined when the answer reached the decision.
 */
export function printEdgeRefusal(
  io: CliIo,
  cmd: string,
  r: OperatorResponse,
  json: boolean,
): number | undefined {
  if (r.body.outcome !== undefined || (r.status >= 200 && r.status < 300)) return undefined;
  if (json) io.stdout.write(`${JSON.stringify({ status: r.status, ...r.body })}\n`);
  else io.stderr.write(`fleet-dr ${cmd}: HTTP ${r.status}: ${str(r.body.error) ?? JSON.stringify(r.body)}\n`);
  return exitFor(r);
}

/**
 * One signed request; a network failure (refused, timed out) is printed as one line naming the URL and gives
 * exit 1, as the function could not act on it.
 */
export async function requestOrExit(
  io: CliIo,
  cmd: string,
  target: OperatorTarget,
  endpoint: OperatorEndpoint,
  body?: unknown,
): Promise<OperatorResponse | number> {
  try {
    return await callOperator(target, endpoint, body);
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why =
      err.name === 'TimeoutError'
        ? `no answer within ${target.timeoutMs / 1000} s`
        : (err.cause?.code ?? err.cause?.message ?? err.message);
    io.stderr.write(`fleet-dr ${cmd}: cannot reach the operator function at ${target.url}: ${why}\n`);
    return EXIT.refused;
  }
}
