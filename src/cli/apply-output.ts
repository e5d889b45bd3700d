// What an apply shows on the command line: the confirmation prompt, progress lines on stderr as
// each change starts and ends, and the summary and ready-to-paste queries on stdout.
import { createInterface } from "node:readline";
import type { ApplyResult, ProgressEvent } from "../executor/apply.js";
import type { Change } from "../model/change.js";
import type { PlanDocument } from "../model/plan.js";
import { renderQueriesText } from "../render/plan-text.js";
import { term } from "../render/safe-text.js";
import { err, out, stderrStyle, stdoutStyle } from "./output.js";

/** Asks on the terminal; true only for "yes". */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => rl.question(question, resolve));
    return answer.trim().toLowerCase() === "yes";
  } finally {
    rl.close();
  }
}

const VERBS: Readonly<Record<"create" | "update" | "delete", [string, string]>> = {
  create: ["creating", "created"],
  update: ["updating", "updated"],
  delete: ["deleting", "deleted"],
};

function stepLabel(c: Change, step: "create" | "update" | "delete"): string {
  if (c.action === "create-then-delete") return step === "create" ? "replacement" : "old";
  if (c.action === "delete-then-create") return "replacement";
  return "";
}

/** Progress lines on stderr as each change starts and ends. */
export function progressPrinter(): (e: ProgressEvent) => void {
  const s = stderrStyle();
  const started = new Map<string, number>();
  return (e) => {
    if (e.type === "outcome") {
      if (e.outcome.status === "skipped")
        err(`${s.yellow("  skipped")}  ${term(e.change.address)}: ${term(e.outcome.message ?? "")}`);
      else if (e.outcome.status === "applied" && e.outcome.message !== undefined)
        err(`  ${s.yellow("note")} ${term(e.change.address)}: ${term(e.outcome.message)}`);
      return;
    }
    if (e.type === "gap") {
      err(
        `  ${e.lapsed ? s.red(s.bold("CONTROL LAPSED")) : s.yellow("gap")} ${term(e.change.address)}: ${term(e.message)}`,
      );
      return;
    }
    const key = `${e.change.address}|${e.step}`;
    const label = stepLabel(e.change, e.step);
    const what = `${term(e.change.address)}${label ? ` (${label})` : ""}`;
    const [ing, ed] = VERBS[e.step];
    if (e.type === "start") {
      started.set(key, Date.now());
      err(`  ${ing} ${what}...`);
      return;
    }
    const secs = ((Date.now() - (started.get(key) ?? Date.now())) / 1000).toFixed(1);
    if (e.error === undefined) err(`  ${s.green(ed)} ${what} ${s.dim(`[${secs}s]`)}`);
    else err(`  ${s.red("failed")} ${what}: ${term(String(e.error))}`);
  };
}

/** The apply summary line on stdout, and the Athena queries to paste when nothing failed. */
export function printApplySummary(result: ApplyResult, plan: PlanDocument): void {
  const s = stdoutStyle();
  const count = (status: string) => result.outcomes.filter((o) => o.status === status).length;
  const applied = count("applied");
  const failed = count("failed");
  const skipped = count("skipped");
  const line = `Apply ${failed > 0 ? "incomplete" : "complete"}: ${applied} applied, ${failed} failed, ${skipped} skipped.`;
  out("");
  out(failed > 0 ? s.red(s.bold(line)) : s.green(s.bold(line)));
  // Several targets: the counts of each (docs/targets.md).
  const targetOf = new Map(plan.changes.map((c) => [c.address, `${c.target.account}/${c.target.region}`]));
  const byTarget = new Map<string, Record<string, number>>();
  for (const o of result.outcomes) {
    const t = targetOf.get(o.address) ?? "?";
    const counts = byTarget.get(t) ?? { applied: 0, failed: 0, skipped: 0 };
    counts[o.status] = (counts[o.status] ?? 0) + 1;
    byTarget.set(t, counts);
  }
  if (byTarget.size > 1) {
    for (const [t, c] of [...byTarget].sort(([a], [b]) => (a < b ? -1 : 1))) {
      out(`  ${term(t)}: ${c["applied"]} applied, ${c["failed"]} failed, ${c["skipped"]} skipped`);
    }
  }
  const queries = renderQueriesText(plan);
  if (failed === 0 && queries !== "") {
    out("");
    out(
      "The rejected flows of the last day: `cordon query rejected POLICIES --since 24h` (docs/query.md), or in Athena:",
    );
    out("");
    out(queries);
  }
}
