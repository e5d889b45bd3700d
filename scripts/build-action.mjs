// Bundles the GitHub Action (action.yml, `runs.using: node24`) into ONE file, dist-action/index.js,
// which is committed: using the action runs that file and nothing else (no npm ci, no build).
// It holds the whole CLI (src/cli/action.ts runs it in a child process of the same file), without
// code splitting, so the file is self-contained. test/e2e/github-action.test.ts checks that the
// committed file equals a fresh build, so it cannot go stale: run `npm run build:action` after a
// change to src/ and commit dist-action/index.js.
//
//   node scripts/build-action.mjs [outfile]   (default dist-action/index.js)

import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { build } from "esbuild";
import { sdkPlugins } from "./esbuild-sdk.mjs";

const outfile = process.argv[2] ?? "dist-action/index.js";
const result = await build({
  entryPoints: ["src/cli/action.ts"],
  bundle: true,
  write: false,
  format: "esm",
  platform: "node",
  target: "node20",
  // The packages' ES module builds, as in scripts/build.mjs: the SDK plugins below act on them.
  mainFields: ["module", "main"],
  minify: true,
  legalComments: "none",
  outfile,
  banner: {
    js: "import { createRequire as __cordonCreateRequire } from 'node:module'; const require = __cordonCreateRequire(import.meta.url);",
  },
  define: { __CORDON_VERSION__: JSON.stringify(JSON.parse(readFileSync("package.json", "utf8")).version) },
  // DuckDB (the local query engine, and the sandbox's Athena) is a native addon that cannot be
  // bundled; it is loaded by dynamic import() only when a query runs, which plan, apply and drift in
  // the action never do.
  external: ["@duckdb/*"],
  plugins: sdkPlugins,
  logLevel: "warning",
});
const file = result.outputFiles.find((f) => f.path.endsWith(".js"));
if (file === undefined) throw new Error("esbuild produced no JavaScript file");
// Written next to its place and renamed: a reader never sees half a file.
mkdirSync(dirname(outfile), { recursive: true });
writeFileSync(`${outfile}.tmp`, file.contents);
renameSync(`${outfile}.tmp`, outfile);
