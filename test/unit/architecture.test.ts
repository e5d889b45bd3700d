// The layer rule, enforced: every import in src points down the layer order, never up or sideways,
// and the sandbox (a stand-in for AWS) imports nothing of Cordon's.
//
//   model ← domain ← aws ← policy, handlers ← planner ← executor ← render ← watch ← cli
//
// model    types only (kinds, specs, changes, plans, drift reports, errors)
// domain   pure rules: CIDR, countries, Glue derivation, IAM, NACL, WAF, guard rails, diff, fingerprint
// aws      ports, SDK adapters, error classification, client config
// policy   load, validate, desired state        handlers  one per AWS kind, behind handlers/contract.ts
// planner  plan() — pure
// executor apply, verify, drift, lock, audit, applied record
// render   views of the plan document and the drift report
// watch    the control loop's host (only cli imports it)
// cli      options, exit codes, output
//
// A file may import its own folder and any folder of a lower layer. Folders of one layer (policy and
// handlers) do not import each other. render reads only model and domain: it renders the plan
// document and the drift report, never the planner's or the executor's code. Imports that leave src may only reach schemas/ (the JSON
// Schemas the validator and the plan document embed). The sandbox (src/sandbox, or after it moves an
// npm workspace or top-level folder named *sandbox*) may import only itself, node builtins and npm
// packages other than Cordon; of Cordon's src only cli imports it (the `sandbox` and `demo` commands).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const SRC = join(ROOT, "src");

/** Lowest first. A folder of src not listed here fails the test: place it in the order. */
const LAYERS: readonly (readonly string[])[] = [
  ["model"],
  ["domain"],
  ["aws"],
  ["policy", "handlers"],
  ["planner"],
  ["executor", "query"],
  ["render"],
  ["watch"],
  ["cli"],
];
const SANDBOX = "sandbox";
/** Of Cordon's src, only these folders may import the sandbox. */
const SANDBOX_IMPORTERS: ReadonlySet<string> = new Set(["cli"]);
/**
 * Folders that may import less than the layers below them. The renderers are views of the plan
 * document and the drift report (model types), with pure helpers from domain: never the planner's or
 * the executor's code.
 */
const ONLY: Readonly<Record<string, readonly string[]>> = { render: ["model", "domain"] };
/** Outside src, Cordon's src may import only these (repository-relative) folders. */
const OUTSIDE_SRC_ALLOWED = ["schemas/"];

interface Import {
  /** Repository-relative path of the importing file, with its line and column (1-based). */
  readonly from: string;
  readonly line: number;
  readonly column: number;
  /** As written. */
  readonly specifier: string;
  /** Repository-relative path the relative specifier resolves to (.js → .ts); null for packages. */
  readonly target: string | null;
}

