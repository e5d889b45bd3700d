// Drift vs pending, per resource. Pure: the caller observed AWS (a plan) and read the applied
// records; nothing here touches AWS.
//
//   applied  = what Cordon last applied: the applied record's entry (spec + digest), else the
//              APPLIED_TAG digest on the live resource, else unknown (never applied by Cordon).
//   pending  = the desired spec's digest differs from the applied digest: the policies changed
//              and were never applied.
//   drift    = live AWS differs from what was applied: changed outside Cordon since the last apply.
//              Without a pending change the applied spec is the desired one and the plan's own
//              semantic diff decides; with one, the handler's diff against the recorded applied
//              spec does.
// A resource that already matches its desired spec is clean, whatever the record says. A resource
// no longer declared but still owned is pending (its deletion was never applied); one with no
// record that differs from its desired spec is pending too ("never applied by Cordon").

import { readablePath, structuralDiff } from "../domain/diff.js";
import { APPLIED_TAG } from "../handlers/applied-tag.js";
import { descriptorOf, appliedDigest as digestOf } from "../handlers/registry.js";
import type { Change, DiffResult, FieldDiff } from "../model/change.js";
import type { DriftItem, DriftReport, DriftStatus } from "../model/drift.js";
import type { PlanDocument } from "../model/plan.js";
import type { Address, Kind, Observation } from "../model/resource.js";
import type { AppliedRecord } from "./applied.js";
import type { ExpiryIndex } from "./expiry.js";

export type DiffLookup = (kind: Kind) => ((desired: unknown, live: unknown) => DiffResult) | undefined;

export interface ClassifyInput {
  readonly plan: PlanDocument;
  readonly observed: ReadonlyMap<Address, Observation>;
  /** Applied record per "account/region" (null / absent: none). */
  readonly records: ReadonlyMap<string, AppliedRecord | null>;
  /** "account/region" of targets whose record could not be read at all (no bucket): see `notes`. */
  readonly unrecorded?: ReadonlySet<string>;
  readonly notes?: readonly string[];
  readonly diff: DiffLookup;
  /** Applied digests that differ from the desired spec only by expiry, per address (src/executor/expiry.ts). */
  readonly expiry?: ExpiryIndex;
}

/** Handler diffs run (desired, live): before = live. Drift reads the other way: applied → live. */
const reversed = (fields: readonly FieldDiff[]): FieldDiff[] =>
  fields.map((f) => ({ ...f, before: f.after, after: f.before }));

const fieldNames = (fields: readonly FieldDiff[], policyNames?: Readonly<Record<string, string>>): string => {
  const names = [...new Set(fields.map((f) => readablePath(f.path, policyNames, 2)))];
  return names.length > 4 ? `${names.slice(0, 4).join(", ")} and ${names.length - 4} more` : names.join(", ");
};

type Classified = Omit<DriftItem, "opensAccess" | "exposures">;

/**
 * `record`: the target's applied record; null when it has none, "unreadable" when there is nowhere
 * to read one. Then whether the drift opens access (docs/plan-output.md, "Drift severity"): a
 * security control deleted outside Cordon; live AWS blocking less than what Cordon applied (the
 * kind's diff read from applied to live); or what the kind's descriptor calls an exposure in the
 * live resource (an allow entry placed before Cordon's NACL band), which makes the item drift even
 * when Cordon's own part is unchanged.
 */
export function classifyOne(
  c: Change,
  obs: Observation | undefined,
  record: AppliedRecord | null | "unreadable",
  diff: DiffLookup,
  expiry?: ReadonlyMap<string, readonly string[]>,
): DriftItem {
  const item = classifyChange(c, obs, record, diff);
  // A pending change that only removes entries past their date: the reviewed policy, so correctable.
  const why = item.appliedDigest !== null && item.status !== "drift" ? expiry?.get(item.appliedDigest) : undefined;
  if (why === undefined || item.status === "clean") return item;
  const expired = `${why.join("; ")}: past its expiry date in the reviewed policy, removed by correction`;
  return {
    ...item,
    expired: why,
    reason: item.status === "drift+pending" ? `${expired}; also ${item.reason}` : expired,
  };
}

function classifyChange(
  c: Change,
  obs: Observation | undefined,
  record: AppliedRecord | null | "unreadable",
  diff: DiffLookup,
): DriftItem {
  const item = classifyStatus(c, obs, record, diff);
  const descriptor = descriptorOf(c.kind);
  const live = obs !== undefined ? (obs.exists ? obs.live : null) : c.before;
  const exposures =
    live !== null && descriptor?.exposures !== undefined ? [...descriptor.exposures(live as never)] : [];
  const drifted = item.status === "drift" || item.status === "drift+pending";
  let opensAccess = false;
  if (drifted && item.live === null) opensAccess = descriptor?.securityControl === true;
  else if (drifted) {
    // What Cordon applied, read as the "live" side of the kind's diff and live AWS as the "desired"
    // side: broadensAccess then says that going from applied to live stopped blocking something.
    const applied = item.status === "drift" ? c.after : item.applied;
    const fn = diff(c.kind);
    if (applied !== null && fn !== undefined) opensAccess = fn(item.live, applied).broadensAccess === true;
  }
  if (exposures.length === 0) return { ...item, opensAccess, exposures };
  const status: DriftStatus =
    item.status === "clean" ? "drift" : item.status === "pending" ? "drift+pending" : item.status;
  const outside = `opens access outside what Cordon manages: ${exposures.join("; ")}`;
  const reason = item.status === "clean" ? outside : `${item.reason}; and ${outside}`;
  return { ...item, status, reason, opensAccess: true, exposures };
}

