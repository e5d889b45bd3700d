// Injected at build time by esbuild (define); falls back to package.json when run from source.
declare const __CORDON_VERSION__: string | undefined;
export const VERSION: string = typeof __CORDON_VERSION__ === "string" ? __CORDON_VERSION__ : "0.0.0-dev";
