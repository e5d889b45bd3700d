// plan(desired, observed) → PlanDocument. Pure and synchronous (docs/architecture.md, "Pure core, effectful shell"): every
// AWS read happened before; nothing here touches AWS, the clock or the file system. What it needs
// to know about a kind (order, flags, replace action, context fields, diff) it reads from the
// kind's descriptor (src/handlers/registry.ts): it holds no per-kind table.

import { inPlaceDiff, readablePath } from "../domain/diff.js";
import { descriptorOf } from "../handlers/registry.js";
import type { Action, Change, DiffResult, FieldDiff, Foreign, Impact } from "../model/change.js";
import type { Diagnostic } from "../model/diagnostics.js";
import { PLAN_FORMAT_VERSION, type PlanDocument, type PlanNote, type PlanQuery, summarize } from "../model/plan.js";

/** Moved beside the plan document (src/model/plan.ts) so the renderers count per target with it. */
export { summarize };

import type {
  Address,
  DesiredResource,
  Kind,
  ManagementMode,
  Observation,
  Origin,
  TargetRef,
} from "../model/resource.js";

/** A kind's pure diff; parameters are the kind's spec type (hence `never` here: any spec type fits). */
export type DiffFn = (desired: never, live: never) => DiffResult;
export type DiffRegistry = Readonly<Partial<Record<Kind, DiffFn>>>;

/** A resource Cordon owns in AWS (ownership marker found) that no policy declares any more. */
export interface OwnedResource {
  readonly address: Address;
  readonly kind: Kind;
  readonly name: string;
  readonly target: TargetRef;
  readonly observation: Observation & { readonly exists: true };
  /** Mode of the policy section that used to declare it, when known; default "enforce". */
  readonly mode?: ManagementMode;
  readonly origin?: Origin | null;
  /** What it needs while it exists (Discovered.dependsOn): deleted before those. */
  readonly dependsOn?: readonly Address[];
  /**
   * Set when the policy named by its cordon:policy tag no longer exists in its fully loaded policy
   * set: the deletion's reason says so ("policy X was removed").
   */
  readonly removedPolicy?: string;
}

export interface PlanInput {
  readonly desired: readonly DesiredResource[];
  /** One observation per desired address (absent = a bug in the caller: plan throws). */
  readonly observed: ReadonlyMap<Address, Observation>;
  /** Owned resources no longer declared; entries whose address is desired are ignored. */
  readonly owned: readonly OwnedResource[];
  /**
   * Per-kind diffs instead of the kinds' handlers' (tests); kinds without one are then diffed
   * structurally and updated in place. Absent: each kind's handler diff (its descriptor).
   */
  readonly diff?: DiffRegistry;
  readonly policyDigest: string;
  readonly createdAt: string;
  readonly cordonVersion: string;
  readonly notes?: readonly PlanNote[];
  readonly warnings?: readonly Diagnostic[];
  readonly queries?: readonly PlanQuery[];
  /**
   * Desired resources whose observation holds something that is not Cordon's and whose policy says
   * adopt: true (checked before planning, see src/executor/adoption.ts): each becomes an adoption.
   */
  readonly adopting?: ReadonlyMap<Address, Foreign>;
  /**
   * Reviewer notes the desired state holds for a resource ("… expired 2026-12-31, ticket INC-42 …",
   * a load balancer taken over), by address: added to its change when the change does something.
   */
  readonly changeNotes?: ReadonlyMap<Address, readonly string[]>;
}

const MAX_FIELDS_IN_REASON = 4;

/**
 * "differs from the policies: trafficType, tags/env" — the changed fields (two pointer segments at
 * most). Neutral on purpose: the plan cannot tell whether AWS drifted or the policies changed
 * (`cordon drift` can, from what Cordon applied), and a reviewed change must not read as drift.
 */
export function driftReason(
  fields: readonly FieldDiff[],
  replace: boolean,
  fieldNames?: Readonly<Record<string, string>>,
): string {
  const names: string[] = [];
  for (const f of fields) {
    const name = readablePath(f.path, fieldNames, 2);
    if (!names.includes(name)) names.push(name);
  }
  const shown = names.slice(0, MAX_FIELDS_IN_REASON).join(", ");
  const more = names.length > MAX_FIELDS_IN_REASON ? ` and ${names.length - MAX_FIELDS_IN_REASON} more` : "";
  return `differs from the policies: ${shown}${more}${replace ? " (forces replacement)" : ""}`;
}

