/** A throwaway self-signed client certificate, made with openssl, for kubeconfig expiry tests. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Makes a certificate valid for `days` days; returns its PEM files base64-encoded as kubeconfigs carry them. */
export function testCertificate(days: number, cn = 'fleet-dr-test'): { certB64: string; keyB64: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-dr-cert-'));
  try {
    const r = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        join(dir, 'c.pem'),
      ].concat(['-days', String(days), '-subj', `/CN=${cn}`]),
      { stdio: 'ignore' },
    );
    assert.equal(r.status, 0, 'openssl is needed to make a test certificate');
    const b64 = (f: string) => readFileSync(join(dir, f)).toString('base64');
    return { certB64: b64('c.pem'), keyB64: b64('k.pem') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
