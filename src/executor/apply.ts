// The executor: applies a PlanDocument.
//
// 1. Refuses a plan whose policyDigest differs from the current policies, and a stale plan: every
//    change's resource is observed again and must still have the fingerprint the plan recorded.
// 2. Executes in two phases. Forward: create / update / the create half of create-then-delete /
//    delete-then-create, in dependency order (a change starts once everything it depends on has
//    finished). Backward: deletes and the delete half of create-then-delete, in reverse dependency
//    order (a resource is deleted only after everything that depends on it). Independent changes
//    run concurrently; after a failure they continue, but dependents are skipped, and the old half
//    of a replacement is never deleted unless the new one was created (no gap in a security control).
// 3. Skips observe-mode changes, deletions in no-delete mode and no-op changes.
// 4. Verifies: observes every applied resource again and diffs it, and asks each handler's health
//    check (flow log delivery FAILED, with AWS's message).
// The executor reads only action, address, kind, target, mode, after, observedFingerprint,
// dependsOn and adopting (which lets a handler change what was not Cordon's) of each change;
// display fields (reason, impact) never drive it.
import { isRetryable } from "../aws/errors.js";
import { type Handler, SideBySideRefusedError } from "../handlers/contract.js";
import type { Action, Change, Outcome } from "../model/change.js";
import { StalePlanError } from "../model/errors.js";
import type { PlanDocument } from "../model/plan.js";
import { ABSENT_FINGERPRINT, type Address, type Observation } from "../model/resource.js";
import { fingerprintOf, type HandlerLookup, type PassFactory, requireHandler, resourceOf } from "./observe.js";
import { DEFAULT_RETRY, type RetryOptions, withRetry } from "./retry.js";

export type Step = "create" | "update" | "delete";

export type ProgressEvent =
  | { readonly type: "start"; readonly change: Change; readonly step: Step }
  | { readonly type: "end"; readonly change: Change; readonly step: Step; readonly error?: string }
  /**
   * A create-then-delete fell back to delete-then-create (AWS refused the new resource beside the
   * old one): the control is absent from the delete until the create. `lapsed`: the create failed
   * after the delete, the control stays absent.
   */
  | { readonly type: "gap"; readonly change: Change; readonly message: string; readonly lapsed: boolean }
  | { readonly type: "outcome"; readonly change: Change; readonly outcome: Outcome };

export interface ApplyOptions {
  readonly handlers: HandlerLookup;
  readonly passes: PassFactory;
  /** Digest of the policies as they are now; omitted = not checked (the caller planned just now). */
  readonly currentPolicyDigest?: string;
  readonly onEvent?: (event: ProgressEvent) => void;
  readonly retry?: RetryOptions;
  /**
   * Changes in flight at once. Default 32; the SDK's adaptive retry mode slows down when AWS
   * throttles. Steps a handler batches (Handler.batched: flow-log creations and deletions) are not
   * counted: every ready one starts at once, so that one CreateFlowLogs call carries up to 1,000
   * VPCs (5,000 VPCs in a region: 5 calls).
   */
  readonly concurrency?: number;
  readonly clock?: () => number;
}

export interface VerifyProblem {
  readonly address: Address;
  readonly message: string;
}

export interface ApplyResult {
  /** One per change that is not a no-op, in plan order. */
  readonly outcomes: readonly Outcome[];
  readonly problems: readonly VerifyProblem[];
}

/** Observes every change's resource again and throws StalePlanError when any has changed since the plan. */
export async function checkFresh(
  plan: PlanDocument,
  handlers: HandlerLookup,
  passes: PassFactory,
  retry: RetryOptions = DEFAULT_RETRY,
): Promise<Map<Address, Observation>> {
  const contextFor = passes();
  const observed = new Map<Address, Observation>();
  await Promise.all(
    plan.changes.map(async (c) => {
      const h = requireHandler(handlers, c.kind);
      observed.set(c.address, await withRetry(() => h.observe(contextFor(c.target), resourceOf(c)), retry));
    }),
  );
  const stale = plan.changes
    .filter((c) => fingerprintOf(observed.get(c.address)!) !== c.observedFingerprint)
    .map((c) => {
      const now = observed.get(c.address)!;
      return `${c.address}: ${describeStale(c, now)}`;
    });
  if (stale.length > 0) {
    throw new StalePlanError(
      `the plan is stale: ${stale.length} resource${stale.length === 1 ? "" : "s"} changed in AWS since it was made; run cordon plan again`,
      stale,
    );
  }
  return observed;
}

