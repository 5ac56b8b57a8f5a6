// The esbuild options every Function Compute bundle is built with; the build script and the tests that
// bundle product code share them, so a test bundles exactly what ships.
/** esbuild options for one Node 20 ESM bundle of a function (or any product entry point). */
export const bundleOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Some SDK dependencies are CommonJS and call require(); give the ESM bundle a require.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  sourcemap: false,
  minify: true,
  keepNames: true,
  logLevel: 'warning',
};
