// Hostile text through every output format (docs/output-safety.md). Validation refuses control
// characters in policies, so the renderers are fed plan documents, drift reports, diagnostics and
// AWS-sourced values directly: each hostile string goes where data goes (reason, address, name,
// notes, warnings, the rules and entries of `declared`, tag keys and values of before/after), and
// the output is checked for the property of its medium. The same document rendered with a benign
// string is the reference: the hostile rendering has exactly its line structure.
import { afterEach, describe, expect, it, vi } from "vitest";
import { progressPrinter } from "../../../src/cli/apply-output.js";
import { err, out } from "../../../src/cli/output.js";
import type { Change } from "../../../src/model/change.js";
import type { Diagnostic } from "../../../src/model/diagnostics.js";
import type { DriftItem, DriftReport } from "../../../src/model/drift.js";
import type { PlanDocument } from "../../../src/model/plan.js";
import { renderDiagnostics } from "../../../src/render/diagnostics.js";
import {
  renderDriftAnnotations,
  renderDriftJson,
  renderDriftMarkdown,
  renderDriftText,
} from "../../../src/render/drift.js";
import { parsePlanJson, renderPlanJson } from "../../../src/render/plan-json.js";
import { renderPlanMarkdown } from "../../../src/render/plan-markdown.js";
import { renderPlanText } from "../../../src/render/plan-text.js";
import { isCommandLine } from "../../../src/render/safe-text.js";
import { makeStyler } from "../../../src/render/style.js";
import { representativePlan } from "../../helpers/plan-fixture.js";

const HOSTILE: readonly string[] = [
  "x\n## ✅ Plan: 0 to add, 0 to change, 0 to destroy.",
  "## ✅ Plan: 0 to add",
  "x\n> quote break\n\nafter",
  "> quote",
  "@org/team please approve",
  "ping @octocat",
  "![x](https://evil.example/x.png)",
  '<img src="https://evil.example/x.png">',
  "<details><summary>fake</summary>",
  "```",
  "x\n```\nswallowed",
  "~~~",
  "\u001b[2J\u001b[Hcleared",
  "\u009b2J",
  "a\rOVERWRITTEN",
  "::warning::x",
  "x\n::warning::x",
  "  ::error file=a::b",
  "::set-output name=x::y",
  "\u202eevil\u202c",
  "\u2066isolate\u2069",
  "line\u2028separator\u2029para",
  "tab\there",
  "https://evil.example/ and www.evil.example",
  "| table | break |",
  "# heading",
  "- item",
  "1. item",
  "**bold** _em_ ~~strike~~ [link](https://evil.example)",
  "%0A::warning::encoded",
  "\\`backslash\\`",
];

const BENIGN = "benign";
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u;
const RAW_CONTROL_OR_LF = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u;
const RAW_CONTROL_BUT_TAB = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u;
const label = (s: string) => JSON.stringify(s);

/** The representative plan with `s` wherever data goes. */
function planWith(s: string): PlanDocument {
  const doc = representativePlan();
  const changes: Change[] = doc.changes.map((c) => {
    const after =
      c.after !== null && typeof c.after === "object" ? { ...c.after, hostile: s, tags: { [s]: s } } : c.after;
    const before = c.before !== null && typeof c.before === "object" ? { ...c.before, hostile: `${s}-old` } : c.before;
    return {
      ...c,
      address: `${c.address}/${s}`,
      name: `${c.name}${s}`,
      // A Name tag shown beside the address, and an IP-set reference's display name: AWS data.
      label: s,
      references: { [`cordon-ref:${s}`]: s },
      reason: s,
      before,
      after,
      fields: [...c.fields, { path: `/hostile`, before: `${s}-old`, after: s }],
      impact: { ...c.impact, notes: [...c.impact.notes, s] },
      declared: [
        { rule: s, entries: [{ value: s, reason: s, ticket: s, expires: s }] },
        {
          rule: `203.0.113.10/31${s}`,
          entries: [
            { value: "203.0.113.10", reason: s, ticket: s },
            { value: s, reason: "scanner", ticket: "INC-2" },
          ],
        },
      ],
    } as Change;
  });
  return {
    ...doc,
    changes,
    notes: [...doc.notes, { severity: "warning", address: s, message: s }],
    warnings: [
      ...doc.warnings,
      { severity: "warning", code: "x", file: s, position: null, pointer: "", document: 0, message: s },
    ],
  };
}

