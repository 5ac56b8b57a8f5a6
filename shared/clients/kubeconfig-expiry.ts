/**
 * When a kubeconfig stops working: the notAfter of its client certificate if it has one (ACK issues
 * certificate kubeconfigs), or never for a token user (the sandbox), in which case a 401 forces a refresh.
 */
import { X509Certificate } from 'node:crypto';
import { parse } from 'yaml';

/** Milliseconds since epoch when the current user's client certificate expires, or undefined if none. */
export function kubeconfigNotAfter(kubeconfig: string): number | undefined {
  let doc: {
    users?: Array<{ name?: string; user?: Record<string, string> }>;
    contexts?: Array<{ name?: string; context?: { user?: string } }>;
    'current-context'?: string;
  };
  try {
    doc = parse(kubeconfig) ?? {};
  } catch {
    return undefined;
  }
  const ctx = doc.contexts?.find((c) => c.name === doc['current-context']) ?? doc.contexts?.[0];
  const user = doc.users?.find((u) => u.name === ctx?.context?.user) ?? doc.users?.[0];
  const data = user?.user?.['client-certificate-data'];
  if (!data) return undefined;
  try {
    const cert = new X509Certificate(Buffer.from(data, 'base64'));
    return Date.parse(cert.validTo);
  } catch {
    return undefined;
  }
}
