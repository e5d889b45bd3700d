// The sandbox is a stand-in for AWS, so it must not share code with Cordon: a bug in Cordon's
// CIDR or country handling must not be able to hide behind the same bug in the sandbox. This
// test reads every import of the package (static, dynamic and re-exports) and fails when one
// leaves packages/sandbox or names a module the package does not declare; and it fails when
// Cordon reaches into the package's files instead of importing "@cordon/sandbox".
// (Biome's noRestrictedImports, configured in biome.json, catches the common case while editing.)
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const THIS_FILE = fileURLToPath(import.meta.url);
const PACKAGE = resolve(dirname(THIS_FILE), "..");
const ROOT = resolve(PACKAGE, "../..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|js|mjs)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** Every module specifier in a file: `from "x"`, `import "x"`, `import("x")`, `export … from "x"`. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const clause = String.raw`(?:type\s+)?(?:\{[^}]*\}|\*(?:\s+as\s+\w+)?|\w+(?:\s*,\s*(?:\{[^}]*\}|\*\s+as\s+\w+))?)`;
  const patterns = [
    new RegExp(String.raw`^\s*(?:import|export)\s+${clause}\s*from\s*["']([^"']+)["']`, "gm"),
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) found.push(m[1]!);
  return found;
}

/** A bare specifier's package name: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageName(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

const manifest = JSON.parse(readFileSync(join(PACKAGE, "package.json"), "utf8")) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};
const builtins = new Set(builtinModules);

describe("the sandbox package boundary", () => {
  const files = [
    ...sourceFiles(join(PACKAGE, "src")).map((f) => ({ f, test: false })),
    // This file is left out: its own sample text contains import statements.
    ...sourceFiles(join(PACKAGE, "test"))
      .filter((f) => f !== THIS_FILE)
      .map((f) => ({ f, test: true })),
  ];

  it("finds the package's sources (the scan itself works)", () => {
    expect(files.some(({ f }) => f.endsWith(`${sep}server.ts`))).toBe(true);
    const sample = [
      'import { a,\n  b } from "./a.js";',
      'export { c } from "../c.js";',
      'import type { D } from "d";',
      'import * as e from "e";',
      'import "f";',
      'const g = await import("g");',
      'const h = pr["from"]; const i = from("x");',
    ].join("\n");
    expect(specifiers(sample).sort()).toEqual(["../c.js", "./a.js", "d", "e", "f", "g"]);
  });

  it("imports nothing outside packages/sandbox: no file of Cordon's src, test or scripts", () => {
    const escapes: string[] = [];
    for (const { f } of files) {
      for (const spec of specifiers(readFileSync(f, "utf8"))) {
        if (!spec.startsWith(".")) continue;
        const target = resolve(dirname(f), spec);
        if (relative(PACKAGE, target).startsWith("..")) escapes.push(`${relative(ROOT, f)}: ${spec}`);
      }
    }
    expect(escapes, "the sandbox must carry its own copy of anything it needs from Cordon").toEqual([]);
  });

  it("imports only Node built-ins and the packages its package.json declares (never Cordon itself)", () => {
    const runtime = new Set(Object.keys(manifest.dependencies ?? {}));
    const all = new Set([...runtime, ...Object.keys(manifest.devDependencies ?? {})]);
    const undeclared: string[] = [];
    for (const { f, test } of files) {
      for (const spec of specifiers(readFileSync(f, "utf8"))) {
        if (spec.startsWith(".") || spec.startsWith("node:") || builtins.has(spec)) continue;
        const name = packageName(spec);
        // Sources may use runtime dependencies only; tests may also use devDependencies.
        if (name === "cordon" || !(test ? all : runtime).has(name)) undeclared.push(`${relative(ROOT, f)}: ${spec}`);
      }
    }
    expect(undeclared).toEqual([]);
  });

  it('is imported by Cordon as the package "@cordon/sandbox", never by a path into packages/sandbox', () => {
    const reaching: string[] = [];
    for (const dir of ["src", "test", "scripts"]) {
      for (const f of sourceFiles(join(ROOT, dir))) {
        for (const spec of specifiers(readFileSync(f, "utf8"))) {
          if (/packages\/sandbox|^@cordon\/sandbox\/./.test(spec)) reaching.push(`${relative(ROOT, f)}: ${spec}`);
        }
      }
    }
    expect(reaching).toEqual([]);
  });
});
