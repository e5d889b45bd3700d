// The plan as a pull-request comment. Layout: a hidden marker (so CI can find and update its
// comment), the summary line, destroys and access-broadening changes called out, then one
// <details> per change with a ```diff block, notes and warnings. Always within GitHub's
// 65,536-character comment limit: change details are cut (with a note saying how to see the
// rest), never the summary. Reads only the PlanDocument. Every piece of data passes through the
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
  visibleChanges,
  WHY_HEADING,
} from "./plan-body.js";
import { codeBlockLines, fenceFor, mdCode, mdHtml, mdText } from "./safe-text.js";

export const PLAN_MARKER = "<!-- cordon-plan -->";
/** GitHub's limit on an issue / pull-request comment body. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export interface MarkdownOptions {
  /** Maximum length of the result (characters). Default: GitHub's comment limit. */
  readonly limit?: number;
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
  const summary = `<code>${sym} ${actionLabel(c.action)}</code> <code>${mdHtml(c.address)}</code> — ${mdHtml(c.reason)}${flags.length ? ` (${flags.join(", ")})` : ""}`;
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
    lines.push(`> - ${mdCode(c.address)}: ${why.join(", ")} — ${mdText(c.reason)}`);
  }
  return lines;
}

/** The markdown view; never longer than `limit` (default 65,536) characters. */
export function renderPlanMarkdown(doc: PlanDocument, options: MarkdownOptions = {}): string {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT;
  const head: string[] = [PLAN_MARKER];
  if (isEmptyPlan(doc.summary)) {
    head.push(NO_CHANGES);
    return `${head.join("\n")}\n`;
  }
  const extras = summaryExtras(doc.summary);
  head.push(`**${summaryLine(doc.summary)}**${extras.length ? ` ${extras.join(" ")}` : ""}`, "");
  const changes = visibleChanges(doc);
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
  const headText = `${head.join("\n")}\n`;
  const tailText = tail.length > 0 ? `\n${tail.join("\n")}` : "";
  const callout = calloutLines(changes);
  const cutNote = (shown: number, of: number, what: string) =>
    `\n> [!NOTE]\n> ${of - shown} of ${of} ${what} not shown: the comment would exceed GitHub's size limit. Run \`cordon plan\` (text) or read the plan JSON artifact for the full plan.\n`;
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
  for (const c of changes) {
    const section = detailsSection(c);
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