function describeStale(c: Change, now: Observation): string {
  if (!now.exists) return "no longer exists";
  if (c.observedFingerprint === ABSENT_FINGERPRINT) return "did not exist when planned, exists now";
  return "changed since the plan was made";
}

interface Node {
  readonly change: Change;
  readonly handler: Handler;
  readonly forward: Step | null;
  readonly backward: boolean;
}

const forwardStep = (a: Action): Step | null =>
  a === "create" || a === "create-then-delete" || a === "delete-then-create"
    ? "create"
    : a === "update"
      ? "update"
      : null;

/** Applies `plan`. Throws StalePlanError before changing anything; otherwise reports per-change outcomes. */
export async function applyPlan(plan: PlanDocument, options: ApplyOptions): Promise<ApplyResult> {
  const retry = options.retry ?? DEFAULT_RETRY;
  const emit = options.onEvent ?? (() => {});
  const clock = options.clock ?? (() => Date.now());
  if (options.currentPolicyDigest !== undefined && options.currentPolicyDigest !== plan.policyDigest) {
    throw new StalePlanError("the policies changed since the plan was made; run cordon plan again", [
      `plan: ${plan.policyDigest}`,
      `now:  ${options.currentPolicyDigest}`,
    ]);
  }
  const live = await checkFresh(plan, options.handlers, options.passes, retry);

  const outcomes = new Map<Address, Outcome>();
  const started = new Map<Address, number>();
  const nodes = new Map<Address, Node>();
  for (const c of plan.changes) {
    if (c.action === "no-op") continue;
    if (c.mode === "observe") {
      outcomes.set(c.address, skipped(c, "observe mode: reported, not applied"));
      continue;
    }
    if (c.mode === "no-delete" && c.action === "delete") {
      outcomes.set(c.address, skipped(c, "no-delete mode: not deleted"));
      continue;
    }
    const handler = requireHandler(options.handlers, c.kind);
    nodes.set(c.address, {
      change: c,
      handler,
      forward: forwardStep(c.action),
      backward: c.action === "delete" || c.action === "create-then-delete",
    });
  }

  // Dependencies restricted to changes being executed; "dependents" is the reverse relation.
  const deps = new Map<Address, Address[]>();
  const dependents = new Map<Address, Address[]>();
  for (const [addr, n] of nodes) {
    const ds = n.change.dependsOn.filter((d) => nodes.has(d));
    deps.set(addr, ds);
    for (const d of ds) {
      const list = dependents.get(d);
      if (list === undefined) dependents.set(d, [addr]);
      else list.push(addr);
    }
  }
  /** A step its handler batches (Handler.batched): started without the concurrency limit. */
  const batched = (addr: Address, step: Step | null): boolean =>
    step !== null && step !== "update" && nodes.get(addr)?.handler.batched?.includes(step) === true;

  const failed = new Set<Address>();
  const errors = new Map<Address, string>();
  /** Replacements done by delete-then-create after AWS refused the new one beside the old: what happened. */
  const replacedInPlace = new Map<Address, string>();
  const contextFor = options.passes();

  /**
   * The fallback of a create-then-delete whose create AWS refused because the old resource holds
   * its place (SideBySideRefusedError naming it): delete the old one, then create the new one at
   * once, nothing else of this change in between. A failed create is retried immediately, then
   * with the usual backoff; if it still fails the control has lapsed and the outcome says so.
   */
  const deleteThenCreateNow = async (
    n: Node,
    current: Observation & { exists: true },
    refusal: SideBySideRefusedError,
  ): Promise<void> => {
    const c = n.change;
    const ctx = contextFor(c.target);
    const desired = resourceOf(c);
    const old = current.meta.id ?? refusal.existingId;
    emit({
      type: "gap",
      change: c,
      lapsed: false,
      message: `${refusal.detail}; deleting ${old} and creating its replacement at once (no control in between)`,
    });
    await withRetry(() => n.handler.delete(ctx, c.address, current), retry);
    const deletedAt = clock();
    // Retried at once; then, like withRetry, throttling and 5xx with backoff, and also a refusal
    // still naming the deleted one (AWS may not see the delete yet).
    const again = (e: unknown) =>
      isRetryable(e) || (e instanceof SideBySideRefusedError && e.existingId === refusal.existingId);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await n.handler.create(ctx, desired);
          break;
        } catch (e) {
          if (attempt > 1 && (attempt > retry.attempts || !again(e))) throw e;
          if (attempt > 1) await pause(retry, attempt - 1);
        }
      }
    } catch (e) {
      const lapse = `${old} was deleted (AWS refused its replacement beside it) and creating the replacement failed: ${e instanceof Error ? e.message : String(e)}; nothing covers it until cordon apply succeeds`;
      emit({ type: "gap", change: c, lapsed: true, message: lapse });
      const message = `CONTROL LAPSED: ${lapse}`;
      replacedInPlace.set(c.address, message);
      throw new LapsedError(message);
    }
    const gapMs = clock() - deletedAt;
    replacedInPlace.set(
      c.address,
      `replaced by delete-then-create: AWS refused a second one beside ${old}; it was deleted and the replacement created at once (absent for ${gapMs} ms)`,
    );
  };

  const runStep = async (n: Node, step: Step): Promise<void> => {
    const c = n.change;
    if (!started.has(c.address)) started.set(c.address, clock());
    emit({ type: "start", change: c, step });
    const ctx = contextFor(c.target);
    const desired = resourceOf(c);
    const current = live.get(c.address);
    try {
      try {
        await withRetry(async () => {
          switch (step) {
            case "create":
              if (c.action === "delete-then-create" && current?.exists) await n.handler.delete(ctx, c.address, current);
              await n.handler.create(ctx, desired);
              return;
            case "update":
              if (!current?.exists) {
                await n.handler.create(ctx, desired);
                return;
              }
              await n.handler.update(ctx, desired, current);
              return;
            case "delete":
              if (current?.exists) await n.handler.delete(ctx, c.address, current);
              return;
          }
        }, retry);
      } catch (e) {
        const refusedBesideOld =
          step === "create" &&
          c.action === "create-then-delete" &&
          current?.exists === true &&
          e instanceof SideBySideRefusedError &&
          e.existingId === current.meta.id;
        if (!refusedBesideOld) throw e;
        await deleteThenCreateNow(n, current, e);
      }
      emit({ type: "end", change: c, step });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      failed.add(c.address);
      const prefix =
        step === "delete" && c.action === "create-then-delete"
          ? "the new one was created; deleting the old one failed: "
          : "";
      errors.set(c.address, prefix + message);
      emit({ type: "end", change: c, step, error: message });
    }
  };

  const concurrency = Math.max(1, options.concurrency ?? 32);

  // Forward phase.
  const forward = [...nodes.values()].filter((n) => n.forward !== null);
  const blockedForward = new Map<Address, string>();
  await schedule(
    forward.map((n) => n.change.address),
    (a) => deps.get(a) ?? [],
    concurrency,
    (a) => batched(a, nodes.get(a)?.forward ?? null),
    async (addr) => {
      const n = nodes.get(addr)!;
      const bad = (deps.get(addr) ?? []).find((d) => failed.has(d) || blockedForward.has(d));
      if (bad !== undefined) {
        blockedForward.set(addr, `skipped: depends on ${bad}, which was not applied`);
        return;
      }
      await runStep(n, n.forward!);
    },
  );

  // Backward phase.
  const backward = [...nodes.values()].filter((n) => n.backward);
  const blockedBackward = new Map<Address, string>();
  await schedule(
    backward.map((n) => n.change.address),
    (a) => (dependents.get(a) ?? []).filter((d) => nodes.get(d)?.backward === true),
    concurrency,
    (a) => batched(a, "delete"),
    async (addr) => {
      const n = nodes.get(addr)!;
      if (blockedForward.has(addr) || failed.has(addr)) return; // the new half of a replacement is not in place
      if (replacedInPlace.has(addr)) return; // the old one went before the new one was created
      const bad = (dependents.get(addr) ?? []).find(
        (d) => failed.has(d) || blockedForward.has(d) || blockedBackward.has(d),
      );
      if (bad !== undefined) {
        blockedBackward.set(addr, `skipped: ${bad} depends on it and was not applied`);
        return;
      }
      await runStep(n, "delete");
    },
  );

  for (const [addr, n] of nodes) {
    const c = n.change;
    const durationMs = started.has(addr) ? clock() - started.get(addr)! : 0;
    const reason = errors.get(addr) ?? blockedForward.get(addr) ?? blockedBackward.get(addr);
    const outcome: Outcome = errors.has(addr)
      ? { address: addr, action: c.action, status: "failed", message: reason!, durationMs }
      : reason !== undefined
        ? { address: addr, action: c.action, status: "skipped", message: reason, durationMs }
        : replacedInPlace.has(addr)
          ? { address: addr, action: c.action, status: "applied", message: replacedInPlace.get(addr)!, durationMs }
          : { address: addr, action: c.action, status: "applied", durationMs };
    outcomes.set(addr, outcome);
  }
  const ordered: Outcome[] = [];
  for (const c of plan.changes) {
    const o = outcomes.get(c.address);
    if (o === undefined) continue;
    ordered.push(o);
    emit({ type: "outcome", change: c, outcome: o });
  }

  const problems = await verify(plan, ordered, options.handlers, options.passes, retry);
  return { outcomes: ordered, problems };
}

