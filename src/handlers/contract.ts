// The one contract every AWS kind implements (crossplane-runtime's ExternalClient, simplified).
//
// observe: read-only. Returns what exists for `desired` (or for `address` when the resource is
//          no longer declared). Must never call a mutating API.
// diff:    pure and synchronous. Compares the desired spec with the normalised live spec and
//          returns the field diffs plus whether the change needs a replacement.
// create / update / delete: idempotent. "Already exists" on create and "not found" on delete are
//          success. No waiting loops inside: the engine owns retries and ordering.
import type { Action, FieldDiff } from "../model/change.js";
import { AwsError } from "../model/errors.js";
import type { Address, DesiredResource, Kind, LiveMeta, Observation, TargetRef } from "../model/resource.js";

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
   * that handlers batch their reads (DESIGN principle 9): e.g. one paginated DescribeFlowLogs per
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

export interface DiffResult {
  readonly fields: readonly FieldDiff[];
  /** Fields that cannot change in place: the engine plans create-then-delete. */
  readonly replace: boolean;
  /**
   * Set by kinds that know it (NACL entries, WAF rules): the update removes or narrows a block.
   * Absent = false. Display only (Impact.broadensAccess).
   */
  readonly broadensAccess?: boolean;
  /**
   * How this replacement is carried out, said instead of the generic "the replacement is created
   * before the old one is deleted" (display only): e.g. a flow log whose new settings AWS may refuse
   * beside the old one on the same destination.
   */
  readonly replaceNote?: string;
  /**
   * Reviewer notes on an update, set by kinds that know them (display only): what stops being
   * blocked, foreign rules that run first. The planner adds them to the update's Impact.notes;
   * absent = none. (replaceNote speaks for a replacement; LiveMeta.notes for what observe found.)
   */
  readonly notes?: readonly string[];
}

/**
 * What a handler found in place at a desired resource's address that is not Cordon's (no ownership
 * marker): a bucket without Cordon's tag, entries in a NACL band Cordon never claimed, ...
 */
export interface Foreign {
  /** The AWS resource, named: "bucket cats-eyes-flow-logs", "the rule band 1–99 of network ACL acl-1". */
  readonly what: string;
  /** The rest of the sentence: "already exists and is not Cordon's". */
  readonly problem: string;
  /** One line per foreign item, when there are several (NACL entries, bucket-policy statements). */
  readonly details: readonly string[];
}

export interface Handler<S = unknown, Ports = unknown> {
  readonly kind: Kind;
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
  /** How a replacement is ordered for this kind. Security controls: always create-then-delete. */
  readonly replaceAction: Extract<Action, "create-then-delete" | "delete-then-create">;
}
