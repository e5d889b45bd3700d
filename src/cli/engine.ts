// What plan, apply and demo share on the command line: loading policies (diagnostics rendered on
// stderr), planning, the confirmation prompt, progress lines and the apply summary.
// Plans and reports go to stdout; progress and logs to stderr.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { relative, resolve, sep } from "node:path";
import { createInterface } from "node:readline";
import { type AwsSession, createAwsSession } from "../aws/config.js";
import { type ApplyResult, applyPlan, type ProgressEvent } from "../executor/apply.js";
import { passFactory } from "../executor/observe.js";
import {
  type Loaded,
  loadPolicies,
  type PlanRun,
  PolicyErrorWithDiagnostics,
  planPolicies,
} from "../executor/pipeline.js";
import { handlerFor } from "../handlers/registry.js";
import type { Change } from "../model/change.js";
import type { Diagnostic } from "../model/diagnostics.js";
import { PartialApplyError, UsageError } from "../model/errors.js";
import type { PlanDocument } from "../model/plan.js";
import { isCalendarDate } from "../policy/validate.js";
import { chooseFormat, renderDiagnostics } from "../render/diagnostics.js";
import { renderQueriesText } from "../render/plan-text.js";
import { err, out, stderrStyle, stdoutStyle } from "./output.js";
import { VERSION } from "./version.js";

export const DEFAULT_POLICY_PATH = "policies/";

export const policyPaths = (paths: readonly string[]): string[] =>
  paths.length > 0 ? [...paths] : [DEFAULT_POLICY_PATH];

export function todayOption(today: string | undefined, now: Date = new Date()): string {
  const day = today ?? now.toISOString().slice(0, 10);
  if (!isCalendarDate(day)) throw new UsageError(`--today must be a date written YYYY-MM-DD (got "${day}").`);
  return day;
}

/**
 * Policy problems: text on stderr; in GitHub Actions (GITHUB_ACTIONS=true) workflow-command
 * annotations on stdout, so they land on the lines of the pull request.
 */
function reportDiagnostics(diagnostics: readonly Diagnostic[], files: number | null): void {
  const format = chooseFormat(undefined);
  // Problems found after loading name their files; count those when the loader's count is not known.
  const report = { diagnostics, files: files ?? new Set(diagnostics.map((d) => d.file)).size, policies: 0 };
  if (format === "github") out(renderDiagnostics(report, "github", stdoutStyle()));
  else err(renderDiagnostics(report, "text", stderrStyle()));
}

/** Loads the policies; on errors prints the diagnostics (see reportDiagnostics) and rethrows. */
export function loadOrReport(paths: readonly string[], today: string): Loaded {
  try {
    return loadPolicies(paths, today);
  } catch (e) {
    if (e instanceof PolicyErrorWithDiagnostics) {
      reportDiagnostics(e.diagnostics, e.files);
    }
    throw e;
  }
}

export interface PlanCommandRun extends PlanRun {
  readonly loaded: Loaded;
  readonly session: AwsSession;
}

/** Loads, observes and plans; the plan records what `apply plan.json` needs to make it again. */
export async function makePlan(
  paths: readonly string[],
  options: { readonly today: string; readonly only?: readonly string[]; readonly session?: AwsSession },
): Promise<PlanCommandRun> {
  const loaded = loadOrReport(paths, options.today);
  return planLoaded(loaded, paths, options);
}

/**
 * Observes and plans `loaded` (read from `paths`). The plan records the policy paths, each policy
 * file's digest, the day and the --target addresses: `cordon apply plan.json` checks the files
 * and makes the same plan again from them.
 */
export async function planLoaded(
  loaded: Loaded,
  paths: readonly string[],
  options: { readonly today: string; readonly only?: readonly string[]; readonly session?: AwsSession },
): Promise<PlanCommandRun> {
  const session = options.session ?? createAwsSession();
  const only = options.only !== undefined && options.only.length > 0 ? [...options.only] : undefined;
  try {
    const run = await planPolicies(loaded, {
      today: options.today,
      session,
      cordonVersion: VERSION,
      ...(only !== undefined ? { only } : {}),
    });
    const plan: PlanDocument = {
      ...run.plan,
      policyPaths: [...paths],
      policyFiles: policyFileDigests(loaded.files ?? loaded.policies.map((p) => p.source.file)),
      today: options.today,
      ...(only !== undefined ? { only } : {}),
    };
    return { ...run, plan, loaded, session };
  } catch (e) {
    if (e instanceof PolicyErrorWithDiagnostics) {
      reportDiagnostics(e.diagnostics, e.files);
    }
    throw e;
  }
}

