// The effectful shell around the pure planner (docs/architecture.md, "Pure core, effectful shell"), shared by plan, apply and demo:
//   policies → identity check + inventory per target (parallel; the discovery reads start with them)
//   → desired resources → one observation pass (observe + discover, batched per target and service)
//   → plan().
// Read-only: nothing here calls a mutating API.
import type { AwsSession } from "../aws/config.js";
import type { PortCall } from "../aws/iam-calls.js";
import { readBlockingInventory, readInventory } from "../aws/inventory.js";
import type { TargetPorts } from "../aws/ports.js";
import { policyDigest } from "../domain/fingerprint.js";
import { DISCOVERABLE_KINDS, handlerFor, KINDS } from "../handlers/registry.js";
import type { Diagnostic } from "../model/diagnostics.js";
import { AwsError, PolicyError } from "../model/errors.js";
import type { PlanDocument } from "../model/plan.js";
import type { LoadedPolicy } from "../model/policy.js";
import type { Address, DesiredResource, Observation, TargetRef } from "../model/resource.js";
import type { BlockingInventory, Inventory } from "../model/specs.js";
import { type DiffRegistry, plan } from "../planner/plan.js";
import { desiredState } from "../policy/desired/index.js";
import { hasErrors, type LoadedSet, loadAndValidate } from "../policy/index.js";
import { locateDiagnostics } from "../policy/locate.js";
import { policiesOfShard, type Shard } from "../policy/shard.js";
import { checkFirstTouch } from "./adoption.js";
import { blockingNeeds } from "./blocking.js";
import { type ExpiryIndex, expiryIndex } from "./expiry.js";
import { discoverAll, observeAll, type PassFactory, passFactory } from "./observe.js";
import { scopeOwned } from "./ownership.js";
import { DEFAULT_RETRY, type RetryOptions, withRetry } from "./retry.js";

export interface Loaded {
  readonly policies: readonly LoadedPolicy[];
  readonly diagnostics: readonly Diagnostic[];
  readonly digest: string;
  /**
   * The policy set (cordon.yaml) the policies belong to, null when none; `complete` when the whole
   * set was loaded. Absent: no set (callers that build policies in memory).
   */
  readonly set?: LoadedSet | null;
  /** Every policy file read (also those holding no policy), in load order; absent = not known. */
  readonly files?: readonly string[];
  /** --shard: `policies` are this shard's (src/policy/shard.ts); absent = every target. */
  readonly shard?: Shard;
  /**
   * With a shard: every policy loaded, of all shards. Ownership is judged by it, so a resource of a
   * policy planned in another shard is never taken for a removed policy's.
   */
  readonly owners?: readonly LoadedPolicy[];
}

/** Loads and validates the policies (schema and semantic checks); throws PolicyError (with the diagnostics) when any has an error. */
export function loadValidPolicies(paths: readonly string[], today: string, shard?: Shard): Loaded {
  const r = loadAndValidate(paths, { today });
  if (hasErrors(r.diagnostics)) throw new PolicyErrorWithDiagnostics(r.diagnostics, r.files.length);
  const policies = shard === undefined ? r.policies : policiesOfShard(r.policies, shard);
  return {
    policies,
    diagnostics: r.diagnostics,
    digest: policyDigest(policies),
    set: r.set,
    files: r.files,
    ...(shard === undefined ? {} : { shard, owners: r.policies }),
  };
}

/** Policy errors, with the diagnostics for the CLI to render. */
export class PolicyErrorWithDiagnostics extends PolicyError {
  readonly diagnostics: readonly Diagnostic[];
  /** Policy files read; null when the problems were found after loading (desired state). */
  readonly files: number | null;
  constructor(diagnostics: readonly Diagnostic[], files: number | null = null) {
    const n = diagnostics.filter((d) => d.severity === "error").length;
    super(`the policies have ${n} error${n === 1 ? "" : "s"} (listed above); nothing was planned`);
    this.diagnostics = diagnostics;
    this.files = files;
  }
}

export const targetKey = (t: Pick<TargetRef, "account" | "region">): string => `${t.account}/${t.region}`;

