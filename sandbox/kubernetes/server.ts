/** startKubeApiServer: one Kubernetes API stand-in on 127.0.0.1 with its own port, tokens and kubeconfig. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requestLedger } from '../ledger';
import { accessReview } from './access-review';
import { TokenAuth } from './auth';
import { startControllers } from './controllers';
import { coreVersionsDoc, groupDocFor, groupListDoc, resourceListDoc, versionDoc } from './discovery';
import { invalid, KubeStatusError } from './errors';
import { handleVerb, verbOf } from './handlers';
import { parseBody, readBody, sendError, sendJson } from './http-util';
import { buildKubeconfig } from './kubeconfig';
import { listenAll } from './listener';
import { openapiDoc } from './openapi';
import { checkMediaType } from './patch-verb';
import { type ResourceType, registerStoredType, servedTypes } from './resources';
import { type DiscoveryTarget, route } from './router';
import { MemoryStore } from './store';
import { sandboxTls } from './tls';
import type {
  KubeApiServer,
  KubeApiServerOptions,
  RequestFaultMatch,
  RequestLogEntry,
  TokenSpec,
} from './types';
import { serveWatch } from './watch-stream';
import { dumpYaml, seedStore } from './yaml-io';

/** Bound on requestLog so a long-running sandbox does not grow without limit. */
const MAX_LOG = 50_000;

function discovery(d: DiscoveryTarget, hostPort: string, types: ResourceType[]): unknown {
  switch (d.doc) {
    case 'version':
      return versionDoc();
    case 'api':
      return coreVersionsDoc(hostPort);
    case 'apis':
      return groupListDoc(types);
    case 'group':
      return groupDocFor(d.group, types);
    case 'resources':
      return resourceListDoc(d.group, d.version, types);
  }
}

/** An update (PUT) of an opt-in custom resource without metadata.resourceVersion: 422, as for the other CRDs. */
function requireResourceVersion(t: ResourceType, verb: string, body: unknown): void {
  if (!t.customResource || verb !== 'update') return;
  const meta = (body as { metadata?: { name?: string; resourceVersion?: string } } | undefined)?.metadata;
  if (meta?.resourceVersion) return;
  throw invalid(t.kind, t.group ? `${t.group}/${t.version}` : t.version, meta?.name ?? '', [
    {
      reason: 'FieldValueInvalid',
      field: 'metadata.resourceVersion',
      message: 'Invalid value: 0x0: must be specified for an update',
    },
  ]);
}