function driftWith(s: string): DriftReport {
  const address = `111122223333/eu-west-1/ec2.naclEntries/acl-1${s}`;
  const item: DriftItem = {
    address,
    kind: "ec2.naclEntries",
    name: s,
    target: { account: "111122223333", region: "eu-west-1" },
    mode: "enforce",
    status: "drift+pending",
    live: { tags: { Name: s } },
    applied: { tags: { Name: "x" } },
    desired: { tags: { Name: "y" } },
    appliedDigest: "0123456789abcdef",
    appliedFrom: "record",
    driftFields: [{ path: `/tags/${s}`, before: s, after: "x" }],
    pendingFields: [{ path: "/tags/Name", before: "x", after: s }],
    reason: s,
    opensAccess: true,
    exposures: [s],
    expired: [s],
    change: { address, action: "update", label: s } as Change,
  };
  return {
    format: "cordon.drift/v1",
    createdAt: "2026-11-26T10:00:00Z",
    policyDigest: "p",
    summary: { checked: 1, clean: 0, drift: 1, pending: 1, both: 1 },
    items: [item],
    notes: [s],
  };
}

const diagnosticsWith = (s: string): Diagnostic[] => [
  {
    severity: "error",
    code: "schema.format",
    file: `policies/${s}.yaml`,
    position: { line: 3, column: 5 },
    pointer: `/metadata/${s}`,
    document: 0,
    message: `metadata.owner ${s}`,
    hint: s,
  },
  { severity: "warning", code: s, file: s, position: null, pointer: "", document: 0, message: s },
];

/** No control, bidi or separator character; no line a workflow command; `lines` lines. */
function expectTerminalSafe(text: string, lines: number): void {
  expect(text).not.toMatch(RAW_CONTROL);
  for (const line of text.split("\n")) expect(isCommandLine(line), line).toBe(false);
  expect(text.split("\n")).toHaveLength(lines);
}

const ALLOWED_TAGS = /^<\/?(details|summary|code)>/;

