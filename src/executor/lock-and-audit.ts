// The locks and records around a run that changes AWS, in this order: locks taken (sorted by key,
// so two runs never deadlock) → the apply runs → applied records updated → audit record written →
// locks released; the last three also on failure, and on SIGINT/SIGTERM when `handleSignals` is
// set (the process then exits 130/143). Only the reconcile (src/executor/reconcile.ts) uses it.
import type { AwsSession } from "../aws/config.js";
import { classify } from "../aws/errors.js";
import { formatDuration } from "../domain/duration.js";
import { lockKey } from "../domain/record-keys.js";
import type { Outcome } from "../model/change.js";
import { isExecutable } from "../model/change.js";
import { AwsError, CordonError, PartialApplyError } from "../model/errors.js";
import type { PlanDocument } from "../model/plan.js";
import type { LoadedPolicy } from "../model/policy.js";
import type { TargetRef } from "../model/resource.js";
import { writeApplied } from "./applied.js";
import type { ProgressEvent } from "./apply.js";
import { auditLine, auditRecord, newAuditId, planDigest, writeAudit } from "./audit.js";
import { type Actor, acquireLock, currentActor, describeHolder, type HeldLock, parseLock } from "./lock.js";
import { type ObjectStore, s3ObjectStore } from "./objects.js";
import { noStateLocationNote, type StateLocation, stateLocation } from "./state-location.js";

/** How a run that changes AWS takes its lock and where it keeps its records. */
export interface ReconcileSettings {
  /** false = no lock (--no-lock): audit and applied records are still written. */
  readonly lock: boolean;
  readonly lockBucket?: string;
  readonly lockTtlMs: number;
  readonly lockTimeoutMs: number;
  /** "apply", "drift --correct", "watch": recorded in the lock and the audit record. */
  readonly command: string;
}

export interface ReconcileContext {
  readonly session: AwsSession;
  readonly settings: ReconcileSettings;
  /** Recorded in the audit record. */
  readonly cordonVersion: string;
  /** Lines for people (waiting for a lock, warnings): stderr in the CLI, the log in watch. */
  readonly log: (line: string) => void;
  /** The audit one-liner (stdout in the CLI). */
  readonly report: (line: string) => void;
  readonly handleSignals?: boolean;
  readonly actor?: Actor;
  /**
   * Warnings already given (a long-running watch, or drift that showed its note): the reconcile
   * never repeats one of these and adds its own.
   */
  readonly warned?: Set<string>;
}

/** A reconcile context with the policies whose targets are locked and recorded. */
export interface LockContext extends ReconcileContext {
  readonly policies: readonly LoadedPolicy[];
}

interface Place {
  readonly target: TargetRef;
  readonly location: StateLocation;
  readonly store: ObjectStore;
}

const keyOf = (t: Pick<TargetRef, "account" | "region">) => `${t.account}/${t.region}`;

async function placesFor(plan: PlanDocument, ctx: LockContext): Promise<{ places: Place[]; missing: string[] }> {
  const targets = new Map<string, TargetRef>();
  for (const c of plan.changes) if (!targets.has(keyOf(c.target))) targets.set(keyOf(c.target), c.target);
  const places: Place[] = [];
  const missing: string[] = [];
  for (const t of [...targets.values()].sort((a, b) => keyOf(a).localeCompare(keyOf(b)))) {
    const location = stateLocation(t, ctx.policies, plan, ctx.settings.lockBucket);
    if (location === null) {
      missing.push(keyOf(t));
      continue;
    }
    const store = s3ObjectStore(await ctx.session.ports(location.via).s3(), location.bucket);
    places.push({ target: t, location, store });
  }
  return { places, missing };
}

const isNoSuchBucket = (e: unknown) => e instanceof AwsError && e.awsCode === "NoSuchBucket";

/**
 * For a run that changes nothing and so takes no lock: reads (never writes) the lock object of
 * every target of the plan that has a state location and warns, through `ctx.log`, when one is
 * there — expired (a holder that died: who, since when, how long ago, and the force-unlock
 * command) or live (someone else is applying to that target right now). A lock that cannot be
 * read is warned about too; nothing here fails the run.
 */
