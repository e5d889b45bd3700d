// The one contract every AWS kind implements (crossplane-runtime's ExternalClient, simplified).
//
// observe: read-only. Returns what exists for `desired` (or for `address` when the resource is
//          no longer declared). Must never call a mutating API.
// diff:    pure and synchronous. Compares the desired spec with the normalised live spec and
//          returns the field diffs plus whether the change needs a replacement.
// create / update / delete: idempotent. "Already exists" on create and "not found" on delete are
//          success. No waiting loops inside: the engine owns retries and ordering.
import type { PortCall } from "../aws/iam-calls.js";
import type { Action, DiffResult, Foreign } from "../model/change.js";
import { AwsError } from "../model/errors.js";
import type { Policy } from "../model/policy.js";
import type { Address, DesiredResource, Kind, LiveMeta, Observation, TargetRef } from "../model/resource.js";

/** What diff returns and what adoption finds are model types; handlers name them from here too. */

/**
 * Thrown by create when AWS refuses the new resource because another one holds its place (one flow
 * log per resource and destination). `existingId` names that one. When it is the resource a
 * create-then-delete replaces, the engine deletes it and creates the new one at once instead.
 */
export class SideBySideRefusedError extends AwsError {
  readonly existingId: string;
  /** The refusal in plain words (the message adds the operation and code). */
  readonly detail: string;
  constructor(operation: string, resource: string, awsCode: string, existingId: string, detail: string) {
    super(operation, resource, awsCode, detail);
    this.existingId = existingId;
    this.detail = detail;
  }
}

/** Per-run context handed to handlers: AWS ports for the target, the clock, a logger. */
export interface HandlerContext<Ports = unknown> {
  readonly target: TargetRef;
  readonly aws: Ports;
  readonly now: () => Date;
  readonly log: (message: string) => void;
  /**
   * Memoises one read for the lifetime of this context (one observation pass over one target), so
   * that handlers batch their reads (docs/architecture.md, "Batched reads"): e.g. one paginated DescribeFlowLogs per
   * (account, region) shared by every flow log observed in the pass. A new pass gets a new context.
   */
  readonly memo: <T>(key: string, load: () => Promise<T>) => Promise<T>;
}

/** A resource Cordon owns in AWS that no desired resource declares: the planner plans its deletion. */
export interface Discovered<S = unknown> {
  readonly address: Address;
  readonly kind: Kind;
  readonly name: string;
  readonly target: TargetRef;
  readonly observation: Observation<S> & { exists: true };
  /**
   * Other owned resources this one needs while it exists (a web ACL: the IP sets its rules
   * reference; an association: its web ACL). The executor deletes a resource only after everything
   * that depends on it, so discovered resources are removed in reverse dependency order too.
   */
  readonly dependsOn?: readonly Address[];
}

export interface Handler<S = unknown, Ports = unknown> {
  readonly kind: Kind;
  /**
   * Optional: the steps whose calls this handler coalesces into batch requests (changes started in
   * the same turn of the event loop share one request). The executor starts every ready change of
   * such a step at once instead of a limited number at a time, so that one call carries as many
   * resources as the API takes.
   */
  readonly batched?: readonly ("create" | "delete")[];
  observe(ctx: HandlerContext<Ports>, desired: DesiredResource<S>): Promise<Observation<S>>;
  diff(desired: S, live: S): DiffResult;
  create(ctx: HandlerContext<Ports>, desired: DesiredResource<S>): Promise<LiveMeta | null>;
  update(
    ctx: HandlerContext<Ports>,
    desired: DesiredResource<S>,
    live: Observation<S> & { exists: true },
  ): Promise<void>;
  delete(ctx: HandlerContext<Ports>, address: Address, live: Observation<S> & { exists: true }): Promise<void>;
  /**
   * Optional: resources of this kind that Cordon owns in the target (ownership marker present) but
   * that are not in `declared` (e.g. flow logs tagged as Cordon's on VPCs no longer selected).
   * Read-only, like observe.
   */
  discover?(ctx: HandlerContext<Ports>, declared: ReadonlySet<Address>): Promise<readonly Discovered<S>[]>;
  /**
   * Optional: starts the reads `discover` makes in a target (its memoised, per-pass batch reads), so
   * that they are in flight while the target's inventory is read and the desired state is built
   * (docs/performance.md, "A third pass"). Returns at once; a failure is met by observe or discover,
   * which await the same memoised promise. Only reads discover makes anyway: it never adds a call.
   */
  prefetch?(ctx: HandlerContext<Ports>): void;
  /**
   * Optional, pure: what in `observed` (an existing observation of `desired`'s address) is not
   * Cordon's; null when everything there is Cordon's. The plan refuses a desired resource for which
   * this returns something unless the policy says adopt: true (DesiredResource.adopt); with it, the
   * change is an adoption. Kinds without it never find anything foreign.
   */
  foreign?(desired: DesiredResource<S>, observed: Observation<S> & { exists: true }): Foreign | null;
  /**
   * Optional: after apply, a problem AWS reports about a live resource that a diff cannot show
   * (a flow log whose delivery FAILED, with AWS's message). null = healthy.
   */
  health?(live: Observation<S> & { exists: true }): string | null;
}

