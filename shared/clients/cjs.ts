/**
 * The Alibaba Cloud SDKs are CommonJS with `exports.default = Client`. Imported from ESM (Node or an
 * esbuild bundle) the default import is the whole module object, so the class is one `.default` deeper.
 */
export function cjsDefault<T>(imported: T): T {
  const inner = (imported as { default?: unknown } | undefined)?.default;
  return (typeof imported === 'object' && inner !== undefined ? inner : imported) as T;
}
