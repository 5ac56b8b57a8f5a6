// One Function Compute instance: a worker thread that imports a handler module once and runs invocations
// sent by the parent (sandbox/invoker/function-instance.ts). Plain JS because the TypeScript loader (tsx)
// is registered here, before the handler is imported: Node 20 does not carry --import hooks into workers.
import { parentPort, workerData } from 'node:worker_threads';

const { handlerUrl, typescript } = workerData;
if (typescript) {
  const { register } = await import('tsx/esm/api');
  register();
}

/** FC's error body for a thrown value. Unverified: FC's exact stackTrace lines (here: the `at …` lines). */
const toFcError = (err) => {
  if (err instanceof Error) {
    const lines = (err.stack ?? '')
      .split('\n')
      .slice(1)
      .map((l) => l.trim())
      .filter(Boolean);
    return { errorMessage: err.message, errorType: err.name || 'Error', stackTrace: lines };
  }
  return { errorMessage: String(err), errorType: 'Error', stackTrace: [] };
};

/** FC serialises a return value: bytes as they are, a string as UTF-8, anything else as JSON. */
const toPayload = (value) => {
  if (value === undefined || value === null) return new Uint8Array();
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.from(JSON.stringify(value), 'utf8');
};

const makeLogger = (id, requestId) => {
  const send =
    (level) =>
    (...args) =>
      parentPort.postMessage({
        kind: 'log',
        id,
        line: {
          level,
          requestId,
          at: Date.now(),
          message: args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '),
        },
      });
  return {
    debug: send('debug'),
    info: send('info'),
    log: send('info'),
    warn: send('warn'),
    error: send('error'),
  };
};

let loaded;
const loadHandler = async () => {
  loaded ??= import(handlerUrl).then((mod) => {
    if (typeof mod.handler !== 'function')
      throw new TypeError(`${handlerUrl} does not export a function named handler`);
    return mod.handler;
  });
  return loaded;
};

// Node.js handlers may be async (return a promise) or take a callback as a third argument.
const call = (handler, event, context) =>
  handler.length >= 3
    ? new Promise((resolve, reject) => {
        handler(event, context, (err, result) => (err ? reject(err) : resolve(result)));
      })
    : handler(event, context);

parentPort.on('message', async ({ id, event, context }) => {
  try {
    const handler = await loadHandler();
    // The function's timeout counts from here: loading the sources through tsx is the sandbox's cost, not FC's.
    parentPort.postMessage({ kind: 'started', id });
    const ctx = { ...context, logger: makeLogger(id, context.requestId) };
    const result = await call(handler, Buffer.from(event.buffer, event.byteOffset, event.byteLength), ctx);
    parentPort.postMessage({ kind: 'done', id, payload: toPayload(result) });
  } catch (err) {
    parentPort.postMessage({ kind: 'failed', id, error: toFcError(err) });
  }
});
