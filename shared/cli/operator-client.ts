/**
 * The CLI's side of the operator API: where the operator function is (`--url`, else FLEET_DR_OPERATOR_URL),
 * the operator's key (`--key-file`, else FLEET_DR_OPERATOR_KEY, `<keyId>:<secret>`), and one signed request.
 * The path signed is the path after the function URL, as the function sees it (FC's `rawPath`): for the
 * sandbox's invoker that is what follows `/<function name>`.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors';
import { OPERATOR_ENDPOINTS, type OperatorEndpoint } from '../operator/api';
import { type ClientKey, parseClientKey } from '../operator/keys';
import { signRequest } from '../operator/signing';

/** Where and as whom the CLI calls the operator function. */
export interface OperatorTarget {
  url: string;
  key: ClientKey;
  timeoutMs: number;
}

/** A bad command line (exit 2). */
export class UsageError extends ConfigError {}

/** The answer of one request: status and JSON body (or the text when it is not JSON). */
export interface OperatorResponse {
  status: number;
  body: Record<string, unknown>;
}

/** The target from the flags and the environment. */
export function targetOf(
  flags: { url?: string; keyFile?: string; timeoutMs?: number },
  env: NodeJS.ProcessEnv,
): OperatorTarget {
  const url = flags.url ?? env.FLEET_DR_OPERATOR_URL;
  if (!url) throw new UsageError('no operator URL: pass --url or set FLEET_DR_OPERATOR_URL');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(url.slice(0, 100))} is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new UsageError('--url must be http(s)');
  if (parsed.search) throw new UsageError('--url must not carry a query');
  let key: ClientKey;
  if (flags.keyFile) {
    let text: string;
    try {
      text = readFileSync(flags.keyFile, 'utf8');
    } catch (e) {
      throw new UsageError(
        `--key-file ${flags.keyFile}: cannot read it (${(e as NodeJS.ErrnoException).code})`,
      );
    }
    key = parseClientKey(text, `--key-file ${flags.keyFile}`);
  } else if (env.FLEET_DR_OPERATOR_KEY)
    key = parseClientKey(env.FLEET_DR_OPERATOR_KEY, 'FLEET_DR_OPERATOR_KEY');
  else
    throw new UsageError('no operator key: pass --key-file or set FLEET_DR_OPERATOR_KEY (<keyId>:<secret>)');
  return { url: parsed.toString().replace(/\/+$/, ''), key, timeoutMs: flags.timeoutMs ?? 60_000 };
}

/** Sends one signed request to an endpoint; network failures throw (the caller prints one line). */
export async function callOperator(
  t: OperatorTarget,
  endpoint: OperatorEndpoint,
  body?: unknown,
): Promise<OperatorResponse> {
  const e = OPERATOR_ENDPOINTS[endpoint];
  const payload = body === undefined ? '' : JSON.stringify(body);
  const headers = signRequest({
    method: e.method,
    path: e.path,
    body: payload,
    keyId: t.key.id,
    secret: t.key.secret,
  });
  const res = await fetch(`${t.url}${e.path}`, {
    method: e.method,
    headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) },
    body: payload || undefined,
    signal: AbortSignal.timeout(t.timeoutMs),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { error: text.slice(0, 300) };
  }
  const obj =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : { value: parsed };
  return { status: res.status, body: obj };
}
