// The plan as a pull-request comment. Layout: a hidden marker (so CI can find and update its
// comment), the header when one is given (commit, workflow run, targets, policy files changed), the
// summary line, a table by kind and action for a large plan, destroys and access-broadening changes
// called out, then one <details> per change with a ```diff block, notes and warnings. Always within
// GitHub's 65,536-character comment limit: change details are cut (with a note saying where the full
// plan is), never the header, the summary or the table. Reads only the PlanDocument. Every piece of data passes through the
// markdown functions of src/render/safe-text.ts (docs/output-safety.md): a policy's reason or an
// AWS tag value renders as its words and nothing else.
import type { Change } from "../model/change.js";
import { isEmptyPlan, type PlanDocument } from "../model/plan.js";
import {
  actionLabel,
  actionSymbol,
  type BodyLine,
  changeBody,
  entryDetails,
  isAggregated,
  NO_CHANGES,
  shownOrigins,
  summaryExtras,
  summaryLine,
  targetGroups,
  visibleChanges,
  WHY_HEADING,
} from "./plan-body.js";
import { codeBlockLines, fenceFor, mdCode, mdHtml, mdText } from "./safe-text.js";

export const PLAN_MARKER = "<!-- cordon-plan -->";
/** GitHub's limit on an issue / pull-request comment body. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** The step summary's limit is 1 MiB (bytes); this many characters fit even when many are multi-byte. */
export const STEP_SUMMARY_LIMIT = 262_144;
/** A plan with more changes than this (or one whose details are cut) gets the table by kind and action. */
export const LARGE_PLAN_CHANGES = 10;
/** At most this many changed policy files are named in the header. */
const HEADER_FILES = 20;

/** Where a plan comes from, shown above the summary (in GitHub Actions: see src/cli/github.ts). */
export interface PlanHeader {
  /** The commit planned, and a link to it. */
  readonly commit?: { readonly sha: string; readonly url?: string };
  /** The workflow run that made the plan. */
  readonly run?: { readonly label: string; readonly url: string };
  /** The policy files the change touches (e.g. the pull request's), repository-relative. */
  readonly changedFiles?: readonly string[];
}

export interface MarkdownOptions {
  /** Maximum length of the result (characters). Default: GitHub's comment limit. */
  readonly limit?: number;
  /** The header; none (and no targets line) when absent. */
  readonly header?: PlanHeader;
  /** Where the full plan can be read, said when change details are cut (default: run `cordon plan`). */
  readonly fullPlan?: string;
}

/**
 * In a ```diff block an unsigned line shows as context: give the closing bracket of a value that is
 * wholly added or removed the sign of its opening line, so the whole value is coloured.
 */
function signClosings(lines: readonly BodyLine[]): BodyLine[] {
  const open: BodyLine["sign"][] = [];
  return lines.map((l) => {
    const text = l.text.trim();
    if (l.sign === " " && (text === "}" || text === "]")) {
      const sign = open.pop() ?? " ";
      return sign === "+" || sign === "-" ? { ...l, sign } : l;
    }
    if (/[[{]$/.test(text)) open.push(l.sign);
    else if (/^[\]}],?$/.test(text)) open.pop();
    return l;
  });
}

/** The rules a change adds and the policy entries behind each, as a list (empty when none). */
function whySection(c: Change): string {
  const origins = shownOrigins(c);
  if (origins.length === 0) return "";
  const details = (e: Parameters<typeof entryDetails>[0]) => entryDetails(e).map(mdText).join(" · ");
  const lines = [`**${mdText(WHY_HEADING)}**`, ""];
  for (const o of origins) {
    const [only] = o.entries;
    if (o.entries.length === 1 && only !== undefined) {
      const from = isAggregated(o) ? ` ← ${mdCode(only.value)}` : "";
      lines.push(`- ${mdCode(o.rule)}${from}: ${details(only)}`);
      continue;
    }
    const covers = o.entries.map((e) => `${mdCode(e.value)}${e.ticket === undefined ? "" : ` (${mdText(e.ticket)})`}`);
    lines.push(`- ${mdCode(o.rule)} ← ${covers.join(", ")}`);
    for (const e of o.entries) lines.push(`  - ${mdCode(e.value)}: ${details(e)}`);
  }
  return `${lines.join("\n")}\n\n`;
}

