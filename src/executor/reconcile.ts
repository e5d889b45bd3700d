// The reconcile: the one sequence every command that changes AWS runs (cordon apply with and
// without a plan file, drift --correct, watch):
//   load → observe → plan → choose what to apply (the plan; the saved plan, which must equal the
//   plan made now; or the drift a report lets be corrected) → locks taken (sorted by key, so two
//   runs never deadlock) → apply → verify → applied records updated → audit record written →
//   locks released.
// The last three also run on failure, and on SIGINT/SIGTERM when `handleSignals` is set (the
// process then exits 130/143 once the locks are released and the audit record is written); the
// locks and records are src/executor/lock-and-audit.ts.
// Callers parse options and render: what people see goes through the context's `log` and
// `report` and through the hooks; nothing here writes to stdout or stderr itself.
import type { AwsSession } from "../aws/config.js";
import { handlerFor } from "../handlers/registry.js";
import type { DiffResult, Outcome } from "../model/change.js";
import { isExecutable } from "../model/change.js";
import type { DriftItem, DriftReport } from "../model/drift.js";
import { AwsError, PartialApplyError, StalePlanError } from "../model/errors.js";
import { isEmptyPlan, type PlanDocument } from "../model/plan.js";
import type { LoadedPolicy } from "../model/policy.js";
import type { Kind } from "../model/resource.js";
import { comparePlans, type PlanDifference } from "../planner/compare.js";
import { summarize } from "../planner/plan.js";
import { type AppliedRecord, readApplied } from "./applied.js";
import { type ApplyResult, applyPlan, type ProgressEvent } from "./apply.js";
import { classifyDrift, correctable } from "./drift.js";
import { type LockContext, type ReconcileContext, warnAboutLocks, withLockAndAudit } from "./lock-and-audit.js";
import { s3ObjectStore } from "./objects.js";
import { passFactory } from "./observe.js";
import { diffRegistry, type Loaded, PolicyErrorWithDiagnostics, planPolicies } from "./pipeline.js";
import { comparablePath, type LoadedPlanRun, planLoadedPolicies } from "./plan-run.js";
import { noStateLocationNote, stateLocation } from "./state-location.js";

/** What `classifyDrift` needs to know of the applied records, and the notes on what was not found. */
export interface AppliedRecords {
  readonly records: Map<string, AppliedRecord | null>;
  /** Targets with nowhere to read a record from (no bucket). */
  readonly unrecorded: Set<string>;
  readonly notes: string[];
}

