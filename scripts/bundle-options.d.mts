import type { BuildOptions } from 'esbuild';
/** esbuild options for one Node 20 ESM bundle of a function (or any product entry point). */
export declare const bundleOptions: BuildOptions;
