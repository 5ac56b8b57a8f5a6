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
  // Whitespace and syntax minified, identifiers kept: measured on the health-check bundle (load only, Node 20),
  // unminified 15.5 MB / 1.27 MB zipped / 141.6 MB RSS; full minify with keepNames 6.4 MB / 0.95 MB / 159 MB;
  // this 8.6 MB / 0.95 MB / 119 MB. Renamed identifiers cost memory here, and keeping the names keeps stack
  // traces readable.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
};