export async function warnAboutLocks(plan: PlanDocument, ctx: LockContext): Promise<void> {
  let places: Place[];
  try {
    places = (await placesFor(plan, ctx)).places;
  } catch (e) {
    ctx.log(`warning: could not check the apply locks: ${(e as Error).message}`);
    return;
  }
  const now = Date.now();
  for (const p of places) {
    const key = lockKey(p.target.account, p.target.region);
    const where = `${p.store.where}/${key}`;
    let current: Awaited<ReturnType<ObjectStore["get"]>>;
    try {
      current = await p.store.get(key);
    } catch (e) {
      if (isNoSuchBucket(e)) continue; // no bucket, no lock
      ctx.log(`warning: could not read the lock ${where}: ${(e as Error).message}`);
      continue;
    }
    if (current === null) continue;
    const holder = parseLock(current.text);
    if (holder === null) {
      ctx.log(
        `warning: stale lock ${where}: the object is not a Cordon lock (unreadable), so the next apply will take it over`,
      );
      continue;
    }
    const expiresAt = Date.parse(holder.expiresAt);
    const age = formatDuration(Math.max(0, now - Date.parse(holder.createdAt)));
    if (Number.isNaN(expiresAt) || expiresAt <= now) {
      ctx.log(
        `warning: stale lock ${where} of ${keyOf(p.target)}: held by ${describeHolder(holder)} (taken ${age} ago); that run ended without releasing it. If it is gone, remove the lock: cordon force-unlock ${holder.id}`,
      );
    } else {
      ctx.log(
        `warning: the lock ${where} of ${keyOf(p.target)} is held: someone else is applying right now (${describeHolder(holder)}, taken ${age} ago); this plan may be out of date once they finish`,
      );
    }
  }
}

export interface Recorded<T> {
  readonly value: T;
  readonly auditLine: string;
}

/**
 * Runs `run` under the locks of every target the plan changes, then records what was applied and
 * the audit record, and releases the locks. `run` receives the progress listener it must pass to
 * the executor (the outcomes are collected from it).
 */