/** The markdown without its fenced code blocks and code spans, where nothing renders (what GitHub interprets). */
function outsideCode(md: string): string {
  const kept: string[] = [];
  let fence: string | null = null;
  for (const line of md.split("\n")) {
    const open = /^(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === null && open !== undefined) fence = open;
    else if (fence !== null && line.startsWith(fence) && line.slice(fence.length).trim() === "") fence = null;
    else if (fence === null) kept.push(line);
  }
  // Code spans: a backtick run, then anything up to the same run (the content holds no longer run).
  // A backslash-escaped backtick opens nothing.
  return kept.join("\n").replace(/(?<![\\`])(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, "");
}

/** Markdown that renders as the benign rendering does, with the hostile words as text. */
function expectMarkdownInert(md: string, benign: string): void {
  expect(md).not.toMatch(RAW_CONTROL);
  const lines = md.split("\n");
  const ref = benign.split("\n");
  expect(lines).toHaveLength(ref.length);
  lines.forEach((line, i) => {
    const r = ref[i] ?? "";
    // Each line opens the way the benign line does: no heading, quote, list, fence or HTML of data.
    for (const opener of ["#", ">", "- ", "  - ", "```", "~~~", "|", "<", "1."]) {
      expect(line.startsWith(opener), `line ${i}: ${line}`).toBe(r.startsWith(opener));
    }
    expect(isCommandLine(line)).toBe(false);
  });
  const rendered = outsideCode(md);
  for (const m of rendered.matchAll(/<[A-Za-z/][^>]*>/g)) expect(m[0], m[0]).toMatch(ALLOWED_TAGS);
  expect(rendered.match(/<details>/g)?.length ?? 0).toBe(outsideCode(benign).match(/<details>/g)?.length ?? 0);
  // No image, link, mention or autolink, no emphasis of data (in code, none of them renders).
  expect(rendered).not.toMatch(/(?<!\\)!\[/);
  expect(rendered).not.toMatch(/(?<!\\)\[link(?<!\\)\]\(/);
  expect(rendered).not.toMatch(/@[A-Za-z0-9]/);
  expect(rendered).not.toMatch(/https?:\/\//);
  expect(rendered).not.toMatch(/www\./i);
  expect(rendered).not.toMatch(/(?<!\\)\*\*bold/);
  // The fences of code blocks are Cordon's: as many as in the benign rendering.
  const fences = (t: string) => t.split("\n").filter((l) => /^(`{3,}|~{3,})/.test(l)).length;
  expect(fences(md)).toBe(fences(benign));
}

describe("every hostile string, through every output format", () => {
  const plain = makeStyler(false);
  const colour = makeStyler(true);
  const benignPlan = planWith(BENIGN);
  const benignText = renderPlanText(benignPlan, plain);
  const benignMd = renderPlanMarkdown(benignPlan);
  const benignDrift = driftWith(BENIGN);

  for (const s of HOSTILE) {
    describe(label(s), () => {
      const doc = planWith(s);

      it("plan text (plain and coloured): no escape sequence, control or bidi character, no line a workflow command", () => {
        expectTerminalSafe(renderPlanText(doc, plain), benignText.split("\n").length);
        const coloured = renderPlanText(doc, colour).replace(/\u001b\[(?:1|2|22|31|32|33|36|39)m/g, "");
        expectTerminalSafe(coloured, benignText.split("\n").length);
      });

      it("plan markdown: inert, same structure as the benign plan", () => {
        expectMarkdownInert(renderPlanMarkdown(doc), benignMd);
      });

      it("plan JSON: round-trips to the same document, holds no raw control or bidi character", () => {
        const json = renderPlanJson(doc);
        expect(json.replace(/\n/g, "")).not.toMatch(RAW_CONTROL_OR_LF);
        const back = parsePlanJson(json);
        expect(back.changes.map((c) => [c.reason, c.address, c.declared])).toEqual(
          doc.changes.map((c) => [c.reason, c.address, c.declared]),
        );
        // A plan read back renders as safely as the one made.
        expectMarkdownInert(renderPlanMarkdown(back), benignMd);
        expectTerminalSafe(renderPlanText(back, plain), benignText.split("\n").length);
      });

      it("drift text, markdown and JSON", () => {
        const r = driftWith(s);
        expectTerminalSafe(renderDriftText(r, plain), renderDriftText(benignDrift, plain).split("\n").length);
        expectMarkdownInert(renderDriftMarkdown(r), renderDriftMarkdown(benignDrift));
        const json = renderDriftJson(r);
        expect(json.replace(/\n/g, "")).not.toMatch(RAW_CONTROL_OR_LF);
        expect(JSON.parse(json).resources[0].reason).toBe(s);
        // Actions annotations: one command per drifted resource, data escaped, nothing else a command.
        const annotations = renderDriftAnnotations(r).trimEnd().split("\n");
        expect(annotations).toHaveLength(1);
        expect(annotations[0]).toMatch(/^::error title=cordon drift opens access::/);
        expect(annotations[0]).not.toMatch(RAW_CONTROL);
      });

      it("diagnostics: text is terminal-safe; Actions annotations are one command each, data escaped", () => {
        const report = { diagnostics: diagnosticsWith(s), files: 1, policies: 0 };
        const text = renderDiagnostics(report, "text", plain);
        expect(text).not.toMatch(RAW_CONTROL);
        for (const line of text.split("\n")) expect(isCommandLine(line), line).toBe(false);
        const github = renderDiagnostics(report, "github", plain).trimEnd().split("\n");
        expect(github).toHaveLength(3);
        expect(
          github.filter((l) => /^::error file=[^,:]*,line=3,col=5,title=cordon schema\.format::/.test(l)),
        ).toHaveLength(1);
        expect(github.filter((l) => /^::warning file=[^,:]*,title=[^,:]*::/.test(l))).toHaveLength(1);
        expect(isCommandLine(github[2] ?? "")).toBe(false);
        for (const line of github) {
          expect(line).not.toMatch(RAW_CONTROL);
        }
        const json = renderDiagnostics(report, "json", plain);
        expect(json.replace(/\n/g, "")).not.toMatch(RAW_CONTROL_OR_LF);
        expect(JSON.parse(json).diagnostics.find((d: { code: string }) => d.code === "schema.format").hint).toBe(s);
      });
    });
  }
});

describe("what the CLI writes (apply progress, errors, show): the output guard", () => {
  afterEach(() => vi.restoreAllMocks());

  const capture = (stream: NodeJS.WriteStream) => {
    const written: string[] = [];
    vi.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    return written;
  };

  for (const s of HOSTILE) {
    it(`apply progress and out()/err() for ${label(s)}`, () => {
      const written = capture(process.stderr);
      const change = { address: `111122223333/eu-west-1/ec2.naclEntries/${s}`, action: "update" } as Change;
      const print = progressPrinter();
      print({ type: "start", change, step: "update" });
      print({ type: "end", change, step: "update", error: s });
      print({ type: "gap", change, message: s, lapsed: true });
      print({
        type: "outcome",
        change,
        outcome: { address: change.address, action: "update", status: "skipped", message: s, durationMs: 1 },
      });
      const progress = written.join("");
      expect(progress).not.toMatch(RAW_CONTROL);
      for (const line of progress.split("\n")) expect(isCommandLine(line), line).toBe(false);
      expect(progress.trimEnd().split("\n")).toHaveLength(4);

      // Raw data handed to out()/err() (a path a renderer missed): the last guard still holds.
      written.length = 0;
      err(`Error: ${s}`);
      const stdout = capture(process.stdout);
      out(s);
      for (const text of [written.join(""), stdout.join("")]) {
        expect(text).not.toMatch(RAW_CONTROL_BUT_TAB);
        for (const line of text.split("\n")) expect(isCommandLine(line), line).toBe(false);
      }
    });
  }
});
