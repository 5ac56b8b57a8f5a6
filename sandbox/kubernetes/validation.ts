/** Object validation: a subset of the API server's rules, enough to return 422 Invalid with `details.causes`. */
import { invalid, type StatusCause } from './errors';
import type { ResourceType } from './resources';
import type { KubeObject } from './types';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function required(field: string): StatusCause {
  return { reason: 'FieldValueRequired', message: 'Required value', field };
}
function badValue(field: string, value: unknown, why: string): StatusCause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${why}`, field };
}
function unsupported(field: string, value: unknown, allowed: string[]): StatusCause {
  const list = allowed.map((a) => `"${a}"`).join(', ');
  return {
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${list}`,
    field,
  };
}

function validateMeta(t: ResourceType, obj: KubeObject): StatusCause[] {
  const c: StatusCause[] = [];
  const m = obj.metadata;
  if (!m || typeof m.name !== 'string' || m.name === '') return [required('metadata.name')];
  const nameRe = t.kind === 'Namespace' || t.kind === 'Service' ? DNS_LABEL : DNS_SUBDOMAIN;
  if (m.name.length > 253 || !nameRe.test(m.name))
    c.push(
      badValue(
        'metadata.name',
        m.name,
        "a lowercase RFC 1123 name must consist of lower case alphanumeric characters, '-' or '.'",
      ),
    );
  if (t.namespaced && !m.namespace) c.push(required('metadata.namespace'));
  for (const [k, v] of Object.entries(m.labels ?? {})) {
    const name = k.includes('/') ? k.slice(k.indexOf('/') + 1) : k;
    if (name.length > 63 || !LABEL_NAME.test(name))
      c.push(badValue('metadata.labels', k, 'name part must be a valid label key'));
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v))
      c.push(
        badValue(
          'metadata.labels',
          v,
          "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'",
        ),
      );
  }
  for (const [k, v] of Object.entries(m.annotations ?? {}))
    if (typeof v !== 'string') c.push(badValue(`metadata.annotations[${k}]`, v, 'must be a string'));
  return c;
}

function validatePort(field: string, port: unknown): StatusCause[] {
  if (!isObj(port) || (port.number === undefined && port.name === undefined)) return [required(`${field}`)];
  if (
    port.number !== undefined &&
    (typeof port.number !== 'number' || port.number < 1 || port.number > 65535)
  )
    return [badValue(`${field}.number`, port.number, 'must be between 1 and 65535, inclusive')];
  return [];
}

function validateBackend(field: string, b: unknown): StatusCause[] {
  if (!isObj(b)) return [required(field)];
  if (isObj(b.service)) {
    const c: StatusCause[] = [];
    if (typeof b.service.name !== 'string' || b.service.name === '')
      c.push(required(`${field}.service.name`));
    return [...c, ...validatePort(`${field}.service.port`, b.service.port)];
  }
  if (isObj(b.resource)) return [];
  return [required(`${field}.service`)];
}

function validateIngress(spec: unknown): StatusCause[] {
  if (!isObj(spec)) return [required('spec')];
  const c: StatusCause[] = [];
  if (spec.defaultBackend !== undefined)
    c.push(...validateBackend('spec.defaultBackend', spec.defaultBackend));
  const rules = spec.rules ?? [];
  if (!Array.isArray(rules)) return [badValue('spec.rules', rules, 'must be a list')];
  if (rules.length === 0 && spec.defaultBackend === undefined)
    c.push({
      reason: 'FieldValueInvalid',
      message: 'either `defaultBackend` or `rules` must be specified',
      field: 'spec',
    });
  rules.forEach((rule, i) => {
    const http = isObj(rule) ? rule.http : undefined;
    if (http === undefined) return;
    const paths = isObj(http) ? http.paths : undefined;
    if (!Array.isArray(paths) || paths.length === 0) {
      c.push(required(`spec.rules[${i}].http.paths`));
      return;
    }
    paths.forEach((p, j) => {
      const f = `spec.rules[${i}].http.paths[${j}]`;
      if (!isObj(p)) {
        c.push(required(f));
        return;
      }
      const types = ['Exact', 'Prefix', 'ImplementationSpecific'];
      if (p.pathType === undefined) c.push(required(`${f}.pathType`));
      else if (!types.includes(p.pathType as string)) c.push(unsupported(`${f}.pathType`, p.pathType, types));
      if (p.pathType !== 'ImplementationSpecific' && typeof p.path === 'string' && !p.path.startsWith('/'))
        c.push(badValue(`${f}.path`, p.path, 'must be an absolute path'));
      c.push(...validateBackend(`${f}.backend`, p.backend));
    });
  });
  return c;
}

