// The one contract every AWS kind implements (crossplane-runtime's ExternalClient, simplified).
//
// observe: read-only. Returns what exists for `desired` (or for `address` when the resource is
//          no longer declared). Must never call a mutating API.
// diff:    pure and synchronous. Compares the desired spec with the normalised live spec and
//          returns the field diffs plus whether the change needs a replacement.
// create / update / delete: idempotent. "Already exists" on create and "not found" on delete are
//          success. No waiting loops inside: the engine owns retries and ordering.
import type { Action, FieldDiff } from "../model/change.js";
import type { Address, DesiredResource, Kind, LiveMeta, Observation, TargetRef } from "../model/resource.js";

/** Per-run context handed to handlers: AWS ports for the target, the clock, a logger. */
export interface HandlerContext<Ports = unknown> {
  readonly target: TargetRef;
  readonly aws: Ports;
  readonly now: () => Date;
  readonly log: (message: string) => void;
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
  /** How a replacement is ordered for this kind. Security controls: always create-then-delete. */
  readonly replaceAction: Extract<Action, "create-then-delete" | "delete-then-create">;
}
