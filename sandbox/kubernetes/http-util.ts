/** Small HTTP helpers: body reading/parsing and JSON/Status responses. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { badRequest, KubeStatusError } from './errors';

/** Request bodies above this size are refused (the sandbox never needs more). */
const MAX_BODY = 8 * 1024 * 1024;

/** Reads the whole request body as text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new KubeStatusError(413, 'BadRequest', 'request entity too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON (or, for apply-patch+yaml and YAML bodies, YAML) body; 400 when it does not parse. */
export function parseBody(text: string, contentType: string | undefined): unknown {
  if (text.trim() === '') throw badRequest('the request body is empty');
  try {
    return /yaml/i.test(contentType ?? '') ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw badRequest(`the request body is not valid: ${(e as Error).message}`);
  }
}

/** Sends a JSON body. */
export function sendJson(res: ServerResponse, code: number, body: unknown, warnings?: string[]): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...(warnings && warnings.length > 0 ? { Warning: warnings } : {}),
  });
  res.end(text);
}

/** Sends any thrown error as a Status (unknown errors become 500 InternalError). */
export function sendError(res: ServerResponse, err: unknown): number {
  const e =
    err instanceof KubeStatusError
      ? err
      : new KubeStatusError(
          500,
          'InternalError',
          `Internal error occurred: ${(err as Error)?.message ?? String(err)}`,
        );
  if (res.headersSent) {
    res.end();
    return e.code;
  }
  sendJson(res, e.code, e.toStatus());
  return e.code;
}