function detailsSection(c: Change): string {
  const sym = actionSymbol(c.action).trim();
  const flags = [
    c.impact.broadensAccess ? "⚠️ broadens access" : "",
    c.impact.destructive ? "⚠️ destructive" : "",
    c.adopting === true ? "⚠️ adopts what was not Cordon's" : "",
  ].filter((f) => f !== "");
  const summary = `<code>${sym} ${actionLabel(c.action)}</code> <code>${mdHtml(c.address)}</code>${c.label === undefined ? "" : ` (${mdHtml(c.label)})`} — ${mdHtml(c.reason)}${flags.length ? ` (${flags.join(", ")})` : ""}`;
  const body = codeBlockLines(
    signClosings(changeBody(c, "diff")).map((l) => `${l.sign} ${"  ".repeat(l.depth)}${l.text}`),
  ).join("\n");
  const fence = fenceFor(body);
  const notes = c.impact.notes.map((n) => `> ${mdText(n)}\n`).join("");
  return `<details><summary>${summary}</summary>\n\n${notes}${notes ? "\n" : ""}${whySection(c)}${fence}diff\n${body}\n${fence}\n\n</details>\n`;
}

function calloutLines(changes: readonly Change[]): string[] {
  const flagged = changes.filter(
    (c) =>
      c.mode !== "observe" &&
      (c.impact.broadensAccess ||
        c.action === "delete" ||
        c.action === "delete-then-create" ||
        c.action === "create-then-delete"),
  );
  if (flagged.length === 0) return [];
  const lines = ["> [!CAUTION]", "> **Destroys and access-broadening changes in this plan:**"];
  for (const c of flagged) {
    const why = [
      c.impact.broadensAccess ? "broadens access" : "",
      c.action === "delete" ? "destroy" : c.action === "no-op" || c.action === "update" ? "" : "replace",
      c.impact.destructive ? "destructive" : "",
    ].filter((x) => x !== "");
    lines.push(
      `> - ${mdCode(c.address)}${c.label === undefined ? "" : ` (${mdText(c.label)})`}: ${why.join(", ")} — ${mdText(c.reason)}`,
    );
  }
  return lines;
}

function headerLines(doc: PlanDocument, h: PlanHeader): string[] {
  const link = (text: string, url: string | undefined) => (url === undefined ? text : `[${text}](${url})`);
  const facts = [
    h.commit !== undefined ? `**Commit** ${link(mdCode(h.commit.sha.slice(0, 12)), h.commit.url)}` : "",
    h.run !== undefined ? `**Run** ${link(mdText(h.run.label), h.run.url)}` : "",
    `**Targets** ${doc.targets.length > 0 ? doc.targets.map((t) => mdCode(`${t.account}/${t.region}`)).join(", ") : "none"}`,
  ].filter((f) => f !== "");
  const lines = [facts.join(" · ")];
  if (h.changedFiles !== undefined) {
    const shown = h.changedFiles.slice(0, HEADER_FILES).map((f) => mdCode(f));
    const more = h.changedFiles.length - shown.length;
    lines.push(
      "",
      `**Policy files changed** ${shown.length > 0 ? shown.join(", ") : "none"}${more > 0 ? ` and ${more} more` : ""}`,
    );
  }
  return [...lines, ""];
}

/** The column of the table a change counts in. */
const column = (c: Change): string => (c.mode === "observe" ? "observe only" : actionLabel(c.action));
const COLUMNS = ["create", "update", "delete", "replace", "observe only"] as const;

