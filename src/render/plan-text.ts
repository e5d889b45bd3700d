// The plan as text, like Terraform's: one block per change with the reason, field-level diffs
// (JSON values as a text diff), access-broadening flags, notes and the summary line.
// Reads only the PlanDocument. Every piece of data passes through `term` (src/render/safe-text.ts,
// docs/output-safety.md).

import type { Change } from "../model/change.js";
import { isEmptyPlan, type PlanDocument } from "../model/plan.js";
import {
  actionSymbol,
  actionVerb,
  type BodyLine,
  changeBody,
  entryDetails,
  isAggregated,
  NO_CHANGES,
  shownAddress,
  shownName,
  shownOrigins,
  summaryExtras,
  summaryLine,
  targetGroups,
  visibleChanges,
  WHY_HEADING,
} from "./plan-body.js";
import { term } from "./safe-text.js";
import { makeStyler, type Styler } from "./style.js";

const plain = makeStyler(false);

function paint(style: Styler, sign: string, text: string): string {
  if (sign === "+") return style.green(text);
  if (sign === "-") return style.red(text);
  if (sign === "~" || sign === "+/-" || sign === "-/+") return style.yellow(text);
  return text;
}

/** The rules a change adds and the policy entries behind each: `203.0.113.10/31 ← 203.0.113.10 (INC-1), …`. */
function whyLines(c: Change): string[] {
  const origins = shownOrigins(c);
  if (origins.length === 0) return [];
  const lines = [`  # ${WHY_HEADING}:`];
  for (const o of origins) {
    const [only] = o.entries;
    if (o.entries.length === 1 && only !== undefined) {
      const from = isAggregated(o) ? ` ← ${term(only.value)}` : "";
      lines.push(`  #   ${term(o.rule)}${from}: ${entryDetails(only).map(term).join(" · ")}`);
      continue;
    }
    const covers = o.entries.map((e) => `${term(e.value)}${e.ticket === undefined ? "" : ` (${term(e.ticket)})`}`);
    lines.push(`  #   ${term(o.rule)} ← ${covers.join(", ")}`);
    for (const e of o.entries) lines.push(`  #       ${term(e.value)}: ${entryDetails(e).map(term).join(" · ")}`);
  }
  return lines;
}

/** The indentation of a body line at `depth` (6 + 4 per level), made once per depth. */
const indents: string[] = [];
const indentOf = (depth: number): string => {
  let s = indents[depth];
  if (s === undefined) {
    s = " ".repeat(6 + depth * 4);
    indents[depth] = s;
  }
  return s;
};

/**
 * The lines of one change, joined: one flat string per change, so that a plan of 20,000 changes
 * holds 20,000 strings until the last join, not the pieces of 400,000 lines (docs/performance.md).
 */
function renderChange(c: Change, style: Styler): string {
  const sym = actionSymbol(c.action);
  const lines: string[] = [];
  lines.push(style.bold(`  # ${term(shownAddress(c))} ${actionVerb(c)}`));
  lines.push(`  # reason: ${term(c.reason)}`);
  if (c.impact.broadensAccess) lines.push(style.red("  # (!) broadens access"));
  if (c.impact.destructive) lines.push(style.red("  # (!) destructive: removes data or monitoring"));
  for (const n of c.impact.notes) lines.push(`  # note: ${term(n)}`);
  for (const w of whyLines(c)) lines.push(w);
  const head = `${sym.padStart(3)} ${term(c.kind)} "${term(shownName(c))}" {`;
  lines.push(paint(style, sym, head));
  const body: BodyLine[] = changeBody(c, "text");
  for (const l of body) {
    lines.push(`${indentOf(l.depth)}${paint(style, l.sign, `${l.sign} ${term(l.text)}`)}`);
  }
  lines.push("    }");
  return lines.join("\n");
}

/** The text view. `style` adds colour (src/render/style.ts; the CLI decides when); default none. Ends with a newline. */
export function renderPlanText(doc: PlanDocument, style: Styler = plain): string {
  return [...planTextChunks(doc, style)].join("");
}

/**
 * The text view in pieces, each a whole number of lines ending with "\n" (a change's block, a
 * heading, the summary), so that `cordon plan` writes a plan of 20,000 changes without ever holding
 * its text whole (docs/performance.md). Joined, they are renderPlanText.
 */
export function* planTextChunks(doc: PlanDocument, style: Styler = plain): Generator<string> {
  const lines = (xs: readonly string[]) => (xs.length === 0 ? "" : `${xs.join("\n")}\n`);
  const head: string[] = [];
  for (const w of doc.warnings) {
    head.push(style.yellow(`Warning: ${term(w.file)}: ${term(w.message)}`));
  }
  if (doc.warnings.length > 0) head.push("");
  if (isEmptyPlan(doc.summary)) {
    yield lines([...head, ...notesLines(doc), style.green(NO_CHANGES)]);
    return;
  }
  yield lines([...head, "Cordon will perform the following actions:", ""]);
  const changes = visibleChanges(doc);
  const groups = targetGroups(changes);
  if (groups === null) for (const c of changes) yield `${renderChange(c, style)}\n\n`;
  else {
    for (const g of groups) {
      yield lines([style.bold(`── ${term(g.account)}/${term(g.region)}: ${g.counts} ──`), ""]);
      for (const c of g.changes) yield `${renderChange(c, style)}\n\n`;
    }
  }
  yield lines([...notesLines(doc), style.bold(summaryLine(doc.summary)), ...summaryExtras(doc.summary)]);
}

function notesLines(doc: PlanDocument): string[] {
  if (doc.notes.length === 0) return [];
  const lines = ["Notes:"];
  for (const n of doc.notes) {
    lines.push(
      `  - ${n.severity === "warning" ? "(warning) " : ""}${term(n.message)}${n.address ? ` [${term(n.address)}]` : ""}`,
    );
  }
  lines.push("");
  return lines;
}

/** The ready-to-paste queries (printed after apply). Empty string when there are none. */
export function renderQueriesText(doc: PlanDocument): string {
  if (doc.queries.length === 0) return "";
  return doc.queries.map((q) => `-- ${term(q.title)}\n${q.sql.split("\n").map(term).join("\n")}\n`).join("\n");
}