function validateDeployment(spec: unknown): StatusCause[] {
  if (!isObj(spec)) return [required('spec')];
  const c: StatusCause[] = [];
  if (spec.replicas !== undefined && (!Number.isInteger(spec.replicas) || (spec.replicas as number) < 0))
    c.push(badValue('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  const sel =
    isObj(spec.selector) && isObj(spec.selector.matchLabels) ? spec.selector.matchLabels : undefined;
  if (!sel) c.push(required('spec.selector'));
  const tmpl =
    isObj(spec.template) && isObj(spec.template.metadata) ? spec.template.metadata.labels : undefined;
  if (sel && isObj(tmpl) && Object.entries(sel).some(([k, v]) => tmpl[k] !== v))
    c.push(badValue('spec.template.metadata.labels', tmpl, '`selector` does not match template `labels`'));
  return c;
}

function validateService(spec: unknown): StatusCause[] {
  if (!isObj(spec)) return [];
  const c: StatusCause[] = [];
  const ports = Array.isArray(spec.ports) ? spec.ports : [];
  ports.forEach((p, i) => {
    const port = isObj(p) ? p.port : undefined;
    if (typeof port !== 'number' || port < 1 || port > 65535)
      c.push(badValue(`spec.ports[${i}].port`, port, 'must be between 1 and 65535, inclusive'));
  });
  return c;
}

function validateLease(spec: unknown): StatusCause[] {
  if (!isObj(spec)) return [];
  const d = spec.leaseDurationSeconds;
  if (d !== undefined && (!Number.isInteger(d) || (d as number) <= 0))
    return [badValue('spec.leaseDurationSeconds', d, 'must be greater than 0')];
  return [];
}

function validateData(obj: KubeObject): StatusCause[] {
  const c: StatusCause[] = [];
  for (const key of ['data', 'stringData'] as const) {
    const d = obj[key];
    if (d === undefined) continue;
    if (!isObj(d)) c.push(badValue(key, d, 'must be a map of strings'));
    else
      for (const [k, v] of Object.entries(d))
        if (typeof v !== 'string') c.push(badValue(`${key}[${k}]`, v, 'must be a string'));
  }
  return c;
}

/** Returns the causes why `obj` is invalid (empty when valid). */
export function validationCauses(t: ResourceType, obj: KubeObject): StatusCause[] {
  const c = validateMeta(t, obj);
  switch (t.kind) {
    case 'Ingress':
      return [...c, ...validateIngress(obj.spec)];
    case 'Deployment':
      return [...c, ...validateDeployment(obj.spec)];
    case 'Service':
      return [...c, ...validateService(obj.spec)];
    case 'Lease':
      return [...c, ...validateLease(obj.spec)];
    case 'ConfigMap':
    case 'Secret':
      return [...c, ...validateData(obj)];
    default:
      return c;
  }
}

/** Throws 422 Invalid when `obj` does not validate; then the type's admission check, if any, may deny it. */
export function validate(t: ResourceType, obj: KubeObject): void {
  const causes = validationCauses(t, obj);
  if (causes.length > 0) throw invalid(t.kind, obj.apiVersion, String(obj.metadata?.name ?? ''), causes);
  // Validating admission runs after the object's own validation, as in the API server's write path.
  t.admit?.(obj);
}