/** A policy file's path relative to the working directory, with forward slashes: how plans name files. */
export const comparablePath = (file: string): string => {
  const rel = relative(process.cwd(), resolve(file));
  return (rel === "" ? "." : rel).split(sep).join("/");
};

/** Each file's comparablePath → sha256 of its bytes (sorted by path); an unreadable file → "unreadable". */
export function policyFileDigests(files: readonly string[]): Record<string, string> {
  const entries = [...new Set(files)].map((f): [string, string] => {
    try {
      return [comparablePath(f), createHash("sha256").update(readFileSync(f)).digest("hex")];
    } catch {
      return [comparablePath(f), "unreadable"];
    }
  });
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

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
        err(`${s.yellow("  skipped")}  ${e.change.address}: ${e.outcome.message ?? ""}`);
      else if (e.outcome.status === "applied" && e.outcome.message !== undefined)
        err(`  ${s.yellow("note")} ${e.change.address}: ${e.outcome.message}`);
      return;
    }
    if (e.type === "gap") {
      err(`  ${e.lapsed ? s.red(s.bold("CONTROL LAPSED")) : s.yellow("gap")} ${e.change.address}: ${e.message}`);
      return;
    }
    const key = `${e.change.address}|${e.step}`;
    const label = stepLabel(e.change, e.step);
    const what = `${e.change.address}${label ? ` (${label})` : ""}`;
    const [ing, ed] = VERBS[e.step];
    if (e.type === "start") {
      started.set(key, Date.now());
      err(`  ${ing} ${what}...`);
      return;
    }
    const secs = ((Date.now() - (started.get(key) ?? Date.now())) / 1000).toFixed(1);
    if (e.error === undefined) err(`  ${s.green(ed)} ${what} ${s.dim(`[${secs}s]`)}`);
    else err(`  ${s.red("failed")} ${what}: ${e.error}`);
  };
}

/**
 * Applies a plan with progress on stderr, then prints the summary and the ready-to-paste queries on
 * stdout. Throws PartialApplyError when a change failed or verification found a problem.
 */
export async function applyAndReport(
  plan: PlanDocument,
  options: {
    readonly session: AwsSession;
    readonly currentPolicyDigest?: string;
    readonly onEvent?: (e: ProgressEvent) => void;
  },
): Promise<ApplyResult> {
  const passes = passFactory({ ports: (t) => options.session.ports(t) });
  const result = await applyPlan(plan, {
    handlers: handlerFor,
    passes,
    onEvent: options.onEvent ?? progressPrinter(),
    ...(options.currentPolicyDigest !== undefined ? { currentPolicyDigest: options.currentPolicyDigest } : {}),
  });
  const s = stdoutStyle();
  const count = (status: string) => result.outcomes.filter((o) => o.status === status).length;
  const applied = count("applied");
  const failed = count("failed");
  const skipped = count("skipped");
  const line = `Apply ${failed > 0 ? "incomplete" : "complete"}: ${applied} applied, ${failed} failed, ${skipped} skipped.`;
  out("");
  out(failed > 0 ? s.red(s.bold(line)) : s.green(s.bold(line)));
  const queries = renderQueriesText(plan);
  if (failed === 0 && queries !== "") {
    out("");
    out("Query the flow logs in Athena (the rejected flows of the last day):");
    out("");
    out(queries);
  }
  const details = [
    ...result.outcomes
      .filter((o) => o.status === "failed" || (o.status === "skipped" && o.message?.startsWith("skipped:")))
      .map((o) => `${o.address}: ${o.message ?? o.status}`),
    ...result.problems.map((p) => `${p.address}: ${p.message}`),
  ];
  if (failed > 0 || result.outcomes.some((o) => o.status === "skipped" && o.message?.startsWith("skipped:"))) {
    throw new PartialApplyError(
      `apply stopped part-way: ${failed} change${failed === 1 ? "" : "s"} failed; what succeeded stays in place and running cordon apply again continues from there`,
      details,
      result.problems,
    );
  }
  if (result.problems.length > 0) {
    throw new PartialApplyError(
      "apply finished, but AWS does not match the policies afterwards",
      details,
      result.problems,
    );
  }
  return result;
}