function impactOf(kind: Kind, action: Action, diffBroadens: boolean, replaceNote?: string): Impact {
  const removes = action === "delete" || action === "delete-then-create";
  const securityControl = descriptorOf(kind)?.securityControl === true;
  const notes: string[] = [];
  if (action === "create-then-delete")
    notes.push(replaceNote ?? "the replacement is created before the old one is deleted");
  if (action === "delete-then-create" && securityControl) {
    notes.push("deleted before it is re-created: the control is briefly absent");
  }
  return {
    broadensAccess: (removes && securityControl) || (action === "update" && diffBroadens),
    destructive: removes && descriptorOf(kind)?.dataOrMonitoring === true,
    notes,
  };
}

/** The impact with `extra` notes added (each once). */
function withNotes(impact: Impact, extra: readonly string[]): Impact {
  if (extra.length === 0) return impact;
  const notes = [...impact.notes];
  for (const n of extra) if (!notes.includes(n)) notes.push(n);
  return notes.length === impact.notes.length ? impact : { ...impact, notes };
}

/**
 * Adds the display members a kind's descriptor gives a change: `contextFields`, `fieldNames`, and
 * the `references` found in its specs (before and after). Each only when present, in that order.
 */
function addDisplay(change: Mutable<Change>, kind: Kind, specs: readonly unknown[]): Change {
  const d = descriptorOf(kind);
  const fields = d?.contextFields;
  const names = d?.fieldNames;
  if (fields !== undefined) change.contextFields = [...fields];
  if (names !== undefined) change.fieldNames = { ...names };
  const find = d?.references as ((spec: unknown) => Readonly<Record<string, string>>) | undefined;
  if (find === undefined) return change;
  const refs: Record<string, string> = {};
  for (const s of specs) if (s !== null && s !== undefined) Object.assign(refs, find(s));
  const sorted = Object.fromEntries(Object.entries(refs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  if (Object.keys(sorted).length > 0) change.references = sorted;
  return change;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * `change` with its kind's contextFields after `origin` (the plan document's field order). Changes
 * are built as one object literal each, without spreading a common part: spreads per change were
 * most of the planner's CPU at 20,000 changes (docs/performance.md); only kinds that declare
 * context fields pay one here.
 */
/** What a change says beyond the resource it is about (changeOf adds that). */
type ChangeBody = Omit<Change, "address" | "kind" | "name" | "target" | "mode" | "dependsOn" | "origin">;

/**
 * The change of a desired resource: who it is (from `r`), what happens (`body`), and its display
 * members: the resource's label, what the kind's descriptor gives (displayOf) and the policy
 * entries behind its rules (declaredOf). Assembled once per resource, never copied again: copying
 * each change was most of the planner's time at scale (docs/performance.md).
 */
function changeOf(r: DesiredResource, body: ChangeBody, specs: readonly unknown[]): Change {
  const change: Mutable<Change> = Object.assign(
    {
      address: r.address,
      kind: r.kind,
      name: r.name,
      target: r.target,
      mode: r.mode,
      dependsOn: [...r.dependsOn].sort(),
      origin: r.origin,
    },
    body,
  );
  if (r.label !== undefined) change.label = r.label;
  addDisplay(change, r.kind, specs);
  // The policy entries behind the resource's blocking rules, on a change that does something.
  if (r.declared !== undefined && r.declared.length > 0 && body.action !== "no-op") change.declared = r.declared;
  return change;
}

const withMode = (mode: ManagementMode, action: Action, reason: string): string =>
  mode === "observe" && action !== "no-op" ? `observe mode: not changing; ${reason}` : reason;

/** "adopting bucket x (the policy says adopt: true)", then what changes. */
export function adoptionReason(
  foreign: Foreign,
  fields: readonly FieldDiff[],
  replace: boolean,
  fieldNames?: Readonly<Record<string, string>>,
): string {
  const head = `adopting ${foreign.what} (the policy says adopt: true)`;
  return fields.length === 0 ? head : `${head}; ${driftReason(fields, replace, fieldNames)}`;
}

function changeForDesired(
  r: DesiredResource,
  obs: Observation,
  diff: DiffRegistry | undefined,
  adopting: Foreign | undefined,
  changeNotes: readonly string[],
): Change {
  if (!obs.exists) {
    return changeOf(
      r,
      {
        action: "create",
        before: null,
        after: r.spec,
        fields: [],
        reason: withMode(r.mode, "create", "missing in AWS"),
        impact: withNotes(impactOf(r.kind, "create", false), changeNotes),
        observedFingerprint: obs.fingerprint,
      },
      [r.spec, null],
    );
  }
  const descriptor = descriptorOf(r.kind);
  const handler = descriptor?.handler;
  const result =
    diff === undefined
      ? handler === undefined
        ? inPlaceDiff(r.spec, obs.live)
        : handler.diff(r.spec, obs.live)
      : ((diff[r.kind] ?? inPlaceDiff) as (d: unknown, l: unknown) => DiffResult)(r.spec, obs.live);
  // An adoption is never a no-op: even with nothing else to change, Cordon's marker is written.
  const action: Action =
    result.fields.length === 0 && adopting === undefined
      ? "no-op"
      : result.replace
        ? (descriptor?.replaceAction ?? "create-then-delete")
        : "update";
  const names = descriptor?.fieldNames;
  const reason =
    adopting !== undefined
      ? adoptionReason(adopting, result.fields, result.replace, names)
      : action === "no-op"
        ? "up to date"
        : driftReason(result.fields, result.replace, names);
  const impact = impactOf(r.kind, action, result.broadensAccess === true, result.replaceNote);
  const found =
    obs.meta.notes === undefined && adopting === undefined
      ? []
      : [...(obs.meta.notes ?? []), ...(adopting?.details.map((d) => `adopted: ${d}`) ?? [])];
  // Then what the desired state and the diff say about a change that does something (an expired
  // entry already removed, a no-op, is not news).
  const said = action === "no-op" ? [] : [...changeNotes, ...(action === "update" ? (result.notes ?? []) : [])];
  const withFound = found.length === 0 ? impact : { ...impact, notes: [...impact.notes, ...found] };
  return changeOf(
    r,
    {
      action,
      before: obs.live,
      after: r.spec,
      fields: result.fields,
      reason: withMode(r.mode, action, reason),
      impact: withNotes(withFound, said),
      observedFingerprint: obs.meta.fingerprint,
      ...(adopting === undefined ? {} : { adopting: true }),
    },
    [r.spec, obs.live],
  );
}

function changeForOwned(o: OwnedResource): Change {
  const mode = o.mode ?? "enforce";
  const action: Action = mode === "no-delete" ? "no-op" : "delete";
  const why =
    o.removedPolicy === undefined ? "no longer declared in policies" : `policy ${o.removedPolicy} was removed`;
  const reason = mode === "no-delete" ? `${why}; kept (no-delete mode)` : withMode(mode, action, why);
  const change: Change = {
    address: o.address,
    kind: o.kind,
    name: o.name,
    target: o.target,
    action,
    before: o.observation.live,
    after: null,
    fields: [],
    reason,
    impact: impactOf(o.kind, action, false),
    mode,
    observedFingerprint: o.observation.meta.fingerprint,
    dependsOn: [...(o.dependsOn ?? [])].sort(),
    origin: o.origin ?? null,
  };
  return addDisplay(change, o.kind, [o.observation.live]);
}

const kindRank = (k: Kind): number => descriptorOf(k)?.order ?? Number.MAX_SAFE_INTEGER;

/** A binary min-heap of integers: push and pop in O(log n). */
class IntHeap {
  private readonly items: number[] = [];
  push(item: number): void {
    const a = this.items;
    let i = a.length;
    a.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = a[parent] as number;
      if (p <= item) break;
      a[i] = p;
      i = parent;
    }
    a[i] = item;
  }
  pop(): number | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && (a[r] as number) < (a[l] as number) ? r : l;
      const child = a[c] as number;
      if (child >= last) break;
      a[i] = child;
      i = c;
    }
    a[i] = last;
    return top;
  }
}