/** The backoff of withRetry before retry number `n` (1-based). */
function pause(options: RetryOptions, n: number): Promise<void> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (n - 1));
  return sleep(Math.floor((options.random ?? Math.random)() * cap));
}

/** The create after a fallback delete failed: the message already says everything. */
class LapsedError extends Error {}

function skipped(c: Change, message: string): Outcome {
  return { address: c.address, action: c.action, status: "skipped", message, durationMs: 0 };
}

/**
 * Runs `run(item)` for every item once all its `after(item)` predecessors (among `items`) have
 * finished, at most `limit` at a time, except items `unlimited` says a handler batches: those start
 * as soon as they are ready, all together, so that their calls share batch requests. Predecessors
 * outside `items` are ignored.
 */
async function schedule(
  items: readonly Address[],
  after: (a: Address) => readonly Address[],
  limit: number,
  unlimited: (a: Address) => boolean,
  run: (a: Address) => Promise<void>,
): Promise<void> {
  const inSet = new Set(items);
  const waiting = new Map<Address, Set<Address>>();
  const next = new Map<Address, Address[]>();
  for (const a of items) {
    const preds = new Set(after(a).filter((p) => inSet.has(p) && p !== a));
    waiting.set(a, preds);
    for (const p of preds) {
      const list = next.get(p);
      if (list === undefined) next.set(p, [a]);
      else list.push(a);
    }
  }
  // FIFO queues read from a head index (no shift: O(1) per item).
  const ready: Address[] = [];
  let head = 0;
  const free: Address[] = [];
  const enqueue = (a: Address): void => {
    if (unlimited(a)) free.push(a);
    else ready.push(a);
  };
  for (const a of items) if (waiting.get(a)!.size === 0) enqueue(a);
  let limited = 0;
  let running = 0;
  let done = 0;
  await new Promise<void>((resolve, reject) => {
    const start = (a: Address, counted: boolean): void => {
      running++;
      if (counted) limited++;
      run(a).then(
        () => {
          running--;
          if (counted) limited--;
          done++;
          for (const n of next.get(a) ?? []) {
            const w = waiting.get(n)!;
            w.delete(a);
            if (w.size === 0) enqueue(n);
          }
          pump();
        },
        (e: unknown) => reject(e),
      );
    };
    const pump = (): void => {
      if (done === items.length) {
        resolve();
        return;
      }
      if (running === 0 && head === ready.length && free.length === 0) {
        reject(new Error(`dependency cycle among: ${items.filter((a) => waiting.get(a)!.size > 0).join(", ")}`));
        return;
      }
      for (const a of free.splice(0)) start(a, false);
      while (limited < limit && head < ready.length) start(ready[head++]!, true);
    };
    pump();
  });
}