function classifyStatus(
  c: Change,
  obs: Observation | undefined,
  record: AppliedRecord | null | "unreadable",
  diff: DiffLookup,
): Classified {
  const unreadable = record === "unreadable";
  const live = c.before;
  const exists = obs !== undefined ? obs.exists : live !== null;
  const entry = unreadable ? undefined : record?.resources[c.address];
  const tag = obs?.exists === true ? obs.meta.tags?.[APPLIED_TAG] : undefined;
  const appliedDigest = entry?.digest ?? tag ?? null;
  const appliedFrom = entry !== undefined ? "record" : tag !== undefined ? "tag" : null;
  const applied = entry !== undefined ? entry.spec : null;
  const base = {
    address: c.address,
    kind: c.kind,
    name: c.name,
    target: c.target,
    mode: c.mode,
    live: exists ? live : null,
    applied,
    desired: c.after,
    appliedDigest,
    appliedFrom,
    change: c,
  } as const;
  const item = (
    status: DriftStatus,
    reason: string,
    driftFields: readonly FieldDiff[] = [],
    pendingFields: readonly FieldDiff[] = [],
  ): Classified => ({ ...base, status, reason, driftFields, pendingFields });

  if (c.action === "no-op") return item("clean", c.after === null ? c.reason : "matches the policies");
  if (c.after === null) return item("pending", "no longer declared in the policies; its deletion was never applied");
  if (appliedDigest === null) {
    if (!exists) return item("pending", "not created yet");
    return item(
      "pending",
      unreadable
        ? "differs from the policies; drift not measured: no applied record for this target (see the note)"
        : "never applied by Cordon (no applied record)",
    );
  }
  const pending = appliedDigest !== digestOf(c.kind, c.after);
  const fn = diff(c.kind);
  // The handler's semantic diff (desired, live) read as (desired, applied): before = applied, after = desired.
  const semantic = (desired: unknown, current: unknown) =>
    fn !== undefined ? fn(desired, current).fields : structuralDiff(desired, current);
  const pendingFields = pending && applied !== null ? semantic(c.after, applied) : [];
  if (!pending) {
    const why = exists
      ? `changed outside Cordon since the last apply: ${fieldNames(c.fields, c.fieldNames)}`
      : "deleted outside Cordon since the last apply";
    return item("drift", why, exists ? reversed(c.fields) : [], []);
  }
  const pendingWhy = `the policies changed since the last apply${pendingFields.length > 0 ? `: ${fieldNames(pendingFields, c.fieldNames)}` : ""}`;
  if (!exists) return item("drift+pending", `deleted outside Cordon, and ${pendingWhy}`, [], pendingFields);
  if (applied === null) return item("pending", `${pendingWhy} (the applied spec is not on record: drift not measured)`);
  const drifted = semantic(applied, live);
  if (drifted.length === 0) return item("pending", pendingWhy, [], pendingFields);
  return item(
    "drift+pending",
    `changed outside Cordon (${fieldNames(drifted, c.fieldNames)}), and ${pendingWhy}`,
    reversed(drifted),
    pendingFields,
  );
}

export function classifyDrift(input: ClassifyInput): DriftReport {
  const all = input.plan.changes.map((c) =>
    classifyOne(
      c,
      input.observed.get(c.address),
      input.unrecorded?.has(`${c.target.account}/${c.target.region}`) === true
        ? "unreadable"
        : (input.records.get(`${c.target.account}/${c.target.region}`) ?? null),
      input.diff,
      input.expiry?.get(c.address),
    ),
  );
  const count = (s: DriftStatus) => all.filter((i) => i.status === s).length;
  const both = count("drift+pending");
  return {
    format: "cordon.drift/v1",
    createdAt: input.plan.createdAt,
    policyDigest: input.plan.policyDigest,
    summary: {
      checked: all.length,
      clean: count("clean"),
      drift: count("drift") + both,
      pending: count("pending") + both,
      both,
    },
    items: all.filter((i) => i.status !== "clean"),
    notes: [...(input.notes ?? [])],
  };
}

/**
 * The changes `drift --correct` may make: drift, and pending changes that only remove expired
 * entries (the reviewed policy); never another pending policy change, never in observe mode. An
 * item with exposures is left too (Cordon never changes what opens access there), after its own
 * part is corrected when that drifted as well.
 * `only: "expired"` (`drift --correct-expired`, the scheduled correction): only the expiry
 * removals on resources that have not drifted too, so nothing but the reviewed dates is enforced.
 */
export function correctable(
  report: DriftReport,
  only: "all" | "expired" = "all",
): { readonly fix: DriftItem[]; readonly left: DriftItem[] } {
  const fix: DriftItem[] = [];
  const left: DriftItem[] = [];
  for (const i of report.items) {
    const ownDrift = only === "all" && i.status === "drift" && i.change.action !== "no-op";
    const expiry = i.expired !== undefined && (only === "all" || i.status === "pending");
    const fixIt = (ownDrift || expiry) && i.mode !== "observe";
    if (fixIt) fix.push(i);
    if (!fixIt || i.exposures.length > 0) left.push(i);
  }
  return { fix, left };
}