/**
 * Dependency order (a change comes after every change it depends on that is in the plan), ties
 * broken by kind then address: of the changes whose dependencies are all placed, the first by kind
 * then address comes next. Throws on a dependency cycle (a bug in desired-state derivation).
 * O((n + e) log n) for n changes and e dependencies: the changes are ranked by kind then address
 * once, and the ready ones wait in a heap of ranks.
 */
export function sortChanges(changes: readonly Change[]): Change[] {
  const ranked = changes
    .map((c) => ({ c, kind: kindRank(c.kind) }))
    .sort((a, b) => a.kind - b.kind || (a.c.address < b.c.address ? -1 : a.c.address > b.c.address ? 1 : 0))
    .map((x) => x.c);
  const position = new Map<Address, number>();
  ranked.forEach((c, i) => {
    position.set(c.address, i);
  });
  const pending = new Array<number>(ranked.length).fill(0);
  const dependents: number[][] = ranked.map(() => []);
  ranked.forEach((c, i) => {
    for (const d of new Set(c.dependsOn)) {
      const at = position.get(d);
      if (at === undefined || d === c.address) continue;
      pending[i] = (pending[i] as number) + 1;
      dependents[at]?.push(i);
    }
  });
  const ready = new IntHeap();
  pending.forEach((left, i) => {
    if (left === 0) ready.push(i);
  });
  const out: Change[] = [];
  const placed = new Array<boolean>(ranked.length).fill(false);
  for (let next = ready.pop(); next !== undefined; next = ready.pop()) {
    out.push(ranked[next] as Change);
    placed[next] = true;
    for (const dep of dependents[next] ?? []) {
      const left = (pending[dep] as number) - 1;
      pending[dep] = left;
      if (left === 0) ready.push(dep);
    }
  }
  if (out.length !== changes.length) {
    const stuck = changes.filter((c) => !placed[position.get(c.address) as number]).map((c) => c.address);
    throw new Error(`dependency cycle among: ${stuck.join(", ")}`);
  }
  return out;
}

