// Bundles the CLI into one ESM file (dist/cordon.js). Bundling roughly halves start-up time
// (docs/architecture.md, "Start-up and output"): every CI run of every pull request pays it. The sandbox
// package (@cordon/sandbox, packages/sandbox) is bundled in as its own chunk.
// AWS SDK clients are loaded with dynamic import() so esbuild splits them into chunks that
// are only read when a command needs that service.
//
// The build writes atomically, so a CLI run (or a test) at the same moment never finds dist/ missing
// or half written: esbuild writes into a temporary directory beside dist/, then each file is renamed
// into dist/ (a rename is atomic), the chunks first and dist/cordon.js last, so the entry point never
// names a chunk that is not there yet. dist/ itself is never deleted. Files of the previous build are
// kept (a CLI started before this build still loads its chunks); older ones are removed. The list of
// a build's files is dist/.build-files.json.
// Nothing runs this script implicitly: there is no `prepare` script, because npm runs `prepare` each
// time `npx cordon` installs this repository into its cache (see docs/contributing.md, "Building").

import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { build } from "esbuild";
import { sdkPlugins } from "./esbuild-sdk.mjs";
import { yamlEsm } from "./esbuild-yaml.mjs";

// The policy types (src/model/policy-schema.gen.ts) are generated from the schema first, so an editor
// and `tsc` see the current shape after a build.
await import("./gen-policy-types.mjs");
// The schema validators likewise (ajv standalone code: no schema compiled at run time).
await import("./gen-policy-validator.mjs");

const DIST = "dist";
const MANIFEST = join(DIST, ".build-files.json");

/** Every file under `dir`, as paths relative to it. */
const filesUnder = (dir) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)));

const readManifest = () => {
  try {
    return JSON.parse(readFileSync(MANIFEST, "utf8"));
  } catch {
    return [];
  }
};

const staging = mkdtempSync(".dist-build-");
try {
  await build({
    entryPoints: { cordon: "src/cli/main.ts" },
    outdir: staging,
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
    // DuckDB (the local query engine) is a native addon: it stays in node_modules, loaded by dynamic
    // import() only when a query runs on the local engine.
    external: ["@duckdb/*"],
    // yaml from its ES module build, with Node's behaviour (scripts/esbuild-yaml.mjs).
    plugins: [...sdkPlugins, yamlEsm],
    logLevel: "warning",
  });
  chmodSync(join(staging, "cordon.js"), 0o755);

  const built = filesUnder(staging);
  const entry = ["cordon.js.map", "cordon.js"];
  const order = [...built.filter((f) => !entry.includes(f)), ...entry.filter((f) => built.includes(f))];
  const previous = readManifest();
  for (const f of order) {
    mkdirSync(dirname(join(DIST, f)), { recursive: true });
    renameSync(join(staging, f), join(DIST, f));
  }
  const manifestTmp = `${MANIFEST}.${process.pid}`;
  writeFileSync(manifestTmp, `${JSON.stringify(built.sort(), null, 2)}\n`);
  renameSync(manifestTmp, MANIFEST);
  // What neither this build nor the previous one wrote goes (a manifest being written by a build
  // running at the same moment is left alone).
  const keep = new Set([...built, ...previous, relative(DIST, MANIFEST)]);
  for (const f of filesUnder(DIST)) {
    if (!keep.has(f) && !f.startsWith(".build-files.json.")) rmSync(join(DIST, f), { force: true });
  }
} finally {
  if (existsSync(staging)) rmSync(staging, { recursive: true, force: true });
}
