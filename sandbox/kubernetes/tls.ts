/**
 * A self-signed certificate for 127.0.0.1, made once per process with the openssl CLI. Why TLS at all: kubectl
 * (client-go) never sends a bearer token to a plain-http server ("only read auth info if secure"), so the
 * kubeconfig written for kubectl must use https. A second port serves https (see listener.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM key and certificate (the certificate is also the CA a kubeconfig trusts). */
export interface TlsMaterial {
  key: string;
  cert: string;
}

let cached: Promise<TlsMaterial | undefined> | undefined;

function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { timeout: 15000 }, (err) => (err ? reject(err) : resolve()));
  });
}

async function generate(): Promise<TlsMaterial | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'kube-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    await run([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '3650',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-keyout',
      key,
      '-out',
      cert,
    ]);
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } catch {
    // No openssl: the stand-in still serves plain http; only kubectl (which needs TLS to send tokens) is affected.
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The process-wide sandbox certificate, or undefined when openssl is unavailable. */
export function sandboxTls(): Promise<TlsMaterial | undefined> {
  cached ??= generate();
  return cached;
}