export function plan(input: PlanInput): PlanDocument {
  const desiredAddresses = new Set<Address>();
  const changes: Change[] = [];
  for (const r of input.desired) {
    if (desiredAddresses.has(r.address)) throw new Error(`desired state declares ${r.address} twice`);
    desiredAddresses.add(r.address);
    const obs = input.observed.get(r.address);
    if (obs === undefined) throw new Error(`no observation for ${r.address}`);
    const adopting = obs.exists ? input.adopting?.get(r.address) : undefined;
    const notes = input.changeNotes?.get(r.address) ?? [];
    changes.push(changeForDesired(r, obs, input.diff, adopting, notes));
  }
  const orphans = new Set<Address>();
  for (const o of input.owned) {
    if (desiredAddresses.has(o.address) || orphans.has(o.address)) continue;
    orphans.add(o.address);
    changes.push(changeForOwned(o));
  }
  const sorted = sortChanges(changes);
  // Renderers show no-op changes only as a count: what a handler noted about one becomes a plan note.
  const noOpNotes: PlanNote[] = [];
  for (const c of sorted) {
    if (c.action !== "no-op") continue;
    for (const message of c.impact.notes) noOpNotes.push({ severity: "info", address: c.address, message });
  }
  // Changes share their policy's target object: each distinct object is keyed once.
  const targets = new Map<string, { account: string; region: string }>();
  const seen = new Set<TargetRef>();
  for (const c of sorted) {
    if (seen.has(c.target)) continue;
    seen.add(c.target);
    targets.set(`${c.target.account}/${c.target.region}`, { account: c.target.account, region: c.target.region });
  }
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    cordonVersion: input.cordonVersion,
    createdAt: input.createdAt,
    policyDigest: input.policyDigest,
    targets: [...targets.keys()].sort().map((k) => targets.get(k) as { account: string; region: string }),
    changes: sorted,
    summary: summarize(sorted),
    notes: [...(input.notes ?? []), ...noOpNotes],
    warnings: [...(input.warnings ?? [])],
    queries: [...(input.queries ?? [])],
  };
}
