/**
 * Contract: the stand-in is strict where kube-apiserver is: fieldValidation=Strict (400 on create/update, 422 on
 * patch, Warning headers otherwise), limit/continue paging (consistent pages, 400 bad token, 410 expired token)
 * and 415 for a write with a Content-Type the server does not take.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeApiServer } from '../../sandbox/kubernetes/index';
import { kubeConfigFor, startTestServer } from './kubernetes-helpers';

const ns = 'web-demo';

interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads arbitrary JSON
  body: any;
}

async function call(
  server: KubeApiServer,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${server.adminToken}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const cmPath = `/api/v1/namespaces/${ns}/configmaps`;
const ingPath = `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`;

function ingress(
  name: string,
  extraSpec: Record<string, unknown> = {},
  extraRule: Record<string, unknown> = {},
) {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: ns },
    spec: {
      ingressClassName: 'mse',
      rules: [
        {
          host: 'demo.example.com',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'web-demo', port: { number: 80 } } },
              },
            ],
          },
          ...extraRule,
        },
      ],
      ...extraSpec,
    },
  };
}

describe('kubernetes stand-in: fieldValidation', () => {
  let server: KubeApiServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('Strict create: an unknown ConfigMap field is 400 BadRequest with the strict decoding error, nothing stored', async () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'strict-cm' },
      data: { a: '1' },
      foo: 1,
    };
    const r = await call(server, 'POST', `${cmPath}?fieldValidation=Strict`, cm);
    assert.equal(r.status, 400);
    assert.equal(r.body.kind, 'Status');
    assert.equal(r.body.reason, 'BadRequest');
    assert.equal(r.body.code, 400);
    assert.equal(
      r.body.message,
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "foo"',
    );
    assert.equal((await call(server, 'GET', `${cmPath}/strict-cm`)).status, 404);
    // metadata is a known schema too
    const meta = await call(server, 'POST', `${cmPath}?fieldValidation=Strict`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'strict-cm', bogus: 'x' },
    });
    assert.equal(meta.status, 400);
    assert.match(meta.body.message, /unknown field "metadata\.bogus"/);
  });

  it('Strict create: unknown Ingress spec fields are named with their paths; known fields pass', async () => {
    const r = await call(
      server,
      'POST',
      `${ingPath}?fieldValidation=Strict`,
      ingress('strict-ing', { foo: true }, { bar: 1 }),
    );
    assert.equal(r.status, 400);
    assert.equal(
      r.body.message,
      'Ingress in version "v1" cannot be handled as a Ingress: strict decoding error: unknown field "spec.rules[0].bar", unknown field "spec.foo"',
    );
    const ok = await call(server, 'POST', `${ingPath}?fieldValidation=Strict`, ingress('strict-ing'));
    assert.equal(ok.status, 201);
    assert.equal(ok.headers.get('warning'), null);
  });

  it('Strict update (PUT) refuses an unknown field before anything else', async () => {
    const got = (await call(server, 'GET', `${ingPath}/strict-ing`)).body;
    got.spec.tls = [{ hosts: ['demo.example.com'], secretName: 's', sni: true }];
    const r = await call(server, 'PUT', `${ingPath}/strict-ing?fieldValidation=Strict`, got);
    assert.equal(r.status, 400);
    assert.match(r.body.message, /strict decoding error: unknown field "spec\.tls\[0\]\.sni"$/);
    // even for an object that does not exist: the body is decoded first
    const missing = await call(server, 'PUT', `${ingPath}/nope?fieldValidation=Strict`, {
      ...ingress('nope'),
      extra: 1,
    });
    assert.equal(missing.status, 400);
  });

  it('Strict patch: the patched object is checked, 422 Invalid on field "patch"', async () => {
    const merge = await call(
      server,
      'PATCH',
      `${ingPath}/strict-ing?fieldValidation=Strict`,
      { spec: { foo: 'x' } },
      { 'content-type': 'application/merge-patch+json' },
    );
    assert.equal(merge.status, 422);
    assert.equal(merge.body.reason, 'Invalid');
    assert.equal(merge.body.details.causes.length, 1);
    assert.equal(merge.body.details.causes[0].field, 'patch');
    assert.equal(merge.body.details.causes[0].reason, 'FieldValueInvalid');
    assert.match(merge.body.details.causes[0].message, /strict decoding error: unknown field "spec\.foo"$/);
    assert.match(merge.body.message, /^ "" is invalid: patch: Invalid value: /);
    const json = await call(
      server,
      'PATCH',
      `${cmPath.replace('configmaps', 'configmaps')}/x?fieldValidation=Strict`,
      [{ op: 'add', path: '/foo', value: 1 }],
      { 'content-type': 'application/json-patch+json' },
    );
    assert.equal(json.status, 404, 'a missing object is still 404 first');
    const smp = await call(
      server,
      'PATCH',
      `${ingPath}/strict-ing?fieldValidation=Strict`,
      { spec: { rules: [{ host: 'demo.example.com', oops: 1 }] } },
      { 'content-type': 'application/strategic-merge-patch+json' },
    );
    assert.equal(smp.status, 422);
    const after = (await call(server, 'GET', `${ingPath}/strict-ing`)).body;
    assert.equal(after.spec.foo, undefined, 'nothing was written');
    const fine = await call(
      server,
      'PATCH',
      `${ingPath}/strict-ing?fieldValidation=Strict`,
      { metadata: { annotations: { a: 'b' } } },
      { 'content-type': 'application/merge-patch+json' },
    );
    assert.equal(fine.status, 200);
  });

  it('Warn (and no directive, the default) accept with a Warning header per unknown field; Ignore is silent', async () => {
    const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, foo: 1 });
    const warn = await call(server, 'POST', `${cmPath}?fieldValidation=Warn`, cm('warn-cm'));
    assert.equal(warn.status, 201);
    assert.equal(warn.headers.get('warning'), '299 - "unknown field \\"foo\\""');
    const dflt = await call(server, 'POST', cmPath, cm('default-cm'));
    assert.equal(dflt.status, 201);
    assert.equal(dflt.headers.get('warning'), '299 - "unknown field \\"foo\\""');
    const ignore = await call(server, 'POST', `${cmPath}?fieldValidation=Ignore`, cm('ignore-cm'));
    assert.equal(ignore.status, 201);
    assert.equal(ignore.headers.get('warning'), null);
  });

  it('kinds without a known schema (custom resources) accept any field under Strict; a bad directive is 422', async () => {
    const app = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'any', namespace: ns },
      spec: { whatever: true },
    };
    const r = await call(
      server,
      'POST',
      `/apis/argoproj.io/v1alpha1/namespaces/${ns}/applications?fieldValidation=Strict`,
      app,
    );
    assert.equal(r.status, 201);
    const bad = await call(server, 'POST', `${cmPath}?fieldValidation=Loose`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'loose' },
    });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.details.causes[0].field, 'fieldValidation');
  });
});

describe('kubernetes stand-in: limit/continue paging', () => {
  let server: KubeApiServer;
  let core: CoreV1Api;
  const names = ['p-a', 'p-b', 'p-c', 'p-d', 'p-e'];
  before(async () => {
    server = await startTestServer({ watchHistory: 20 });
    core = kubeConfigFor(server).makeApiClient(CoreV1Api);
    for (const name of names)
      await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name, labels: { pg: 'y' } } },
      });
  });
  after(() => server.stop());

  it('limit gives at most N items, a continue token and remainingItemCount; the pages add up to the list', async () => {
    const first = await call(server, 'GET', `${cmPath}?limit=2`);
    assert.equal(first.status, 200);
    assert.deepEqual(
      first.body.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ['p-a', 'p-b'],
    );
    assert.equal(typeof first.body.metadata.continue, 'string');
    assert.equal(first.body.metadata.remainingItemCount, 3);
    const seen = first.body.items.map((i: { metadata: { name: string } }) => i.metadata.name);
    let token: string | undefined = first.body.metadata.continue;
    while (token) {
      const page = await call(server, 'GET', `${cmPath}?limit=2&continue=${encodeURIComponent(token)}`);
      assert.equal(page.status, 200);
      assert.equal(page.body.metadata.resourceVersion, first.body.metadata.resourceVersion);
      seen.push(...page.body.items.map((i: { metadata: { name: string } }) => i.metadata.name));
      token = page.body.metadata.continue;
    }
    assert.deepEqual(seen, names);
    // client-node without limit gets everything in one page, as the product's calls do
    const all = await core.listNamespacedConfigMap({ namespace: ns });
    assert.deepEqual(
      all.items.map((i) => i.metadata?.name),
      names,
    );
    assert.equal(all.metadata?._continue, undefined);
    // client-node with limit/_continue
    const p1 = await core.listNamespacedConfigMap({ namespace: ns, limit: 4 });
    assert.equal(p1.items.length, 4);
    const p2 = await core.listNamespacedConfigMap({
      namespace: ns,
      limit: 4,
      _continue: p1.metadata?._continue,
    });
    assert.deepEqual(
      p2.items.map((i) => i.metadata?.name),
      ['p-e'],
    );
  });

  it('later pages are the snapshot of the first page: writes in between do not show', async () => {
    const first = await call(server, 'GET', `${cmPath}?limit=2&labelSelector=pg%3Dy`);
    assert.equal(first.body.metadata.remainingItemCount, undefined, 'not with a selector');
    await core.deleteNamespacedConfigMap({ name: 'p-d', namespace: ns });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'p-f', labels: { pg: 'y' } } },
    });
    await core.patchNamespacedConfigMap({
      name: 'p-c',
      namespace: ns,
      body: [{ op: 'add', path: '/data', value: { v: '2' } }],
    });
    const rest = await call(
      server,
      'GET',
      `${cmPath}?limit=10&labelSelector=pg%3Dy&continue=${encodeURIComponent(first.body.metadata.continue)}`,
    );
    assert.deepEqual(
      rest.body.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ['p-c', 'p-d', 'p-e'],
    );
    assert.equal(rest.body.items[0].data, undefined, 'p-c as it was at the first page');
    assert.equal(rest.body.metadata.continue, undefined);
  });

  it('a bad token is 400, continue with a resourceVersion is 400', async () => {
    const bad = await call(server, 'GET', `${cmPath}?limit=2&continue=not*a*token`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.reason, 'BadRequest');
    assert.match(bad.body.message, /^invalid continue token: continue key is not valid/);
    const garbage = await call(
      server,
      'GET',
      `${cmPath}?limit=2&continue=${Buffer.from('{}').toString('base64url')}`,
    );
    assert.equal(garbage.status, 400);
    const first = await call(server, 'GET', `${cmPath}?limit=1`);
    const withRv = await call(
      server,
      'GET',
      `${cmPath}?limit=1&resourceVersion=5&continue=${encodeURIComponent(first.body.metadata.continue)}`,
    );
    assert.equal(withRv.status, 400);
    assert.equal(withRv.body.message, 'specifying resource version is not allowed when using continue');
  });

  it('a token older than the kept history is 410 Expired with a token that continues inconsistently', async () => {
    const first = await call(server, 'GET', `${cmPath}?limit=2`);
    for (let i = 0; i < 25; i++)
      await core.patchNamespacedConfigMap({
        name: 'p-e',
        namespace: ns,
        body: [{ op: 'add', path: '/data', value: { n: String(i) } }],
      });
    const gone = await call(
      server,
      'GET',
      `${cmPath}?limit=2&continue=${encodeURIComponent(first.body.metadata.continue)}`,
    );
    assert.equal(gone.status, 410);
    assert.equal(gone.body.reason, 'Expired');
    assert.match(
      gone.body.message,
      /^The provided continue parameter is too old to display a consistent list result/,
    );
    assert.equal(typeof gone.body.metadata.continue, 'string');
    const resumed = await call(
      server,
      'GET',
      `${cmPath}?limit=10&continue=${encodeURIComponent(gone.body.metadata.continue)}`,
    );
    assert.equal(resumed.status, 200);
    const pe = resumed.body.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'p-e');
    assert.equal(pe.data.n, '24', 'the current state');
  });

  it('Table lists (kubectl get) carry the continue token too', async () => {
    const r = await call(server, 'GET', `${cmPath}?limit=1`, undefined, {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    assert.equal(r.body.kind, 'Table');
    assert.equal(r.body.rows.length, 1);
    assert.equal(typeof r.body.metadata.continue, 'string');
  });
});

describe('kubernetes stand-in: 415 Unsupported Media Type', () => {
  let server: KubeApiServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  const cm = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });

  it('create and update with text/plain are 415 with a Status naming the accepted types', async () => {
    const r = await call(server, 'POST', cmPath, cm('t1'), { 'content-type': 'text/plain' });
    assert.equal(r.status, 415);
    assert.equal(r.body.kind, 'Status');
    assert.equal(r.body.reason, 'UnsupportedMediaType');
    assert.equal(
      r.body.message,
      'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf',
    );
    assert.equal((await call(server, 'GET', `${cmPath}/t1`)).status, 404);
    assert.equal((await call(server, 'POST', cmPath, cm('t1'))).status, 201);
    const put = await call(server, 'PUT', `${cmPath}/t1`, cm('t1'), { 'content-type': 'text/plain' });
    assert.equal(put.status, 415);
  });

  it('JSON with a charset, YAML and no Content-Type at all (JSON by default) are accepted', async () => {
    assert.equal(
      (await call(server, 'POST', cmPath, cm('t2'), { 'content-type': 'application/json; charset=utf-8' }))
        .status,
      201,
    );
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: t3\n';
    assert.equal(
      (await call(server, 'POST', cmPath, yaml, { 'content-type': 'application/yaml' })).status,
      201,
    );
    const res = await fetch(`${server.url}${cmPath}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}` },
      body: new Uint8Array(Buffer.from(cm('t4'))),
    });
    assert.equal(res.status, 201);
  });

  it('PATCH takes the four patch types for built-ins, three for custom resources, and 415 comes before 404', async () => {
    const missing = await call(server, 'PATCH', `${cmPath}/nope`, '{}', { 'content-type': 'text/plain' });
    assert.equal(missing.status, 415);
    assert.equal(
      missing.body.message,
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml',
    );
    const cbor = await call(server, 'PATCH', `${cmPath}/t1`, '{}', {
      'content-type': 'application/apply-patch+cbor',
    });
    assert.equal(cbor.status, 415, 'CBOR apply is behind an alpha gate in 1.32');
    const crd = await call(
      server,
      'PATCH',
      `/apis/argoproj.io/v1alpha1/namespaces/${ns}/applications/x`,
      '{}',
      { 'content-type': 'application/strategic-merge-patch+json' },
    );
    assert.equal(crd.status, 415);
    assert.equal(
      crd.body.message,
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
    for (const ct of [
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
    ]) {
      const body = ct === 'application/json-patch+json' ? '[]' : '{}';
      assert.equal(
        (await call(server, 'PATCH', `${cmPath}/t1`, body, { 'content-type': ct })).status,
        200,
        ct,
      );
    }
  });
});