/** The distinct targets of a policy set (one per account/region; the first policy's role wins). */
export function targetsOf(policies: readonly LoadedPolicy[]): TargetRef[] {
  const m = new Map<string, TargetRef>();
  for (const { policy } of policies) {
    const t = policy.target;
    if (m.has(targetKey(t))) continue;
    m.set(targetKey(t), {
      account: t.account,
      region: t.region,
      ...(t.roleArn !== undefined ? { roleArn: t.roleArn } : {}),
      ...(t.externalId !== undefined ? { externalId: t.externalId } : {}),
    });
  }
  return [...m.values()].sort((a, b) => targetKey(a).localeCompare(targetKey(b)));
}

/** Every kind's diff (its descriptor's handler), by kind. */
export const diffRegistry: DiffRegistry = Object.fromEntries(
  KINDS.map((d) => [d.kind, d.handler.diff.bind(d.handler)]),
) as DiffRegistry;

/** The identity check of every run (src/aws/iam-calls.ts: it needs no permission). */
export const IDENTITY_CALLS = ["sts.getCallerIdentity"] as const satisfies readonly PortCall[];

/** A run's GetCallerIdentity answers, by account and credentials (checkIdentity). */
type Identities = Map<string, Promise<{ readonly Account?: string | undefined; readonly Arn?: string | undefined }>>;

/**
 * Refuses to work on a target with credentials of another account. One GetCallerIdentity per
 * (account, credentials) of the run: the answer does not depend on the region, so the targets of an
 * account in several regions share it (docs/performance.md, "A third pass"); each target is checked.
 */
async function checkIdentity(
  session: AwsSession,
  target: TargetRef,
  retry: RetryOptions,
  identities: Identities,
): Promise<void> {
  const key = `${target.account}|${session.credentialsKey(target)}`;
  let answer = identities.get(key);
  if (answer === undefined) {
    answer = (async () => {
      const sts = await session.ports(target).sts();
      return withRetry(() => sts.getCallerIdentity({}), retry);
    })();
    identities.set(key, answer);
  }
  const who = await answer;
  // The answer names the caller in the audit record (src/executor/lock-and-audit.ts): no second call.
  if (who.Arn !== undefined) session.recordCaller(target, who.Arn);
  if (who.Account !== undefined && who.Account !== target.account) {
    throw new AwsError(
      "GetCallerIdentity",
      `target ${targetKey(target)}`,
      "WrongAccount",
      `the credentials are for account ${who.Account} (${who.Arn ?? "?"}), but the policy targets account ${target.account}; set AWS_PROFILE, the policy set's roles or the target's roleArn`,
    );
  }
}

export interface PlanOptions {
  readonly today: string;
  readonly session: AwsSession;
  readonly cordonVersion: string;
  /** Restrict the plan to these addresses (or address prefixes) and what they depend on. */
  readonly only?: readonly string[];
  readonly now?: () => Date;
  readonly retry?: RetryOptions;
}

export interface PlanRun {
  readonly plan: PlanDocument;
  readonly desired: readonly DesiredResource[];
  readonly passes: PassFactory;
  /** The observation of every desired address (cordon drift reads the applied-digest tags from it). */
  readonly observed: ReadonlyMap<Address, Observation>;
  /** What differs from the last apply only by entries that expired since (src/executor/expiry.ts). */
  readonly expiry: ExpiryIndex;
}

const matches = (address: Address, pattern: string): boolean =>
  address === pattern || address.startsWith(pattern.endsWith("/") ? pattern : `${pattern}/`);

/** The desired resources an address filter selects, with everything they depend on. */
export function selectTargets(desired: readonly DesiredResource[], only: readonly string[]): DesiredResource[] {
  const byAddress = new Map(desired.map((d) => [d.address, d]));
  const keep = new Set<Address>();
  const visit = (a: Address) => {
    if (keep.has(a)) return;
    const d = byAddress.get(a);
    if (d === undefined) return;
    keep.add(a);
    for (const dep of d.dependsOn) visit(dep);
  };
  for (const d of desired) if (only.some((p) => matches(d.address, p))) visit(d.address);
  return desired.filter((d) => keep.has(d.address));
}

