// Views of a drift report: text (people), markdown (an issue or the step summary, with a hidden
// marker so a workflow can update the same issue), JSON (before/after per resource).

import { sortKeysDeep } from "../domain/fingerprint.js";
import type { Change, FieldDiff } from "../model/change.js";
import { type DriftItem, type DriftReport, type DriftStatus, driftSeverity } from "../model/drift.js";
import { shownAddress, showOneLine, showPath } from "./plan-body.js";
import { actionsData, codeBlockLines, fenceFor, jsonText, mdCode, mdHtml, mdText, term } from "./safe-text.js";
import type { Styler } from "./style.js";

export const DRIFT_MARKER = "<!-- cordon-drift -->";
export const NO_DRIFT = "No drift. AWS matches what Cordon applied, and every policy change is applied.";

const LABEL: Readonly<Record<DriftStatus, string>> = {
  clean: "clean",
  drift: "drift",
  pending: "pending",
  "drift+pending": "drift+pending",
};

/** An item's label: its status, or "expired" for a change that only removes expired entries. */
const labelOf = (i: DriftItem): string => (i.expired !== undefined ? "expired" : LABEL[i.status]);

export function driftSummaryLine(r: DriftReport): string {
  if (r.items.length === 0) return NO_DRIFT;
  const s = r.summary;
  return `Drift: ${s.drift} drifted (changed outside Cordon), ${s.pending} pending (policy changes not applied)${s.both > 0 ? `, ${s.both} both` : ""}; ${s.checked} resources checked.`;
}

function fieldLine(f: FieldDiff, c: Change): string {
  return `${showPath(f.path, c.fieldNames)}: ${showOneLine(f.before, c)} -> ${showOneLine(f.after, c)}`;
}

export function renderDriftText(r: DriftReport, style: Styler): string {
  const lines: string[] = [];
  for (const i of r.items) {
    const colour = i.status === "pending" ? style.yellow : style.red;
    lines.push(
      `${colour(labelOf(i).padEnd(13))} ${style.bold(term(shownAddress(i.change)))}${i.mode === "observe" ? style.dim(" (observe mode)") : ""}`,
    );
    if (i.opensAccess) lines.push(style.red("              error: this drift opens access"));
    lines.push(`              ${term(i.reason)}`);
    for (const f of i.driftFields) lines.push(style.dim(`              drift    ${term(fieldLine(f, i.change))}`));
    for (const f of i.pendingFields) lines.push(style.dim(`              pending  ${term(fieldLine(f, i.change))}`));
  }
  if (lines.length > 0) lines.push("");
  for (const n of r.notes) lines.push(style.yellow(`note: ${term(n)}`));
  lines.push(style.bold(driftSummaryLine(r)));
  return `${lines.join("\n")}\n`;
}

const jsonItem = (i: DriftItem) => ({
  address: i.address,
  kind: i.kind,
  status: i.status,
  mode: i.mode,
  reason: i.reason,
  ...(i.expired !== undefined ? { expired: i.expired } : {}),
  before: i.live,
  applied: i.applied,
  after: i.desired,
  appliedDigest: i.appliedDigest,
  appliedFrom: i.appliedFrom,
  drift: i.driftFields,
  pending: i.pendingFields,
  action: i.change.action,
  severity: driftSeverity(i),
  opensAccess: i.opensAccess,
  exposures: i.exposures,
});

/** `before` = live AWS, `applied` = what Cordon last applied, `after` = the policies. */
export function renderDriftJson(r: DriftReport): string {
  const doc = {
    format: r.format,
    createdAt: r.createdAt,
    policyDigest: r.policyDigest,
    summary: r.summary,
    notes: r.notes,
    resources: r.items.map(jsonItem),
  };
  return `${jsonText(sortKeysDeep(doc))}\n`;
}

const LIMIT = 65_536;

export function renderDriftMarkdown(r: DriftReport): string {
  const notes = r.notes.map((n) => `\n> [!WARNING]\n> ${mdText(n)}\n`).join("");
  const head = `${DRIFT_MARKER}\n**${driftSummaryLine(r)}**\n${notes}`;
  if (r.items.length === 0) return head;
  const footer =
    "\nDrift is corrected by `cordon drift --correct` (what changed outside Cordon, and entries past their expiry date); other pending changes need a reviewed `cordon apply`.\n";
  const cut = (shown: number, of: number, what: string) =>
    `\n> [!NOTE]\n> ${of - shown} of ${of} ${what} not shown (GitHub's size limit); run \`cordon drift --format json\` for all of them.\n`;
  // Room kept for the footer and the worst-case truncation note.
  let budget = LIMIT - head.length - footer.length - cut(0, r.items.length, "resources").length - 16;
  let text = `${head}\n| status | resource | why |\n| --- | --- | --- |\n`;
  budget -= text.length - head.length;
  let rows = 0;
  for (const i of r.items) {
    const row = `| ${labelOf(i)}${i.opensAccess ? " ⛔ opens access" : ""} | ${mdCode(i.address, { table: true })}${i.change.label === undefined ? "" : ` (${mdText(i.change.label)})`} | ${mdText(i.reason)} |\n`;
    if (row.length > budget) break;
    text += row;
    budget -= row.length;
    rows++;
  }
  if (rows < r.items.length) return `${text}${cut(rows, r.items.length, "resources")}${footer}`;
  text += "\n";
  let shown = 0;
  const detailed = r.items.filter((i) => i.driftFields.length + i.pendingFields.length > 0);
  for (const i of detailed) {
    const body = codeBlockLines([
      ...i.driftFields.map((f) => `- drift: ${fieldLine(f, i.change)}`),
      ...i.pendingFields.map((f) => `- pending: ${fieldLine(f, i.change)}`),
    ]).join("\n");
    const fence = fenceFor(body);
    const section = `<details><summary><code>${mdHtml(i.address)}</code></summary>\n\n${fence}\n${body}\n${fence}\n\n</details>\n`;
    if (section.length > budget) break;
    text += section;
    budget -= section.length;
    shown++;
  }
  if (shown < detailed.length) text += cut(shown, detailed.length, "details");
  return text + footer;
}

/**
 * GitHub Actions annotations of a drift report: one `::error` per drifted resource whose drift
 * opens access, one `::warning` per other drifted resource (pending-only changes are not drift and
 * get none). Empty when nothing drifted. Ends with a newline when not empty.
 */
export function renderDriftAnnotations(r: DriftReport): string {
  const lines = r.items
    .filter((i) => i.status === "drift" || i.status === "drift+pending")
    .map(
      (i) =>
        `::${driftSeverity(i)} title=${i.opensAccess ? "cordon drift opens access" : "cordon drift"}::${actionsData(`${shownAddress(i.change)}: ${i.reason}`)}`,
    );
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
