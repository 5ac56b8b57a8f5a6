/**
 * Server-side check of the Function Compute 2.0 signature, mirroring @alicloud/fc2 2.6.6
 * (lib/helper.js `composeStringToSign`, lib/client.js `signString`):
 *   stringToSign = METHOD \n content-md5 \n content-type \n date \n (x-fc-* headers `name:value\n`, sorted) + path
 *   Authorization = `FC <AccessKeyId>:` + base64(HMAC-SHA256(secret, stringToSign))
 * The path is the unescaped `/2016-08-15/...` path; queries are signed only for `/proxy/` paths (not served here).
 * Error codes and statuses are unverified (FC 2.0 answers `{ErrorCode, ErrorMessage}`).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { CredentialStore } from './credentials';

/** An FC 2.0 error (unverified codes; the SDK turns `ErrorCode` into `name = FC<ErrorCode>Error`). */
export class FcError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'FcError';
  }
}

function h(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

/** The FC 2.0 string to sign for a request. */
export function fcStringToSign(method: string, path: string, headers: IncomingHttpHeaders): string {
  const fcHeaders = Object.keys(headers)
    .filter((k) => k.startsWith('x-fc-'))
    .sort()
    .map((k) => `${k}:${h(headers, k)}\n`)
    .join('');
  return `${method}\n${h(headers, 'content-md5')}\n${h(headers, 'content-type')}\n${h(headers, 'date')}\n${fcHeaders}${path}`;
}

/** Verify an FC 2.0 request; returns the AccessKey ID. */
export function verifyFc2(
  req: { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer },
  deps: { credentials: CredentialStore; now: number },
): string {
  const m = /^FC ([^:]+):(.+)$/.exec(h(req.headers, 'authorization'));
  if (!m) throw new FcError('MissingRequiredHeader', 'Authorization header is required', 400);
  const [, accessKeyId = '', signature = ''] = m;
  const date = Date.parse(h(req.headers, 'date'));
  if (Number.isNaN(date) || Math.abs(deps.now - date) > 15 * 60_000) {
    throw new FcError(
      'RequestTimeTooSkewed',
      'the difference between the request time and the server time is too large',
      403,
    );
  }
  const key = deps.credentials.lookup(accessKeyId);
  if (!key) throw new FcError('InvalidAccessKeyID', `invalid access key ID ${accessKeyId}`, 403);
  const token = h(req.headers, 'x-fc-security-token');
  if (key.sts && (token !== key.sts.securityToken || deps.now >= key.sts.expiresAt)) {
    throw new FcError('InvalidSecurityToken', 'invalid or expired security token', 403);
  }
  const expected = Buffer.from(
    createHmac('sha256', key.secret)
      .update(fcStringToSign(req.method, req.path, req.headers), 'utf8')
      .digest('base64'),
  );
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new FcError(
      'SignatureNotMatch',
      'the request signature we calculated does not match the signature you provided',
      403,
    );
  }
  // The signature covers Content-MD5, not the body: check the body against it (as the real service does).
  const md5 = h(req.headers, 'content-md5');
  if (md5 && Buffer.from(createHash('md5').update(req.body).digest('hex')).toString('base64') !== md5) {
    throw new FcError('InvalidArgument', 'Content-MD5 does not match the body', 400);
  }
  return accessKeyId;
}