/** Observes AWS and plans. Read-only. */
export async function planPolicies(loaded: Loaded, options: PlanOptions): Promise<PlanRun> {
  const retry = options.retry ?? DEFAULT_RETRY;
  const now = options.now ?? (() => new Date());
  const targets = targetsOf(loaded.policies);
  const session = options.session;
  // The policy set's plan and apply roles (cordon.yaml roles:, docs/roles.md), before any client is made.
  session.useRoles(loaded.set?.roles);

  // The observation pass's contexts exist from the start, so that each target's discovery reads
  // (Handler.prefetch) are in flight while its identity and inventory are read and the desired state
  // is built: observe and discover then find them in the pass's memo (docs/performance.md).
  const passes = passFactory({ ports: (t) => session.ports(t) satisfies TargetPorts, now });
  const contextFor = passes();

  // Identity and inventory of every target, concurrently.
  const identities: Identities = new Map();
  const inventories = new Map<string, Inventory>();
  const blockingInventories = new Map<string, BlockingInventory>();
  await Promise.all(
    targets.map(async (t) => {
      for (const kind of DISCOVERABLE_KINDS) handlerFor(kind)?.prefetch?.(contextFor(t));
      const needs = blockingNeeds(loaded.policies, targetKey(t));
      // Subnets only where a policy of the target selects subnets or blocks (docs/performance.md).
      const subnets =
        needs !== null ||
        loaded.policies.some(
          (p) => targetKey(p.policy.target) === targetKey(t) && p.policy.flowLogs?.subnets !== undefined,
        );
      const [inventory] = await Promise.all([
        (async () => readInventoryRetrying(await session.ports(t).ec2(), subnets, retry))(),
        checkIdentity(session, t, retry, identities),
      ]);
      inventories.set(targetKey(t), inventory);
      if (needs !== null) {
        const ports = session.ports(t);
        blockingInventories.set(
          targetKey(t),
          await withRetry(() => readBlockingInventory(ports, inventory, needs), retry),
        );
      }
    }),
  );

  const derived = desiredState(
    loaded.policies,
    { network: inventories, blocking: blockingInventories },
    { today: options.today },
  );
  if (hasErrors(derived.diagnostics)) throw new PolicyErrorWithDiagnostics(derived.diagnostics);
  const only = options.only ?? [];
  const desired = only.length > 0 ? selectTargets(derived.resources, only) : [...derived.resources];
  if (only.length > 0 && desired.length === 0) {
    throw new PolicyError(`--target matches no declared resource: ${only.join(", ")}`);
  }

  const declared = new Set(derived.resources.map((d) => d.address));
  const [observed, discovered] = await Promise.all([
    observeAll(desired, handlerFor, contextFor, retry),
    discoverAll(targets, DISCOVERABLE_KINDS, declared, handlerFor, contextFor, retry),
  ]);
  // Something found in place that is not Cordon's is an error unless the policy adopts it.
  const firstTouch = checkFirstTouch(desired, observed, handlerFor);
  if (firstTouch.diagnostics.length > 0) {
    throw new PolicyErrorWithDiagnostics(locateDiagnostics(firstTouch.diagnostics));
  }
  // Only what a loaded policy owns, or what a policy removed from the fully loaded set owned
  // (src/executor/ownership.ts); the rest is left alone and listed in a note.
  const scoped = scopeOwned(
    only.length > 0 ? discovered.filter((d) => only.some((p) => matches(d.address, p))) : discovered,
    { policies: loaded.owners ?? loaded.policies, set: loaded.set ?? null },
  );

  const document = plan({
    desired,
    observed,
    owned: scoped.owned,
    policyDigest: loaded.digest,
    createdAt: now().toISOString(),
    cordonVersion: options.cordonVersion,
    queries: derived.queries,
    notes: scoped.note === null ? derived.notes : [...derived.notes, scoped.note],
    warnings: [...loaded.diagnostics, ...derived.diagnostics].filter((d) => d.severity === "warning"),
    adopting: firstTouch.adopting,
    changeNotes: derived.changeNotes,
  });
  const expiry = expiryIndex(
    loaded.policies,
    { network: inventories, blocking: blockingInventories },
    options.today,
    derived,
  );
  return { plan: document, desired, passes, observed, expiry };
}

function readInventoryRetrying(ec2: Awaited<ReturnType<TargetPorts["ec2"]>>, subnets: boolean, retry: RetryOptions) {
  return withRetry(() => readInventory(ec2, { subnets }), retry);
}
