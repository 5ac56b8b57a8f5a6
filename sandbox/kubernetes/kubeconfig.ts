/** Kubeconfig YAML for a stand-in server: a 127.0.0.1 URL and a bearer token (plus the CA for https). */
import { stringify } from 'yaml';

/** Builds a kubeconfig whose current context points at `url` with `token`; `caPem` is trusted for https. */
export function buildKubeconfig(name: string, url: string, token: string, caPem?: string): string {
  const cluster: Record<string, string | boolean> = { server: url };
  if (caPem && url.startsWith('https:'))
    cluster['certificate-authority-data'] = Buffer.from(caPem).toString('base64');
  // @kubernetes/client-node 2.x refuses plain http unless insecure-skip-tls-verify is set (there is no TLS to skip).
  if (url.startsWith('http:')) cluster['insecure-skip-tls-verify'] = true;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    users: [{ name: `${name}-user`, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-user`, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  });
}
