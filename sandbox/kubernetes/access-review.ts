/**
 * `authorization.k8s.io/v1` SelfSubjectAccessReview (the caller) and SubjectAccessReview (any user; needs
 * `create subjectaccessreviews`): POST only, nothing stored, answered 201 with the review and its `status`
 * (`allowed`, and `reason` when the authorizer gave one), decided by the same code that authorises requests.
 * Bodies in JSON, YAML or Kubernetes protobuf (kubectl auth can-i); the answer is always JSON.
 */
import type { IncomingMessage } from 'node:http';
import type { TokenAuth } from './auth';
import { invalid, KubeStatusError } from './errors';
import { parseBody, readBody } from './http-util';
import type { RequestAttributes, UserInfo } from './rbac';
import type { ResourceTarget } from './router';

async function readRawBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

interface ReviewSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: { path?: string; verb?: string };
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** Reads protobuf fields (wire types 0 and 2 only) as [field number, bytes or varint]. */
function* protoFields(buf: Buffer): Generator<[number, Buffer | number]> {
  let i = 0;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[i++];
      if (b === undefined) throw new Error('truncated varint');
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const wire = key % 8;
    const field = Math.floor(key / 8);
    if (wire === 0) yield [field, varint()];
    else if (wire === 2) {
      const len = varint();
      yield [field, buf.subarray(i, i + len)];
      i += len;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
}

function protoStrings(buf: Buffer, names: Record<number, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [f, v] of protoFields(buf))
    if (names[f] && Buffer.isBuffer(v)) out[names[f]] = v.toString('utf8');
  return out;
}

/**
 * The spec of a review sent as Kubernetes protobuf (`k8s\0` + runtime.Unknown{raw}), as kubectl's typed client
 * sends `auth can-i` (field numbers of k8s.io/api/authorization/v1 generated.proto).
 */
function specFromProtobuf(body: Buffer): ReviewSpec {
  if (body.subarray(0, 4).toString('latin1') !== 'k8s\0') throw new Error('no k8s protobuf magic');
  let raw: Buffer | undefined;
  for (const [f, v] of protoFields(body.subarray(4))) if (f === 2 && Buffer.isBuffer(v)) raw = v;
  const spec: ReviewSpec = {};
  for (const [f, v] of protoFields(raw ?? Buffer.alloc(0))) {
    if (f !== 2 || !Buffer.isBuffer(v)) continue;
    for (const [sf, sv] of protoFields(v)) {
      if (!Buffer.isBuffer(sv)) continue;
      if (sf === 1)
        spec.resourceAttributes = protoStrings(sv, {
          1: 'namespace',
          2: 'verb',
          3: 'group',
          4: 'version',
          5: 'resource',
          6: 'subresource',
          7: 'name',
        });
      else if (sf === 2) spec.nonResourceAttributes = protoStrings(sv, { 1: 'path', 2: 'verb' });
      else if (sf === 3) spec.user = sv.toString('utf8');
      else if (sf === 4) spec.groups = [...(spec.groups ?? []), sv.toString('utf8')];
      else if (sf === 6) spec.uid = sv.toString('utf8');
    }
  }
  return spec;
}

function attributesOf(kind: string, spec: ReviewSpec): RequestAttributes {
  const r = spec.resourceAttributes;
  const n = spec.nonResourceAttributes;
  if ((r && n) || (!r && !n))
    throw invalid(kind, 'authorization.k8s.io/v1', '', [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.resourceAttributes',
        message: `Invalid value: "${r && n ? 'both' : 'null'}": exactly one of nonResourceAttributes or resourceAttributes must be specified`,
      },
    ]);
  if (n) return { verb: n.verb ?? '', path: n.path ?? '' };
  return {
    verb: r?.verb ?? '',
    resource: {
      group: r?.group ?? '',
      resource: r?.resource ?? '',
      subresource: r?.subresource || undefined,
      namespace: r?.namespace || undefined,
      name: r?.name || undefined,
    },
  };
}

/** Answers a POST to selfsubjectaccessreviews or subjectaccessreviews. */
export async function accessReview(
  auth: TokenAuth,
  token: string,
  t: ResourceTarget,
  req: IncomingMessage,
): Promise<{ code: number; body: unknown }> {
  if (req.method !== 'POST' || t.name)
    throw new KubeStatusError(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
    );
  const contentType = req.headers['content-type'] ?? '';
  let spec: ReviewSpec;
  if (contentType.startsWith('application/vnd.kubernetes.protobuf')) {
    try {
      spec = specFromProtobuf(await readRawBody(req));
    } catch (e) {
      throw new KubeStatusError(400, 'BadRequest', `the request body is not valid: ${(e as Error).message}`);
    }
  } else {
    const body = parseBody(await readBody(req), contentType) as { spec?: ReviewSpec };
    spec = body?.spec ?? {};
  }
  const kind = t.type.kind;
  const attrs = attributesOf(kind, spec);
  let decision: { allowed: boolean; reason: string };
  if (kind === 'SelfSubjectAccessReview') {
    decision = auth.decide(token, auth.userInfo(token), attrs);
  } else {
    if (!spec.user && (spec.groups ?? []).length === 0)
      throw invalid(kind, 'authorization.k8s.io/v1', '', [
        {
          reason: 'FieldValueInvalid',
          field: 'spec.user',
          message: 'Invalid value: "": at least one of user or group must be specified',
        },
      ]);
    const user: UserInfo = { name: spec.user ?? '', groups: spec.groups ?? [] };
    decision = auth.decideFor(user, attrs);
  }
  return {
    code: 201,
    body: {
      kind,
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec,
      status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) },
    },
  };
}
