// cordon drift [paths...]: read-only by default. Tells drift (AWS changed outside Cordon since the
// last apply) from pending changes (the policies changed and were never applied), per resource.
// --correct undoes drift only: each drifted resource goes back to the spec Cordon applied; a
// resource with a pending policy change is reported and left alone (it needs a reviewed apply),
// and nothing in an observe-mode section is ever changed. Corrections run under the apply lock
// and are audited like an apply.
// Exit codes: 0 clean (or everything corrected), 2 drift or pending changes left, 1 error.
import { type Command, Option } from "commander";
import type { AwsSession } from "../../aws/config.js";
import { type AppliedRecord, readApplied } from "../../executor/applied.js";
import { classifyDrift, correctable, type DriftItem, type DriftReport } from "../../executor/drift.js";
import { s3ObjectStore } from "../../executor/objects.js";
import { diffRegistry } from "../../executor/pipeline.js";
import { noStateLocationNote, stateLocation } from "../../executor/state-location.js";
import type { DiffResult } from "../../handlers/contract.js";
import { AwsError } from "../../model/errors.js";
import type { PlanDocument } from "../../model/plan.js";
import type { LoadedPolicy } from "../../model/policy.js";
import type { Kind } from "../../model/resource.js";
import { summarize } from "../../planner/plan.js";
import { renderDriftJson, renderDriftMarkdown, renderDriftText } from "../../render/drift.js";
import {
  applyAndReport,
  DEFAULT_POLICY_PATH,
  makePlan,
  type PlanCommandRun,
  policyPaths,
  progressPrinter,
  todayOption,
} from "../engine.js";
import { appendStepSummary } from "../github.js";
import {
  addLockOptions,
  both,
  cliGuardContext,
  type GuardContext,
  guardSettings,
  type LockOptionValues,
  withApplyGuard,
} from "../guard.js";
import { err, out, stdoutStyle } from "../output.js";
import type { SetExit } from "./set-exit.js";

export const DRIFT_FORMATS = ["text", "json", "markdown"] as const;
export type DriftFormat = (typeof DRIFT_FORMATS)[number];

interface DriftOptions extends LockOptionValues {
  readonly format: DriftFormat;
  readonly correct?: boolean;
  readonly today?: string;
  readonly target?: string[];
}

/** What `classifyDrift` needs to know of the applied records, and the notes on what was not found. */
export interface Records {
  readonly records: Map<string, AppliedRecord | null>;
  /** Targets with nowhere to read a record from (no bucket). */
  readonly unrecorded: Set<string>;
  readonly notes: string[];
}

/** The applied record of every target of the plan (null where there is none yet). */
export async function readRecords(
  plan: PlanDocument,
  policies: readonly LoadedPolicy[],
  session: AwsSession,
  lockBucket: string | undefined,
): Promise<Records> {
  const records = new Map<string, AppliedRecord | null>();
  const unrecorded = new Set<string>();
  const missingBucket: string[] = [];
  await Promise.all(
    plan.targets.map(async (t) => {
      const key = `${t.account}/${t.region}`;
      const target = plan.changes.find((c) => c.target.account === t.account && c.target.region === t.region)?.target;
      if (target === undefined) return;
      const location = stateLocation(target, policies, plan, lockBucket);
      if (location === null) {
        unrecorded.add(key);
        return;
      }
      const store = s3ObjectStore(await session.ports(location.via).s3(), location.bucket);
      try {
        records.set(key, (await readApplied(store, t.account, t.region))?.record ?? null);
      } catch (e) {
        if (!(e instanceof AwsError && e.awsCode === "NoSuchBucket")) throw e;
        records.set(key, null);
        // A flow-log bucket not created yet is no news (everything is pending); a --lock-bucket that is not there is.
        if (lockBucket !== undefined && !location.createdByPlan) missingBucket.push(`${key} (${location.bucket})`);
      }
    }),
  );
  const notes: string[] = [];
  if (unrecorded.size > 0) notes.push(noStateLocationNote([...unrecorded].sort()));
  if (missingBucket.length > 0)
    notes.push(`the --lock-bucket does not exist: no applied record for ${missingBucket.sort().join(", ")}`);
  return { records, unrecorded, notes };
}