/** Observes every applied resource again: it must match its desired spec (or be gone) and be healthy. */
export async function verify(
  plan: PlanDocument,
  outcomes: readonly Outcome[],
  handlers: HandlerLookup,
  passes: PassFactory,
  retry: RetryOptions = DEFAULT_RETRY,
): Promise<VerifyProblem[]> {
  const applied = new Set(outcomes.filter((o) => o.status === "applied").map((o) => o.address));
  const contextFor = passes();
  const checks = plan.changes.filter((c) => applied.has(c.address) || (c.action === "no-op" && c.after !== null));
  const problems = await Promise.all(
    checks.map(async (c): Promise<VerifyProblem[]> => {
      const h = requireHandler(handlers, c.kind);
      const obs = await withRetry(() => h.observe(contextFor(c.target), resourceOf(c)), retry);
      const out: VerifyProblem[] = [];
      if (c.after === null) {
        if (obs.exists) out.push({ address: c.address, message: "still exists after its deletion" });
        return out;
      }
      if (!obs.exists) {
        out.push({ address: c.address, message: "does not exist after apply" });
        return out;
      }
      if (applied.has(c.address)) {
        const d = h.diff(c.after, obs.live);
        if (d.fields.length > 0) {
          out.push({
            address: c.address,
            message: `still differs after apply: ${d.fields.map((f) => f.path).join(", ")}`,
          });
        }
      }
      const health = h.health?.(obs) ?? null;
      if (health !== null) out.push({ address: c.address, message: health });
      return out;
    }),
  );
  return problems.flat();
}