/** The applied record of every target of the plan (null where there is none yet). Read-only. */
export async function readAppliedRecords(
  plan: PlanDocument,
  policies: readonly LoadedPolicy[],
  session: AwsSession,
  lockBucket: string | undefined,
): Promise<AppliedRecords> {
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

/** Reads the applied records of a plan run's targets and classifies every resource. Read-only. */
export async function driftReport(run: LoadedPlanRun, lockBucket: string | undefined): Promise<DriftReport> {
  const read = await readAppliedRecords(run.plan, run.loaded.policies, run.session, lockBucket);
  return classifyDrift({ plan: run.plan, observed: run.observed, ...read, diff: diffLookup, expiry: run.expiry });
}

/** A plan of exactly the given changes (for drift correction). */
export function subPlan(plan: PlanDocument, items: readonly DriftItem[]): PlanDocument {
  const keep = new Set(items.map((i) => i.address));
  const changes = plan.changes.filter((c) => keep.has(c.address));
  return { ...plan, changes, summary: summarize(changes), queries: [], notes: [] };
}

/** The refusal of a saved plan that differs from the plan made now, naming every difference. */
export function differsError(file: string, differences: readonly PlanDifference[]): StalePlanError {
  const stale = differences.filter((d) => d.stale).length;
  const n = differences.length;
  const headline =
    stale > 0
      ? `the plan is stale: ${stale} resource${stale === 1 ? "" : "s"} changed in AWS since it was made; nothing was applied; run cordon plan again`
      : `${file} is not the plan Cordon makes now from the same policies and AWS (${n} difference${n === 1 ? "" : "s"}): it was edited after it was made, or made by another Cordon version; nothing was applied`;
  return new StalePlanError(headline, [
    ...differences.map((d) => `${d.address}: ${d.how}`),
    "a saved plan is applied only when the plan made now equals it field for field; make and review the plan again: cordon plan --out plan.json",
  ]);
}

/**
 * How an incomplete apply is reported (and recorded in the audit record): "apply" (cordon apply,
 * drift --correct, demo: every failed or skipped change and verification problem named, the
 * problems recorded) or "correction" (watch: the count of failures and the verification problems).
 */
export type IncompleteWording = "apply" | "correction";

export interface ExecuteOptions {
  readonly session: AwsSession;
  readonly onEvent?: (e: ProgressEvent) => void;
  /** The result of the apply, before an incomplete one is thrown (the CLI prints its summary here). */
  readonly onResult?: (result: ApplyResult, plan: PlanDocument) => void;
  /** Default "apply". */
  readonly wording?: IncompleteWording;
}

/**
 * Applies a plan and verifies it (src/executor/apply.ts), with no lock and no record (the
 * reconcile adds those). Throws StalePlanError before changing anything when the plan is stale,
 * and PartialApplyError when a change failed or verification found a problem.
 */
export async function executePlan(plan: PlanDocument, options: ExecuteOptions): Promise<ApplyResult> {
  const passes = passFactory({ ports: (t) => options.session.ports(t) });
  const result = await applyPlan(plan, {
    handlers: handlerFor,
    passes,
    ...(options.onEvent !== undefined ? { onEvent: options.onEvent } : {}),
  });
  options.onResult?.(result, plan);
  const failed = result.outcomes.filter((o) => o.status === "failed").length;
  if (options.wording === "correction") {
    if (failed > 0 || result.problems.length > 0) {
      throw new PartialApplyError(`correction incomplete: ${failed} failed`, [
        ...result.problems.map((p) => `${p.address}: ${p.message}`),
      ]);
    }
    return result;
  }
  const skippedEarly = (o: Outcome) => o.status === "skipped" && o.message?.startsWith("skipped:") === true;
  const details = [
    ...result.outcomes
      .filter((o) => o.status === "failed" || skippedEarly(o))
      .map((o) => `${o.address}: ${o.message ?? o.status}`),
    ...result.problems.map((p) => `${p.address}: ${p.message}`),
  ];
  if (failed > 0 || result.outcomes.some(skippedEarly)) {
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

/** What the reconcile applies of the plan it makes. */
export type ReconcileMode =
  /**
   * `cordon apply paths`: the plan made now. Nothing to change: no lock, no record, but a stale or
   * held lock is warned about. A plan that went stale while waiting for the lock is made again
   * under it and applied when `replanWhenStale` (--auto-approve), refused otherwise.
   */
  | { readonly kind: "apply"; readonly replanWhenStale: boolean }
  /**
   * `cordon apply plan.json`: the plan made now must equal the saved one field for field (refused,
   * naming the differences, before any lock); under the lock it is made and compared once more,
   * and that plan (never the file's changes) is applied. Audited even when it changes nothing.
   */
  | { readonly kind: "saved"; readonly file: string; readonly saved: PlanDocument }
  /**
   * `drift --correct` and `watch`: the drift the report lets be corrected (never in observe mode;
   * never a pending policy change unless `pending`; with `only: "expired"`, only the removal of
   * entries past their date). Nothing to correct: no lock, no record.
   */
  | { readonly kind: "correct"; readonly pending: boolean; readonly only?: "all" | "expired" };

/** Where callers render: each hook is optional and must not throw. */
export interface ReconcileHooks {
  /** Every plan made (the first, and one made again under the lock), before anything is applied. */
  readonly planned?: (run: LoadedPlanRun) => void | Promise<void>;
  /** The policies (or their desired state) have errors; the error is thrown after this. */
  readonly policyErrors?: (e: PolicyErrorWithDiagnostics) => void;
  /** "correct": the drift report and the items that will be applied. */
  readonly drifted?: (report: DriftReport, act: readonly DriftItem[], run: LoadedPlanRun) => void;
  /** The last step before the lock (the confirmation prompt); false cancels and nothing is applied. */
  readonly beforeLock?: (plan: PlanDocument) => boolean | Promise<boolean>;
  /** Every progress event of the apply. */
  readonly onEvent?: (e: ProgressEvent) => void;
  /** The result of an apply, before an incomplete one is thrown. */
  readonly applied?: (result: ApplyResult, plan: PlanDocument) => void;
}

export interface ReconcileRequest {
  readonly mode: ReconcileMode;
  /** Loads the policies, for each plan made (throws PolicyErrorWithDiagnostics on errors). */
  readonly load: () => Loaded | Promise<Loaded>;
  /** The day (YYYY-MM-DD, UTC) against which expiry dates are judged. */
  readonly today: string;
  /** --target addresses (or prefixes): only those and what they depend on. */
  readonly only?: readonly string[];
  /**
   * The policy paths, to record in the plan with each file's digest (what `apply plan.json`
   * checks); absent: not recorded (watch).
   */
  readonly paths?: readonly string[];
  /** Default "apply". */
  readonly wording?: IncompleteWording;
  readonly hooks?: ReconcileHooks;
}

export type ReconcileResult =
  /** "apply": the plan changes nothing. */
  | { readonly status: "no-changes"; readonly run: LoadedPlanRun }
  /** "correct": nothing the report lets be corrected. */
  | { readonly status: "nothing-to-correct"; readonly run: LoadedPlanRun; readonly report: DriftReport }
  /** `beforeLock` said no. */
  | { readonly status: "cancelled"; readonly run: LoadedPlanRun; readonly report?: DriftReport }
  | {
      readonly status: "applied";
      readonly run: LoadedPlanRun;
      /** What the lock and the audit record name. */
      readonly plan: PlanDocument;
      /** Null: the plan made again under the lock changed nothing. */
      readonly result: ApplyResult | null;
      readonly auditLine: string;
      readonly report?: DriftReport;
    };

/** Load → observe → plan → choose → lock → apply → verify → applied records → audit → unlock. */
export async function reconcile(request: ReconcileRequest, ctx: ReconcileContext): Promise<ReconcileResult> {
  const hooks = request.hooks ?? {};
  const warned = ctx.warned ?? new Set<string>();
  const only = request.only !== undefined && request.only.length > 0 ? { only: request.only } : {};
  const makePlan = async (): Promise<LoadedPlanRun> => {
    try {
      const loaded = await request.load();
      const options = { today: request.today, session: ctx.session, cordonVersion: ctx.cordonVersion, ...only };
      const run: LoadedPlanRun =
        request.paths !== undefined
          ? await planLoadedPolicies(loaded, request.paths, options)
          : { ...(await planPolicies(loaded, options)), loaded, session: ctx.session };
      await hooks.planned?.(run);
      return run;
    } catch (e) {
      if (e instanceof PolicyErrorWithDiagnostics) hooks.policyErrors?.(e);
      throw e;
    }
  };
  const execute = (plan: PlanDocument, onEvent: (e: ProgressEvent) => void) =>
    executePlan(plan, {
      session: ctx.session,
      onEvent: (e) => {
        hooks.onEvent?.(e);
        onEvent(e);
      },
      ...(hooks.applied !== undefined ? { onResult: hooks.applied } : {}),
      ...(request.wording !== undefined ? { wording: request.wording } : {}),
    });
  const lockContext = (run: LoadedPlanRun): LockContext => ({ ...ctx, warned, policies: run.loaded.policies });
  const approved = async (plan: PlanDocument) => hooks.beforeLock === undefined || (await hooks.beforeLock(plan));

  const mode = request.mode;
  switch (mode.kind) {
    case "apply": {
      const run = await makePlan();
      if (isEmptyPlan(run.plan.summary)) {
        // Nothing to lock, but a stale or held lock is still worth a warning.
        await warnAboutLocks(run.plan, lockContext(run));
        return { status: "no-changes", run };
      }
      if (!(await approved(run.plan))) return { status: "cancelled", run };
      const done = await withLockAndAudit(run.plan, lockContext(run), async (onEvent) => {
        try {
          return await execute(run.plan, onEvent);
        } catch (e) {
          // Another run changed AWS while we waited for the lock: plan again under the lock and
          // apply that, when allowed (otherwise the new plan needs a review).
          if (!(e instanceof StalePlanError) || !mode.replanWhenStale) throw e;
          ctx.log("The plan went stale while waiting for the lock (another run changed AWS); planning again.");
          const fresh = await makePlan();
          if (isEmptyPlan(fresh.plan.summary)) return null;
          return await execute(fresh.plan, onEvent);
        }
      });
      return { status: "applied", run, plan: run.plan, result: done.value, auditLine: done.auditLine };
    }
    case "saved": {
      const again = async () => {
        const run = await makePlan();
        const differences = comparePlans(mode.saved, run.plan, { samePath: comparablePath });
        if (differences.length > 0) throw differsError(mode.file, differences);
        // The audit record and the lock name the reviewed file's digest.
        const plan = { ...run.plan, ...(mode.saved.digest !== undefined ? { digest: mode.saved.digest } : {}) };
        return { ...run, plan };
      };
      // Refused here, a plan takes no lock and writes nothing; under the lock the plan is made and
      // compared once more, so no other apply can slip in between the comparison and the changes.
      const checked = await again();
      if (!(await approved(checked.plan))) return { status: "cancelled", run: checked };
      const done = await withLockAndAudit(checked.plan, lockContext(checked), async (onEvent) =>
        execute((await again()).plan, onEvent),
      );
      return { status: "applied", run: checked, plan: checked.plan, result: done.value, auditLine: done.auditLine };
    }
    case "correct": {
      const run = await makePlan();
      const report = await driftReport(run, ctx.settings.lockBucket);
      const act = mode.pending
        ? report.items.filter((i) => i.mode !== "observe" && isExecutable(i.change))
        : correctable(report, mode.only).fix;
      hooks.drifted?.(report, act, run);
      // The report's notes were shown with it: the lock and the records do not repeat them.
      for (const n of report.notes) warned.add(n);
      if (act.length === 0) return { status: "nothing-to-correct", run, report };
      const plan = subPlan(run.plan, act);
      if (!(await approved(plan))) return { status: "cancelled", run, report };
      const done = await withLockAndAudit(plan, lockContext(run), (onEvent) => execute(plan, onEvent));
      return { status: "applied", run, plan, result: done.value, auditLine: done.auditLine, report };
    }
  }
}