/** How a kind is replaced when its diff says so. */
export type ReplaceAction = Extract<Action, "create-then-delete" | "delete-then-create">;

/** The policy sections that declare resources. */
export type PolicySection = "flowLogs" | "athena" | "blockedAddresses" | "webAcl" | "blockedCountries";

/**
 * Everything the engine knows about one kind, declared once beside its handler and listed once in
 * src/handlers/registry.ts. The planner, the plan pipeline, ownership scoping, the applied record
 * and the reviewer notes read it; nothing else switches on a kind.
 */
export interface KindDescriptor<S = unknown, Ports = unknown> {
  readonly kind: Kind;
  /** Where the kind is listed when dependencies do not decide (creation order): lower first. */
  readonly order: number;
  /**
   * A security control (logging or blocking): never replaced by delete-then-create without saying
   * the control is briefly absent, and its removal broadens access.
   */
  readonly securityControl: boolean;
  /** Deleting one loses data or monitoring (the plan marks the change destructive). */
  readonly dataOrMonitoring: boolean;
  /**
   * It blocks traffic: its changes carry the reviewer notes of blocking (why an entry goes: expired,
   * ticket; what stops being blocked).
   */
  readonly blocksTraffic: boolean;
  /** How a replacement is ordered. Security controls: create-then-delete. */
  readonly replaceAction: ReplaceAction;
  /**
   * The policy section that declares resources of this kind. A resource left behind (discovered, no
   * longer declared) keeps that section's mode in the policy that made it: kept in no-delete mode,
   * only reported in observe mode.
   */
  readonly section: PolicySection;
  /**
   * Top-level spec members that are context for the handler (capacity and order checks, the
   * fingerprint), not something Cordon manages: never diffed, never written, and hidden by the plan
   * renderers.
   */
  readonly contextFields?: readonly string[];
  /**
   * Spec members whose policy field has another name, spec member → the policy's name
   * (`perHourPartition` → `perHourPartitions`): the plan shows the policy's name
   * (docs/plan-output.md, "Field names"). Absent when every name is the policy's.
   */
  readonly fieldNames?: Readonly<Record<string, string>>;
  /**
   * The references to other resources inside a spec (an IP set's placeholder or ARN in a web ACL
   * rule) → how people see them (`ip set "edge-blocked-ipv4"`): the plan document carries them and
   * renderers show the name, never the machine reference (docs/plan-output.md, "References by name").
   */
  readonly references?: (spec: S) => Readonly<Record<string, string>>;
  /**
   * What in a resource as found opens access around Cordon's control that Cordon does not manage
   * and never changes (an allow entry outside Cordon's NACL band that runs before its deny
   * entries), one sentence each: `cordon drift` reports it as drift that opens access (error
   * level), which --correct cannot undo. Absent: nothing of the kind.
   */
  readonly exposures?: (live: S) => readonly string[];
  /**
   * The digest recorded as what Cordon applied (the cordon:applied tag and the applied record),
   * when it is not the digest of the spec itself.
   */
  readonly appliedDigest?: (spec: S) => string;
  /**
   * S3 kinds whose resource name is a bucket name: "is" the bucket itself, or "configures" it (is
   * written with the bucket owner's credentials). Cordon's records (lock, audit, applied record)
   * may live in a flow-log bucket: this tells where that bucket is reached from and whether the
   * plan creates it (src/executor/state-location.ts).
   */
  readonly bucket?: "is" | "configures";
  /**
   * The AWS calls the handler makes (each port method's IAM actions are declared in
   * src/aws/iam-calls.ts): `cordon iam` builds its policies from these (docs/iam.md).
   * test/unit/handlers/iam-calls.test.ts fails on a handler call not listed here; test/e2e/iam.test.ts
   * on a listed action never needed, or a needed one missing.
   */
  readonly iam: KindCalls;
  readonly handler: Handler<S, Ports>;
}

export interface KindCalls {
  /** Whether a policy declares resources of this kind (as the desired-state builder decides it). */
  readonly declaredBy: (policy: Policy) => boolean;
  /** observe (read-only), for a kind the policies declare. */
  readonly observe: readonly PortCall[];
  /** discover (read-only): run for every discoverable kind, declared or not. */
  readonly discover: readonly PortCall[];
  /**
   * create and update, and the calls of delete when the engine can plan one: for a discoverable
   * kind (a resource no longer declared) or a replacement. A kind neither discovered nor replaced
   * is never deleted, so its delete calls are not listed (docs/iam.md).
   */
  readonly write: readonly PortCall[];
}

/** A read started before anyone awaits it (Handler.prefetch): its failure is left to whoever awaits the memo. */
export const startEarly = (read: Promise<unknown>): void => {
  read.catch(() => {});
};