/** Starts a server; resolves when it listens on 127.0.0.1 at an OS-picked port. */
export async function startKubeApiServer(opts: KubeApiServerOptions): Promise<KubeApiServer> {
  const adminToken = `admin-${opts.name}-${randomBytes(12).toString('hex')}`;
  const tokens: TokenSpec[] = [{ token: adminToken, scope: 'admin' }, ...(opts.tokens ?? [])];
  const types = servedTypes(opts.extraResourceTypes);
  for (const t of opts.extraResourceTypes ?? []) registerStoredType(t);
  const store = new MemoryStore(opts.watchHistory ?? 1000);
  const auth = new TokenAuth(tokens, store);
  auth.enforceRbac = opts.enforceRbac ?? true;
  const stopControllers = startControllers(store, {
    runningAfterMs: opts.mseStatus?.runningAfterMs ?? 300,
    listeningAfterMs: opts.mseStatus?.listeningAfterMs ?? 300,
  });
  if (opts.seedYaml) seedStore(store, opts.seedYaml);
  const requestLog: RequestLogEntry[] = [];
  const faults: Array<{ match: RequestFaultMatch; left: number }> = [];
  const watches = new Set<() => void>();
  let hostPort = '127.0.0.1:0';

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ code: number; token?: string }> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let token: string | undefined;
    try {
      token = auth.authenticate(req.headers.authorization);
      const r = route(url.pathname, types);
      if (r.kind === 'none' && url.pathname.startsWith('/openapi/')) {
        const doc = openapiDoc(url.pathname);
        if (doc === undefined)
          throw new KubeStatusError(404, 'NotFound', 'the server could not find the requested resource');
        sendJson(res, 200, doc);
        return { code: 200, token };
      }
      if (r.kind === 'none')
        throw new KubeStatusError(404, 'NotFound', 'the server could not find the requested resource');
      if (r.kind === 'discovery') {
        if (req.method !== 'GET')
          throw new KubeStatusError(405, 'MethodNotAllowed', 'the server does not allow this method');
        const doc = discovery(r.target, hostPort, types);
        if (doc === undefined)
          throw new KubeStatusError(404, 'NotFound', 'the server could not find the requested resource');
        sendJson(res, 200, doc);
        return { code: 200, token };
      }
      const t = r.target;
      const verb = verbOf(req.method ?? 'GET', t, url.searchParams);
      auth.authorize(token, {
        verb,
        plural: t.type.plural,
        group: t.group,
        namespace: t.namespace,
        name: t.name,
        subresource: t.subresource,
      });
      if (t.type.virtual) {
        const out = await accessReview(auth, token, t, req);
        sendJson(res, out.code, out.body);
        return { code: out.code, token };
      }
      if (verb === 'watch' || (verb === 'get' && url.searchParams.get('watch') === 'true')) {
        serveWatch(store, t, url.searchParams, res, {
          bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 5000,
          track: (close) => {
            watches.add(close);
            return () => watches.delete(close);
          },
        });
        return { code: 200, token };
      }
      const method = req.method ?? 'GET';
      const needsBody = ['POST', 'PUT', 'PATCH'].includes(method);
      // Content-Type is negotiated before the body is decoded (415 for one the real server does not take).
      checkMediaType(method, t.type, req.headers['content-type']);
      const text = needsBody || method === 'DELETE' ? await readBody(req) : '';
      // An empty body is an error for writes (parseBody throws 400) and fine for DELETE.
      const body =
        text.trim() === '' && !needsBody ? undefined : parseBody(text, req.headers['content-type']);
      const name = t.name ?? (body as { metadata?: { name?: string } } | undefined)?.metadata?.name;
      const fault = faults.find(
        (f) =>
          f.left > 0 &&
          f.match.verb === verb &&
          f.match.plural === t.type.plural &&
          (f.match.name === undefined || f.match.name === name),
      );
      if (fault) {
        fault.left--;
        throw new KubeStatusError(500, 'InternalError', 'Internal error occurred: injected fault (sandbox)');
      }
      requireResourceVersion(t.type, verb, body);
      const out = handleVerb(store, verb, {
        method: req.method ?? 'GET',
        target: t,
        query: url.searchParams,
        contentType: req.headers['content-type'],
        accept: req.headers.accept,
        body,
      });
      sendJson(res, out.code, out.body, out.warnings);
      return { code: out.code, token };
    } catch (e) {
      return { code: sendError(res, e), token };
    }
  };

  const tls = await sandboxTls();
  const listener = await listenAll((req, res) => {
    requestLedger.track('kubernetes', opts.name, req, res);
    void requestLedger
      .delay()
      .then(() => handle(req, res))
      .then(({ code, token }) => {
        if (requestLog.length >= MAX_LOG) requestLog.splice(0, requestLog.length - MAX_LOG + 1);
        requestLog.push({
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          status: code,
          ...(token ? { token } : {}),
        });
      });
  }, tls);
  const port = listener.port;
  hostPort = `127.0.0.1:${port}`;
  const url = `http://${hostPort}`;
  const tlsUrl = listener.tlsPort ? `https://127.0.0.1:${listener.tlsPort}` : undefined;
  const kubeconfig = (token?: string, o?: { tls?: boolean }) =>
    o?.tls && tlsUrl
      ? buildKubeconfig(opts.name, tlsUrl, token ?? adminToken, tls?.cert)
      : buildKubeconfig(opts.name, url, token ?? adminToken);
  const ownDir = opts.kubeconfigDir === undefined;
  const dir = opts.kubeconfigDir ?? mkdtempSync(join(tmpdir(), `kube-${opts.name}-`));
  const kubeconfigPath = join(dir, `${opts.name}-${port}.kubeconfig`);
  // The file is for CLI tools too: kubectl only sends tokens over TLS, so it uses https when available.
  writeFileSync(kubeconfigPath, kubeconfig(undefined, { tls: true }), { mode: 0o600 });
  let stopped: Promise<void> | undefined;
  let unreachable: KubeApiServer['unreachable'] = false;

  return {
    name: opts.name,
    url,
    port,
    adminToken,
    tlsUrl,
    kubeconfig,
    kubeconfigPath,
    store,
    requestLog,
    dumpYaml: () => dumpYaml(store),
    get unreachable() {
      return unreachable;
    },
    addRbacUser: (user, groups) => {
      const token = `user-${opts.name}-${randomBytes(12).toString('hex')}`;
      auth.add({ token, scope: 'rbac', user, groups });
      return token;
    },
    get enforceRbac() {
      return auth.enforceRbac;
    },
    set enforceRbac(on: boolean) {
      auth.enforceRbac = on;
    },
    failRequests: (match, times = 1) => {
      const f = { match, left: times };
      faults.push(f);
      return () => {
        f.left = 0;
      };
    },
    setUnreachable: (mode) => {
      unreachable = mode;
      // Open watches would otherwise keep streaming from a server that is gone; clients re-watch and fail.
      if (mode) for (const close of [...watches]) close();
      listener.setReachability(mode || 'up');
    },
    stop: () => {
      stopped ??= (async () => {
        stopControllers();
        for (const close of [...watches]) close();
        await listener.close();
        rmSync(ownDir ? dir : kubeconfigPath, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
