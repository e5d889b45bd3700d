// End to end through the built CLI (npm test builds dist/ first; run `npm run build` before
// running this file alone).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = process.cwd();
const CLI = join(ROOT, "dist/cordon.js");
const tmp = mkdtempSync(join(tmpdir(), "cordon-e2e-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// A neutral environment: no CI format switch, no colour unless a test asks for it.
// An `undefined` value removes the variable.
const BASE_ENV: NodeJS.ProcessEnv = { ...process.env, GITHUB_ACTIONS: "", NO_COLOR: "1", FORCE_COLOR: undefined };

const envOf = (over: NodeJS.ProcessEnv = {}) =>
  Object.fromEntries(Object.entries({ ...BASE_ENV, ...over }).filter(([, v]) => v !== undefined));

function cordon(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; nodeArgs?: string[] } = {}) {
  const r = spawnSync(process.execPath, [...(options.nodeArgs ?? []), CLI, ...args], {
    encoding: "utf8",
    cwd: options.cwd ?? ROOT,
    env: envOf(options.env),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const noStackTrace = (s: string) => expect(s).not.toMatch(/\n\s+at [^\n]+:\d+:\d+/);

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error("dist/cordon.js is missing: run `npm run build` first");
});

describe("cordon validate", () => {
  it("accepts the Cat's Eyes example", () => {
    const r = cordon(["validate", "examples/cats-eyes/policies"]);
    expect(r.stdout).toBe("0 errors, 0 warnings in 1 file: 1 policy valid\n");
    expect(r.status).toBe(0);
  });

  it("validates policies/ when no path is given", () => {
    const r = cordon(["validate", "--today", "2026-11-26"]);
    expect(r.stdout).toBe("0 errors, 0 warnings in 3 files: 4 policies valid\n");
    expect(r.status).toBe(0);
  });

  it("exits 0 when there are only warnings, and shows them apart", () => {
    const r = cordon(["validate", "policies", "--today", "2027-02-01"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^warning policies\/production\/us-east-1\.yaml:\d+:\d+ .*expired on 2027-01-15/);
    expect(r.stdout).toMatch(/\n0 errors, 1 warning in 3 files: 4 policies valid\n$/);
  });

  it("says so, and exits 1, when there is no policies/ directory and no path", () => {
    const r = cordon(["validate"], { cwd: tmp });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("policies/  No such file or directory.");
  });

  it("reports bad input at file:line:column with a hint, exit 1, no stack trace", () => {
    const r = cordon(["validate", "test/fixtures/bad/09-unknown-top-level-key.yaml", "examples/cats-eyes/policies"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(
      [
        'error   test/fixtures/bad/09-unknown-top-level-key.yaml:8:1  Unknown key "flowlogs" in the policy. /flowlogs [schema.unknown-key]',
        '        hint: Did you mean "flowLogs"?',
        "",
        "1 error, 0 warnings in 2 files",
        "",
      ].join("\n"),
    );
    noStackTrace(r.stdout + r.stderr);
  });

  it("survives the whole bad corpus in one run, one problem list, no crash", () => {
    const r = cordon(["validate", "test/fixtures/bad", "--format", "json", "--today", "2026-11-26"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("");
    const body = JSON.parse(r.stdout) as { valid: boolean; summary: { errors: number; files: number } };
    expect(body.valid).toBe(false);
    expect(body.summary.files).toBeGreaterThanOrEqual(30);
    expect(body.summary.errors).toBeGreaterThanOrEqual(body.summary.files);
  });

  it("prints the documented JSON shape", () => {
    const r = cordon(["validate", "--format", "json", "test/fixtures/bad/14-traffic-type-lowercase.yaml"]);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      format: "cordon.diagnostics/v1",
      valid: false,
      summary: { errors: 1, warnings: 0, files: 1, policies: 0 },
      diagnostics: [
        {
          severity: "error",
          code: "schema.enum",
          file: "test/fixtures/bad/14-traffic-type-lowercase.yaml",
          line: 14,
          column: 16,
          pointer: "/flowLogs/trafficType",
          document: 0,
          message: 'flowLogs.trafficType must be one of "ALL", "ACCEPT", "REJECT" (got "reject").',
          hint: 'Did you mean "REJECT"?',
        },
      ],
    });
  });

  it("switches to GitHub annotations on Actions, and --format overrides that", () => {
    const file = "test/fixtures/bad/28-country-code-lowercase.yaml";
    const gh = cordon(["validate", file], { env: { GITHUB_ACTIONS: "true" } });
    expect(gh.status).toBe(1);
    expect(gh.stdout).toMatch(new RegExp(`^::error file=${file},line=12,col=13,title=cordon schema.format::`, "m"));
    const text = cordon(["validate", file, "--format", "text"], { env: { GITHUB_ACTIONS: "true" } });
    expect(text.stdout).toMatch(/^error {3}test\/fixtures/);
  });

  it("colours only when asked, and NO_COLOR wins", () => {
    const file = "test/fixtures/bad/28-country-code-lowercase.yaml";
    expect(cordon(["validate", file], { env: { NO_COLOR: "", FORCE_COLOR: "1" } }).stdout).toMatch(/\u001b\[31m/);
    expect(cordon(["validate", file], { env: { NO_COLOR: "1", FORCE_COLOR: "1" } }).stdout).not.toMatch(/\u001b\[/);
    // Not a terminal (a pipe), nothing forced: plain text.
    expect(cordon(["validate", file], { env: { NO_COLOR: undefined } }).stdout).not.toMatch(/\u001b\[/);
  });

  it("refuses an unknown format and a malformed --today with exit 1", () => {
    const f = cordon(["validate", "--format", "xml"]);
    expect(f.status).toBe(1);
    expect(f.stderr).toMatch(/Allowed choices are text, json, github/);
    const t = cordon(["validate", "--today", "26/11/2026"]);
    expect(t.status).toBe(1);
    expect(t.stderr).toMatch(/--today must be a date written YYYY-MM-DD/);
    noStackTrace(f.stderr + t.stderr);
  });

  it("has helpful --help", () => {
    const top = cordon(["--help"]);
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/validate \[options\] \[paths\.\.\.\]/);
    expect(top.stdout).toMatch(/schema\s+print the policy JSON Schema/);
    const v = cordon(["validate", "--help"]);
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/--format <format>/);
    expect(v.stdout).toMatch(/Exit codes: 0 no errors/);
    expect(v.stdout).toMatch(/default: policies\//);
  });
});

describe("cordon validate stays free of the AWS SDK", () => {
  it("loads no dynamic chunk and nothing containing SDK code", () => {
    const trace = join(tmp, "loads.txt");
    const hook = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/e2e/trace-loads.mjs");
    const r = cordon(["validate", "examples/cats-eyes/policies"], {
      env: { CORDON_TRACE_LOADS: trace },
      nodeArgs: ["--import", hook],
    });
    expect(r.status).toBe(0);
    const loaded = readFileSync(trace, "utf8")
      .split("\n")
      .filter((u) => u.startsWith("file:") && u.includes("/dist/"))
      .map((u) => fileURLToPath(u));
    expect(loaded).toContain(CLI);
    // The static import graph of the entry and of the validate command's module (the entry loads the
    // command that runs, and only it, by dynamic import: src/cli/commands/index.ts): nothing else.
    const closure = new Set<string>();
    const visit = (file: string) => {
      if (closure.has(file)) return;
      closure.add(file);
      const src = readFileSync(file, "utf8");
      for (const m of src.matchAll(/(?:^|[;}\s])import\s*(?:[\w*{}\s,$]+from\s*)?["'](\.{1,2}\/[^"']+)["']/g)) {
        visit(resolve(dirname(file), m[1]!));
      }
    };
    visit(CLI);
    const command = /import\(["'](\.\/chunks\/validate-[^"']+)["']\)/.exec(readFileSync(CLI, "utf8"))?.[1];
    expect(command, "the entry loads the validate command's module").toBeDefined();
    visit(resolve(dirname(CLI), command!));
    for (const file of loaded) {
      expect(closure.has(file), `${file} was loaded dynamically`).toBe(true);
      expect(readFileSync(file, "utf8").includes("aws-sdk-js"), `${file} contains AWS SDK code`).toBe(false);
    }
  });
});

describe("cordon schema", () => {
  it("prints schemas/policy.schema.json", () => {
    const r = cordon(["schema"]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(readFileSync("schemas/policy.schema.json", "utf8")));
  });
});