/** The changes counted by kind (rows) and action (columns): what a large plan holds, before any cut. */
export function summaryTable(changes: readonly Change[]): string {
  const rows = new Map<string, Map<string, number>>();
  for (const c of changes) {
    const row = rows.get(c.kind) ?? new Map<string, number>();
    row.set(column(c), (row.get(column(c)) ?? 0) + 1);
    rows.set(c.kind, row);
  }
  const used = COLUMNS.filter((col) => [...rows.values()].some((r) => r.has(col)));
  const lines = [`| kind | ${used.join(" | ")} |`, `| --- |${" ---: |".repeat(used.length)}`];
  for (const [kind, row] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`| ${mdCode(kind, { table: true })} | ${used.map((col) => String(row.get(col) ?? 0)).join(" | ")} |`);
  }
  return `${lines.join("\n")}\n\n`;
}

/** The markdown view; never longer than `limit` (default 65,536) characters. */
export function renderPlanMarkdown(doc: PlanDocument, options: MarkdownOptions = {}): string {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT;
  const head: string[] = [PLAN_MARKER];
  if (options.header !== undefined) head.push(...headerLines(doc, options.header));
  if (isEmptyPlan(doc.summary)) {
    head.push(NO_CHANGES);
    return `${head.join("\n")}\n`;
  }
  const extras = summaryExtras(doc.summary);
  head.push(`**${summaryLine(doc.summary)}**${extras.length ? ` ${extras.join(" ")}` : ""}`, "");
  const groups = targetGroups(visibleChanges(doc));
  const changes = groups === null ? visibleChanges(doc) : groups.flatMap((g) => g.changes);
  // Several targets: a heading with the counts of each before its first change (docs/targets.md).
  const headings = new Map<Change, string>(
    (groups ?? []).map((g) => [g.changes[0]!, `\n#### ${mdCode(`${g.account}/${g.region}`)}: ${g.counts}\n\n`]),
  );
  const tail: string[] = [];
  if (doc.notes.length > 0) {
    tail.push("**Notes**", "");
    for (const n of doc.notes) {
      tail.push(
        `- ${n.severity === "warning" ? "⚠️ " : ""}${mdText(n.message)}${n.address ? ` (${mdCode(n.address)})` : ""}`,
      );
    }
    tail.push("");
  }
  if (doc.warnings.length > 0) {
    tail.push("**Warnings**", "");
    for (const w of doc.warnings) tail.push(`- ${mdCode(w.file)}: ${mdText(w.message)}`);
    tail.push("");
  }
  const tailText = tail.length > 0 ? `\n${tail.join("\n")}` : "";
  const callout = calloutLines(changes);
  const sections = changes.map((c) => `${headings.get(c) ?? ""}${detailsSection(c)}`);
  const where = options.fullPlan ?? "Run `cordon plan` (text) for the full plan.";
  const cutNote = (shown: number, of: number, what: string) =>
    `\n> [!NOTE]\n> ${of - shown} of ${of} ${what} not shown: the comment would exceed its size limit. ${where}\n`;
  const whole = [head, callout].reduce((n, ls) => n + ls.join("\n").length + 2, 0);
  const large =
    changes.length > LARGE_PLAN_CHANGES || whole + sections.reduce((n, x) => n + x.length, 0) + tailText.length > limit;
  const headText = `${head.join("\n")}\n${large ? summaryTable(changes) : ""}`;
  // The worst-case truncation note must always fit after the summary.
  const reserve = cutNote(0, changes.length + callout.length, "changes").length + 64;
  let budget = limit - headText.length - reserve;
  const parts: string[] = [];
  // Callouts first (each line counted), then change details, then notes/warnings.
  let calloutShown = 0;
  const calloutText: string[] = [];
  for (const line of callout) {
    if (line.length + 1 > budget) break;
    calloutText.push(line);
    budget -= line.length + 1;
    calloutShown++;
  }
  if (calloutText.length > 0) {
    parts.push(`${calloutText.join("\n")}\n\n`);
    budget -= 1;
  }
  let shown = 0;
  for (const section of sections) {
    if (section.length > budget) break;
    parts.push(section);
    budget -= section.length;
    shown++;
  }
  const cut = shown < changes.length || calloutShown < callout.length;
  if (cut) {
    parts.push(cutNote(shown, changes.length, "changes"));
  } else if (tailText.length <= budget) {
    parts.push(tailText);
  }
  const text = headText + parts.join("");
  return text.length <= limit ? text : `${text.slice(0, limit)}`;
}