const diffLookup = (kind: Kind) =>
  diffRegistry[kind] as unknown as ((desired: unknown, live: unknown) => DiffResult) | undefined;

/** Observes AWS, reads the applied records and classifies every resource. Read-only. */
export async function driftReport(run: PlanCommandRun, lockBucket: string | undefined): Promise<DriftReport> {
  const read = await readRecords(run.plan, run.loaded.policies, run.session, lockBucket);
  return classifyDrift({ plan: run.plan, observed: run.observed, ...read, diff: diffLookup });
}

/** A plan of exactly the given changes (for drift correction). */
export function subPlan(plan: PlanDocument, items: readonly DriftItem[]): PlanDocument {
  const keep = new Set(items.map((i) => i.address));
  const changes = plan.changes.filter((c) => keep.has(c.address));
  return { ...plan, changes, summary: summarize(changes), queries: [], notes: [] };
}

export function register(program: Command, setExit: SetExit): void {
  const command = program
    .command("drift")
    .summary("find drift (changed outside Cordon) and pending policy changes; --correct undoes drift")
    .description(
      "Compare live AWS with what Cordon last applied and with the policies. Drift: AWS changed outside " +
        "Cordon since the last apply. Pending: the policies changed and were never applied. Read-only " +
        "unless --correct, which puts drifted resources back as applied (never pending changes, never " +
        "in observe mode).",
    )
    .argument("[paths...]", `policy files or directories (default: ${DEFAULT_POLICY_PATH})`)
    .addOption(new Option("-f, --format <format>", "output format").choices(DRIFT_FORMATS).default("text"))
    .option("--correct", "undo drift (only drift; respects each section's mode) under the apply lock")
    .option(
      "-t, --target <address>",
      "only this resource address or address prefix; repeatable",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option("--today <date>", "the day (YYYY-MM-DD, UTC) for expiry dates (default: today)")
    .addHelpText(
      "after",
      [
        "",
        "Exit codes: 0 clean, 2 drift or pending changes (left), 1 error.",
        "",
        "What Cordon applied is read from the applied record in the flow-log bucket (cordon/applied/) and",
        "from the cordon:applied tag of taggable resources. Blocking-only policies name no bucket: pass",
        "--lock-bucket NAME (the same as to apply), or drift cannot be told from pending for untagged",
        "resources such as NACL entries.",
        "",
        "Examples:",
        "  $ cordon drift",
        "  $ cordon drift policies/ --format json",
        "  $ cordon drift --correct --lock-timeout 5m",
      ].join("\n"),
    );
  addLockOptions(command).action(async (paths: string[], options: DriftOptions) => {
    const today = todayOption(options.today);
    const run = await makePlan(policyPaths(paths), {
      today,
      ...(options.target !== undefined ? { only: options.target } : {}),
    });
    const report = await driftReport(run, options.lockBucket);
    const render = (r: DriftReport) =>
      options.format === "json"
        ? renderDriftJson(r)
        : options.format === "markdown"
          ? renderDriftMarkdown(r)
          : renderDriftText(r, stdoutStyle());
    out(render(report));
    appendStepSummary(renderDriftMarkdown(report));
    if (options.correct !== true) {
      setExit(report.items.length > 0 ? 2 : 0);
      return;
    }
    const { fix, left } = correctable(report);
    if (fix.length > 0) {
      const plan = subPlan(run.plan, fix);
      err(`Correcting ${fix.length} drifted resource${fix.length === 1 ? "" : "s"}:`);
      const ctx: GuardContext = {
        ...cliGuardContext(run.session, run.loaded.policies, guardSettings(options, "drift --correct")),
        warned: new Set(report.notes),
      };
      await withApplyGuard(plan, ctx, (onEvent) =>
        applyAndReport(plan, { session: run.session, onEvent: both(progressPrinter(), onEvent) }),
      );
    }
    for (const i of left) {
      const why =
        i.mode === "observe"
          ? "observe mode: never changed"
          : i.status === "pending"
            ? "pending policy change: needs a reviewed cordon apply"
            : "drifted, but the policies changed too: needs a reviewed cordon apply";
      err(`left alone: ${i.address} (${why})`);
    }
    setExit(left.length > 0 ? 2 : 0);
  });
}
