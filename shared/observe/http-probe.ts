/**
 * One HTTP probe request, bounded in every phase: the connection must be up within `connectTimeoutMs`, and the
 * whole answer (status and body) must be in within `timeoutMs` of the start. Past either limit the request is
 * destroyed with its socket, so nothing a probe starts outlives it. Each request has its own connection
 * (`agent: false`): no pooled socket lingers after the invocation. The body is drained, never kept; past
 * `maxBodyBytes` the socket is dropped, since only the status matters.
 */
import { type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Why a probe request failed. */
export type ProbeFailure = 'status' | 'connect-timeout' | 'timeout' | 'refused' | 'reset' | 'error';

/** What one probe request found. Never thrown: a failure is an answer with `ok: false`. */
export interface ProbeAnswer {
  ok: boolean;
  /** The HTTP status, when an answer came. */
  status?: number;
  /** From the start of the request to its end (answer, failure or timeout). */
  latencyMs: number;
  failure?: ProbeFailure;
  /** One line saying what went wrong (no URL, no header: it may be logged and published). */
  error?: string;
}

/** One probe request. */
export interface ProbeRequest {
  url: string;
  headers?: Record<string, string>;
  expectedStatus: number;
  /** The whole request: connection, status and body. */
  timeoutMs: number;
  /** The connection alone (default and at most `timeoutMs`). */
  connectTimeoutMs?: number;
  /** Body bytes read before the socket is dropped (default 64 KiB). */
  maxBodyBytes?: number;
}

const errorCode = (e: unknown): string | undefined => (e as { code?: string } | undefined)?.code;

function failureOf(e: unknown): { failure: ProbeFailure; error: string } {
  const code = errorCode(e);
  if (code === 'ECONNREFUSED') return { failure: 'refused', error: 'unreachable (ECONNREFUSED)' };
  if (code === 'ECONNRESET' || code === 'EPIPE') return { failure: 'reset', error: `unreachable (${code})` };
  return { failure: 'error', error: `unreachable (${code ?? (e as Error)?.message ?? 'unknown'})` };
}

/** Sends one probe request; resolves when it is answered, fails or runs out of time, never later. */
export function httpProbe(r: ProbeRequest): Promise<ProbeAnswer> {
  return new Promise((resolve) => {
    const started = performance.now();
    const connectMs = Math.min(r.connectTimeoutMs ?? r.timeoutMs, r.timeoutMs);
    const maxBody = r.maxBodyBytes ?? 64 * 1024;
    let settled = false;
    let connected = false;
    let req: ClientRequest | undefined;
    let connectTimer: NodeJS.Timeout | undefined;
    const finish = (a: Omit<ProbeAnswer, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(totalTimer);
      clearTimeout(connectTimer);
      req?.destroy();
      resolve({ ...a, latencyMs: Math.round(performance.now() - started) });
    };
    const answered = (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const ok = status === r.expectedStatus;
      finish({ ok, status, ...(ok ? {} : { failure: 'status' as const, error: `HTTP ${status}` }) });
    };
    const totalTimer = setTimeout(
      () =>
        finish(
          connected
            ? { ok: false, failure: 'timeout', error: `timeout after ${r.timeoutMs} ms` }
            : { ok: false, failure: 'connect-timeout', error: `connect timeout after ${r.timeoutMs} ms` },
        ),
      r.timeoutMs,
    );
    if (connectMs < r.timeoutMs)
      connectTimer = setTimeout(() => {
        if (!connected)
          finish({ ok: false, failure: 'connect-timeout', error: `connect timeout after ${connectMs} ms` });
      }, connectMs);
    let url: URL;
    try {
      url = new URL(r.url);
    } catch {
      finish({ ok: false, failure: 'error', error: 'unreachable (invalid probe URL)' });
      return;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    try {
      req = send(url, { method: 'GET', headers: { ...r.headers, connection: 'close' }, agent: false });
    } catch (e) {
      finish({ ok: false, ...failureOf(e) });
      return;
    }
    req.on('socket', (socket) => {
      const up = () => {
        connected = true;
        clearTimeout(connectTimer);
      };
      if (socket.connecting) socket.once('connect', up);
      else up();
    });
    req.on('response', (res) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > maxBody) answered(res);
      });
      res.on('end', () => answered(res));
      res.on('error', (e) => finish({ ok: false, status: res.statusCode, ...failureOf(e) }));
    });
    req.on('error', (e) => finish({ ok: false, ...failureOf(e) }));
    req.end();
  });
}