const posix = (p: string): string => p.split(sep).join("/");

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : tsFiles(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

const cache = new Map<string, Import[]>();

/** Every import of a file: static, type-only, re-exports, side-effect and dynamic import(). */
function importsOf(file: string): Import[] {
  const cached = cache.get(file);
  if (cached !== undefined) return cached;
  const text = readFileSync(file, "utf8");
  const from = posix(relative(ROOT, file));
  const found = ts.preProcessFile(text, true, true).importedFiles.map((f) => {
    const before = text.slice(0, f.pos);
    const line = before.split("\n").length;
    const column = f.pos - before.lastIndexOf("\n");
    const target = f.fileName.startsWith(".")
      ? posix(relative(ROOT, resolve(dirname(file), f.fileName))).replace(/\.js$/, ".ts")
      : null;
    return { from, line, column, specifier: f.fileName, target };
  });
  cache.set(file, found);
  return found;
}

/** The folder of src a repository-relative path is in ("src/render/drift.ts" → "render"); null outside src. */
function folderOf(path: string): string | null {
  const m = /^src\/([^/]+)\//.exec(path);
  return m === null ? null : m[1]!;
}

const layerOf = (folder: string): number => LAYERS.findIndex((l) => l.includes(folder));
const layerName = (i: number): string => LAYERS[i]!.join("/");
const where = (i: Import): string => `${i.from}:${i.line}:${i.column} imports "${i.specifier}"`;

/** What is wrong with one import of Cordon's src (outside the sandbox); null when it is allowed. */
function layerViolation(i: Import): string | null {
  if (i.target === null) return null;
  const own = folderOf(i.from);
  if (own === null) return `${i.from} is not in a folder of src: put it in one of the layers`;
  const ownLayer = layerOf(own);
  if (ownLayer < 0) return `src/${own}/ is in no layer: add it to LAYERS in test/unit/architecture.test.ts`;
  const to = folderOf(i.target);
  if (to === null) {
    if (OUTSIDE_SRC_ALLOWED.some((p) => i.target!.startsWith(p))) return null;
    return `${where(i)}, outside src (only ${OUTSIDE_SRC_ALLOWED.join(", ")} may be imported from there)`;
  }
  if (to === own) return null;
  if (to === SANDBOX) {
    return SANDBOX_IMPORTERS.has(own)
      ? null
      : `${where(i)}: only ${[...SANDBOX_IMPORTERS].join(", ")} may import the sandbox`;
  }
  const toLayer = layerOf(to);
  if (toLayer < 0) return `${where(i)}: src/${to}/ is in no layer: add it to LAYERS in test/unit/architecture.test.ts`;
  const only = ONLY[own];
  if (toLayer < ownLayer && only !== undefined && !only.includes(to)) {
    return `${where(i)}: ${own} may import only ${only.join(", ")} (and itself), not ${to}`;
  }
  if (toLayer < ownLayer) return null;
  const how = toLayer === ownLayer ? "beside it in the same layer" : "above it";
  return `${where(i)}: ${own} (layer ${ownLayer}, ${layerName(ownLayer)}) may not import ${to} (layer ${toLayer}, ${layerName(toLayer)}), ${how}`;
}

/** What is wrong with one import of the sandbox (root: its repository-relative folder); null when allowed. */
function sandboxViolation(i: Import, root: string): string | null {
  if (i.target === null) {
    return i.specifier === "cordon" || i.specifier.startsWith("cordon/")
      ? `${where(i)}: the sandbox imports nothing of Cordon's`
      : null;
  }
  if (i.target.startsWith(`${root}/`)) return null;
  return `${where(i)}: the sandbox imports nothing outside ${root}/ (it resolves to ${i.target})`;
}

/**
 * Where the sandbox lives: src/sandbox today; after it moves, any npm workspace (package.json
 * "workspaces", one-level "dir/*" globs expanded) or top-level folder whose name contains "sandbox".
 */
function sandboxRoots(): string[] {
  const roots = new Set<string>();
  if (existsSync(join(SRC, SANDBOX))) roots.add(`src/${SANDBOX}`);
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { workspaces?: unknown };
  const patterns = Array.isArray(pkg.workspaces) ? pkg.workspaces.filter((w) => typeof w === "string") : [];
  const dirs = patterns.flatMap((w: string) => {
    const clean = w.replace(/\/+$/, "");
    if (!clean.endsWith("/*")) return [clean];
    const parent = clean.slice(0, -2);
    if (!existsSync(join(ROOT, parent))) return [];
    return readdirSync(join(ROOT, parent), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => `${parent}/${e.name}`);
  });
  const top = readdirSync(ROOT, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== "node_modules")
    .map((e) => e.name);
  for (const d of [...dirs, ...top]) {
    if (d.split("/").at(-1)!.includes(SANDBOX) && existsSync(join(ROOT, d))) roots.add(d);
  }
  return [...roots];
}

const cordonFiles = (): string[] =>
  readdirSync(SRC, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== SANDBOX)
    .flatMap((e) => tsFiles(join(SRC, e.name)));

describe("layers", () => {
  it("every import in src points down the layer order (model ← domain ← aws ← policy, handlers ← planner ← executor ← render ← watch ← cli), render only to model and domain", () => {
    const files = cordonFiles();
    expect(files.length).toBeGreaterThan(50);
    const problems = files.flatMap((f) => importsOf(f).map(layerViolation)).filter((p): p is string => p !== null);
    expect(problems).toEqual([]);
  });

  it("every folder of src is in the layer order or is the sandbox", () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((f) => f !== SANDBOX && layerOf(f) < 0)).toEqual([]);
    expect(readdirSync(SRC).filter((f) => f.endsWith(".ts"))).toEqual([]);
  });

  it("src has no import cycle", () => {
    const graph = new Map<string, string[]>();
    for (const f of cordonFiles()) {
      const targets = importsOf(f).flatMap((i) => (i.target === null ? [] : [i.target]));
      graph.set(posix(relative(ROOT, f)), targets);
    }
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (v: string): void => {
      state.set(v, "open");
      stack.push(v);
      for (const w of graph.get(v) ?? []) {
        if (!graph.has(w)) continue;
        if (state.get(w) === "open") cycles.push([...stack.slice(stack.indexOf(w)), w].join(" → "));
        else if (!state.has(w)) visit(w);
      }
      stack.pop();
      state.set(v, "done");
    };
    for (const v of [...graph.keys()].sort()) if (!state.has(v)) visit(v);
    expect(cycles).toEqual([]);
  });

  it("the rule catches an import up the order, one sideways and one out of src", () => {
    const at = (from: string, specifier: string): Import => ({
      from,
      line: 3,
      column: 1,
      specifier,
      target: posix(relative(ROOT, resolve(ROOT, dirname(from), specifier))).replace(/\.js$/, ".ts"),
    });
    expect(layerViolation(at("src/render/drift.ts", "../cli/output.js"))).toBe(
      'src/render/drift.ts:3:1 imports "../cli/output.js": render (layer 6, render) may not import cli (layer 8, cli), above it',
    );
    expect(layerViolation(at("src/policy/derived-names.ts", "../handlers/contract.js"))).toMatch(
      /policy \(layer 3, policy\/handlers\) may not import handlers .*beside it in the same layer$/,
    );
    expect(layerViolation(at("src/domain/glue.ts", "../../test/helpers/x.js"))).toMatch(/outside src/);
    expect(layerViolation(at("src/planner/plan.ts", "../sandbox/server.js"))).toMatch(
      /only cli may import the sandbox/,
    );
    expect(layerViolation(at("src/render/drift.ts", "../executor/drift.js"))).toMatch(
      /render may import only model, domain \(and itself\), not executor$/,
    );
    expect(layerViolation(at("src/cli/main.ts", "../render/style.js"))).toBeNull();
    expect(layerViolation(at("src/policy/schema.ts", "../../schemas/policy.schema.json"))).toBeNull();
    expect(layerViolation({ ...at("src/model/plan.ts", "x"), target: null })).toBeNull();
  });
});