export async function withLockAndAudit<T>(
  plan: PlanDocument,
  ctx: LockContext,
  run: (onEvent: (e: ProgressEvent) => void) => Promise<T>,
): Promise<Recorded<T>> {
  const actor = ctx.actor ?? currentActor();
  const startedAt = new Date();
  const id = newAuditId();
  const digest = planDigest(plan);
  const { places, missing } = await placesFor(plan, ctx);
  if (missing.length > 0) {
    // Blocking-only policies name no bucket: they still apply, but unprotected and unaudited.
    const note = noStateLocationNote(missing);
    if (ctx.warned?.has(note) !== true) ctx.log(`warning: ${note}`);
    ctx.warned?.add(note);
  }
  const changed = new Set(plan.changes.filter((c) => isExecutable(c)).map((c) => keyOf(c.target)));
  if (changed.size === 0) await warnAboutLocks(plan, ctx); // no lock is taken: still say when one is there
  const locks: HeldLock[] = [];
  const outcomes: Outcome[] = [];
  let interrupted = false;
  let finished: Promise<string> | undefined;
  /** Record and lock writes AWS refused for lack of permission: the run fails after it is recorded. */
  const refused: string[] = [];

  const finish = (error: unknown): Promise<string> => {
    finished ??= (async () => {
      const notes: string[] = [];
      for (const p of places) {
        try {
          await writeApplied(p.store, plan, outcomes, p.target);
        } catch (e) {
          notes.push(`could not update the applied record in ${p.store.where}: ${(e as Error).message}`);
          if (classify(e) === "access-denied") refused.push(notes.at(-1) as string);
        }
      }
      const record = auditRecord({
        id,
        command: ctx.settings.command,
        actor,
        callers: callersOf(plan, ctx.session),
        cordonVersion: ctx.cordonVersion,
        startedAt,
        finishedAt: new Date(),
        plan,
        outcomes,
        problems: error instanceof PartialApplyError ? error.problems : [],
        ...(error !== undefined ? { error: messageOf(error) } : {}),
        interrupted,
        locks: locks.map((l) => l.info.id),
      });
      const written: string[] = [];
      const stores = new Map(places.map((p) => [p.store.where, p.store]));
      for (const store of stores.values()) {
        try {
          written.push(await writeAudit(store, record));
        } catch (e) {
          notes.push(`could not write the audit record to ${store.where}: ${(e as Error).message}`);
          if (classify(e) === "access-denied") refused.push(notes.at(-1) as string);
        }
      }
      for (const l of locks.reverse()) {
        try {
          await l.release();
        } catch (e) {
          notes.push(`could not release the lock ${l.where} (ID ${l.info.id}): ${(e as Error).message}`);
          if (classify(e) === "access-denied") refused.push(notes.at(-1) as string);
        }
      }
      for (const n of notes) ctx.log(`warning: ${n}`);
      return auditLine(record, written);
    })();
    return finished;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    ctx.log(`${signal} received: releasing the locks and writing the audit record before exiting`);
    void finish(new Error(`interrupted by ${signal}`)).then(
      (line) => {
        ctx.report(line);
        process.exit(signal === "SIGINT" ? 130 : 143);
      },
      () => process.exit(1),
    );
  };

  try {
    if (ctx.settings.lock) {
      const byKey = new Map<string, Place>();
      for (const p of places) {
        if (!changed.has(keyOf(p.target))) continue;
        byKey.set(`${p.store.where}/${lockKey(p.target.account, p.target.region)}`, p);
      }
      for (const k of [...byKey.keys()].sort()) {
        const p = byKey.get(k) as Place;
        try {
          locks.push(
            await acquireLock({
              store: p.store,
              key: lockKey(p.target.account, p.target.region),
              actor,
              command: ctx.settings.command,
              planDigest: digest,
              targets: [...changed].sort(),
              ttlMs: ctx.settings.lockTtlMs,
              timeoutMs: ctx.settings.lockTimeoutMs,
              onWait: (h) =>
                ctx.log(
                  `waiting up to ${formatDuration(ctx.settings.lockTimeoutMs)} for the lock ${p.store.where}/${lockKey(p.target.account, p.target.region)}, held by ${h === null ? "an unknown holder" : describeHolder(h)}`,
                ),
              onLost: (e) =>
                ctx.log(
                  `warning: the lock ${p.store.where}/${lockKey(p.target.account, p.target.region)} was broken by someone else while held (${(e as Error).message})`,
                ),
              onTakeover: (h) => ctx.log(`took over an expired lock${h === null ? "" : ` of ${describeHolder(h)}`}`),
            }),
          );
        } catch (e) {
          if (isNoSuchBucket(e) && p.location.createdByPlan) {
            ctx.log(
              `warning: no lock for ${keyOf(p.target)}: the bucket ${p.location.bucket} does not exist yet (this apply creates it)`,
            );
            continue;
          }
          throw e;
        }
      }
    }
  } catch (e) {
    for (const l of locks.reverse()) await l.release().catch(() => {});
    throw e;
  }

  if (ctx.handleSignals === true) {
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  }
  try {
    const value = await run((e) => {
      if (e.type === "outcome") outcomes.push(e.outcome);
    });
    const line = await finish(undefined);
    ctx.report(line);
    if (refused.length > 0) {
      // The changes are made, but a record is missing or a lock is left behind: the credentials
      // lack a permission the next run needs too; say so with a failing exit, not only a warning.
      throw new CordonError(
        "AWS",
        `the changes were applied, but AWS refused Cordon's own records: ${refused.join("; ")}`,
      );
    }
    return { value, auditLine: line };
  } catch (e) {
    if (!interrupted && finished === undefined) ctx.report(await finish(e));
    throw e;
  } finally {
    if (ctx.handleSignals === true) {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  }
}

/**
 * The caller ARNs STS GetCallerIdentity answered for the plan's targets during the identity check
 * (an assumed role's ARN carries the session name: command, run and actor), sorted and distinct.
 */
function callersOf(plan: PlanDocument, session: AwsSession): string[] {
  const arns = plan.targets.flatMap((t) => {
    const arn = session.callerOf(t);
    return arn !== undefined ? [arn] : [];
  });
  return [...new Set(arns)].sort();
}

function messageOf(e: unknown): string {
  if (e instanceof CordonError) return [e.message, ...e.details].join("\n");
  return e instanceof Error ? e.message : String(e);
}
