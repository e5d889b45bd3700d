// The applied-spec record: what Cordon last applied to each resource of a target, kept in the
// bucket beside the audit log at cordon/applied/<account>/<region>.json. `cordon drift` reads it
// to tell drift (AWS changed since the last apply) from pending changes (the policies changed and
// were never applied). Taggable resources also carry the digest in the APPLIED_TAG tag; the
// record holds every kind (bucket policy statements, Glue table, NACL entries, associations) and
// the spec itself, so drift can be measured against what was applied, not only detected.
//
// Written at the end of every apply (also a partial one), read-modify-write with conditional puts.

import { appliedKey } from "../domain/record-keys.js";
import { appliedDigest } from "../handlers/registry.js";
import type { Outcome } from "../model/change.js";
import type { PlanDocument } from "../model/plan.js";
import type { Address, Kind } from "../model/resource.js";
import { type ObjectStore, PreconditionFailedError } from "./objects.js";

export const APPLIED_FORMAT = "cordon.applied/v1";

export interface AppliedEntry {
  readonly kind: Kind;
  /** appliedDigest of `spec` (src/handlers/registry.ts: the kind descriptor's hook). */
  readonly digest: string;
  /** The desired spec Cordon applied (or found already in place when it applied). */
  readonly spec: unknown;
  readonly appliedAt: string;
}

export interface AppliedRecord {
  readonly format: typeof APPLIED_FORMAT;
  readonly account: string;
  readonly region: string;
  readonly updatedAt: string;
  readonly resources: Readonly<Record<Address, AppliedEntry>>;
}

export async function readApplied(
  store: ObjectStore,
  account: string,
  region: string,
): Promise<{ readonly record: AppliedRecord; readonly etag: string } | null> {
  const got = await store.get(appliedKey(account, region));
  if (got === null) return null;
  try {
    const v = JSON.parse(got.text) as AppliedRecord;
    if (v.format !== APPLIED_FORMAT || v.resources === null || typeof v.resources !== "object") return null;
    return { record: v, etag: got.etag };
  } catch {
    return null;
  }
}

/**
 * The record after an apply of `plan` with `outcomes`, for one target. Pure.
 *   - an applied change records its desired spec (`after`), or forgets a deleted resource;
 *   - a no-op records the desired spec (AWS matched it when the plan was made);
 *   - failed and skipped changes, observe-mode changes and other targets leave the record as is.
 */
export function nextApplied(
  previous: AppliedRecord | null,
  plan: PlanDocument,
  outcomes: readonly Outcome[],
  target: { readonly account: string; readonly region: string },
  now: Date,
): AppliedRecord {
  const resources: Record<Address, AppliedEntry> = { ...(previous?.resources ?? {}) };
  const status = new Map(outcomes.map((o) => [o.address, o.status]));
  const at = now.toISOString();
  for (const c of plan.changes) {
    if (c.target.account !== target.account || c.target.region !== target.region) continue;
    const applied = c.action === "no-op" ? c.after !== null : status.get(c.address) === "applied";
    if (!applied) continue;
    if (c.after === null) {
      delete resources[c.address];
      continue;
    }
    const digest = appliedDigest(c.kind, c.after);
    if (resources[c.address]?.digest === digest) continue;
    resources[c.address] = { kind: c.kind, digest, spec: c.after, appliedAt: at };
  }
  const sorted = Object.fromEntries(Object.entries(resources).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { format: APPLIED_FORMAT, account: target.account, region: target.region, updatedAt: at, resources: sorted };
}

/** Read-modify-write of one target's record (conditional put; a few retries when someone else wrote). */
export async function writeApplied(
  store: ObjectStore,
  plan: PlanDocument,
  outcomes: readonly Outcome[],
  target: { readonly account: string; readonly region: string },
  now: () => Date = () => new Date(),
): Promise<void> {
  const key = appliedKey(target.account, target.region);
  for (let attempt = 1; ; attempt++) {
    const current = await readApplied(store, target.account, target.region);
    const raw = current === null ? await store.get(key) : null;
    const next = nextApplied(current?.record ?? null, plan, outcomes, target, now());
    const text = `${JSON.stringify(next, null, 2)}\n`;
    try {
      if (current !== null) await store.put(key, text, { ifMatch: current.etag });
      else if (raw !== null)
        await store.put(key, text, { ifMatch: raw.etag }); // unreadable: replaced
      else await store.put(key, text, { ifNoneMatch: true });
      return;
    } catch (e) {
      if (!(e instanceof PreconditionFailedError) || attempt >= 5) throw e;
    }
  }
}