describe("sandbox boundary", () => {
  it("the sandbox imports nothing of Cordon's src (only itself, node builtins and npm packages)", () => {
    const problems: string[] = [];
    for (const root of sandboxRoots()) {
      for (const f of tsFiles(join(ROOT, root))) {
        for (const i of importsOf(f)) {
          const p = sandboxViolation(i, root);
          if (p !== null) problems.push(p);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("the rule catches the sandbox reaching into Cordon's src", () => {
    const i: Import = {
      from: "src/sandbox/store.ts",
      line: 9,
      column: 1,
      specifier: "../planner/plan.js",
      target: "src/planner/plan.ts",
    };
    expect(sandboxViolation(i, "src/sandbox")).toBe(
      'src/sandbox/store.ts:9:1 imports "../planner/plan.js": the sandbox imports nothing outside src/sandbox/ (it resolves to src/planner/plan.ts)',
    );
    expect(sandboxViolation({ ...i, specifier: "cordon/model", target: null }, "src/sandbox")).toMatch(
      /nothing of Cordon's/,
    );
    expect(sandboxViolation({ ...i, specifier: "node:http", target: null }, "src/sandbox")).toBeNull();
    expect(
      sandboxViolation({ ...i, specifier: "./services/s3.js", target: "src/sandbox/services/s3.ts" }, "src/sandbox"),
    ).toBeNull();
  });
});
