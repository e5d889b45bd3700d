// Bundles the CLI into one ESM file (dist/cordon.js). Bundling roughly halves start-up time
// (docs/architecture.md, "Start-up and output"): every CI run of every pull request pays it. The sandbox
// package (@cordon/sandbox, packages/sandbox) is bundled in as its own chunk.
// AWS SDK clients are loaded with dynamic import() so esbuild splits them into chunks that
// are only read when a command needs that service.

import { chmodSync, readFileSync, rmSync } from "node:fs";
import { build } from "esbuild";

// The policy types (src/model/policy-schema.gen.ts) are generated from the schema first, so an editor
// and `tsc` see the current shape after `npm ci` (which runs this build as `prepare`).
await import("./gen-policy-types.mjs");
// The schema validators likewise (ajv standalone code: no schema compiled at run time).
await import("./gen-policy-validator.mjs");

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: { cordon: "src/cli/main.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // The packages' ES module builds first (the AWS SDK's dist-es): tree-shaken, and no CommonJS
  // wrapper copying every export of a client at load time (docs/performance.md).
  mainFields: ["module", "main"],
  minify: true,
  sourcemap: "linked",
  chunkNames: "chunks/[name]-[hash]",
  banner: {
    js: "import { createRequire as __cordonCreateRequire } from 'node:module'; const require = __cordonCreateRequire(import.meta.url);",
  },
  define: { __CORDON_VERSION__: JSON.stringify(JSON.parse(readFileSync("package.json", "utf8")).version) },
  logLevel: "warning",
});
chmodSync("dist/cordon.js", 0o755);
