// Golden files for the three diagnostics formats (test/golden/diagnostics/). Set
// CORDON_UPDATE_GOLDEN=1 to rewrite them, then review the diff.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../../src/model/diagnostics.js";
import {
  chooseFormat,
  type DiagnosticsReport,
  renderDiagnostics,
  renderGithub,
  summaryLine,
} from "../../../src/render/diagnostics.js";
import { makeStyler } from "../../../src/render/style.js";

const d = (over: Partial<Diagnostic> & Pick<Diagnostic, "code" | "message">): Diagnostic => ({
  severity: "error",
  file: "policies/production/eu-west-1.yaml",
  position: { line: 1, column: 1 },
  pointer: "",
  document: 0,
  ...over,
});

// Deliberately out of order: renderers sort.
const REPORT: DiagnosticsReport = {
  files: 3,
  policies: 2,
  diagnostics: [
    d({
      severity: "warning",
      code: "cidr.overlap",
      position: { line: 40, column: 11 },
      pointer: "/blockedAddresses/entries/3/cidr",
      message: "203.0.113.64/26 overlaps 203.0.113.66 (entry 1); they will be merged.",
    }),
    d({
      code: "schema.unknown-key",
      position: { line: 19, column: 1 },
      pointer: "/flowlogs",
      message: 'Unknown key "flowlogs" in the policy.',
      hint: 'Did you mean "flowLogs"?',
    }),
    d({
      code: "schema.enum",
      position: { line: 12, column: 16 },
      pointer: "/flowLogs/trafficType",
      message: 'flowLogs.trafficType must be one of "ALL", "ACCEPT", "REJECT" (got "all").',
      hint: 'Did you mean "ALL"?',
    }),
    d({
      file: "policies/huge.yaml",
      code: "load.too-large",
      position: null,
      message: "The file is 100 MiB, over the 5 MiB limit for a policy file; it was not read.",
    }),
    d({
      file: "policies/odd, name: 100%.yaml",
      code: "yaml.syntax",
      position: { line: 3, column: 7 },
      document: 1,
      message: "Missing , or : between flow map items.\nSecond line.",
    }),
  ],
};

const CLEAN: DiagnosticsReport = { files: 2, policies: 4, diagnostics: [] };

function golden(name: string, actual: string): void {
  const path = `test/golden/diagnostics/${name}`;
  if (process.env["CORDON_UPDATE_GOLDEN"] === "1") writeFileSync(path, actual);
  expect(existsSync(path)).toBe(true);
  expect(actual).toBe(readFileSync(path, "utf8"));
}

describe("diagnostics renderers (golden)", () => {
  const plain = makeStyler(false);
  const colour = makeStyler(true);
  const cases = [
    { name: "text.txt", out: () => renderDiagnostics(REPORT, "text", plain) },
    { name: "text-colour.txt", out: () => renderDiagnostics(REPORT, "text", colour) },
    { name: "text-clean.txt", out: () => renderDiagnostics(CLEAN, "text", plain) },
    { name: "json.json", out: () => renderDiagnostics(REPORT, "json", plain) },
    { name: "json-clean.json", out: () => renderDiagnostics(CLEAN, "json", plain) },
    { name: "github.txt", out: () => renderDiagnostics(REPORT, "github", plain) },
  ];
  it.each(cases)("$name", ({ name, out }) => golden(name, out()));
});

describe("text format", () => {
  const text = renderDiagnostics(REPORT, "text", makeStyler(false));
  it("keeps errors and warnings apart: every error line comes before the first warning", () => {
    const lines = text.split("\n");
    const lastError = lines.map((l) => l.startsWith("error")).lastIndexOf(true);
    const firstWarning = lines.findIndex((l) => l.startsWith("warning"));
    expect(lastError).toBeGreaterThan(-1);
    expect(firstWarning).toBeGreaterThan(lastError);
  });
  it("has no escape codes without colour and some with it", () => {
    expect(text).not.toMatch(/\u001b\[/);
    expect(renderDiagnostics(REPORT, "text", makeStyler(true))).toMatch(/\u001b\[31m/);
  });
});

describe("summaryLine", () => {
  it.each([
    { reason: "plural", report: REPORT, want: "4 errors, 1 warning in 3 files" },
    { reason: "all zero", report: { files: 1, policies: 1, diagnostics: [] }, want: "0 errors, 0 warnings in 1 file" },
  ])("$reason", ({ report, want }) => {
    expect(summaryLine(report)).toBe(want);
  });
});

describe("github format", () => {
  it("escapes properties and data as the Actions toolkit does", () => {
    const line = renderGithub(REPORT)
      .split("\n")
      .find((l) => l.includes("odd"))!;
    expect(line).toBe(
      "::error file=policies/odd%2C name%3A 100%25.yaml,line=3,col=7,title=cordon yaml.syntax::Missing , or : between flow map items.%0ASecond line.",
    );
  });
  it("leaves line and col out when the problem concerns the whole file", () => {
    expect(renderGithub(REPORT)).toContain("::error file=policies/huge.yaml,title=cordon load.too-large::");
  });
});

describe("chooseFormat", () => {
  it.each([
    {
      reason: "explicit wins over the environment",
      explicit: "json" as const,
      env: { GITHUB_ACTIONS: "true" },
      want: "json",
    },
    { reason: "annotations on GitHub Actions", explicit: undefined, env: { GITHUB_ACTIONS: "true" }, want: "github" },
    { reason: "text elsewhere", explicit: undefined, env: {}, want: "text" },
    { reason: "only the exact value 'true' counts", explicit: undefined, env: { GITHUB_ACTIONS: "1" }, want: "text" },
  ])("$reason", ({ explicit, env, want }) => {
    expect(chooseFormat(explicit, env)).toBe(want);
  });
});
