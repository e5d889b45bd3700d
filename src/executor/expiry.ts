// Expiry enforced by correction (docs/operations.md, "Expiry enforced by correction"). An entry
// past its `expires` date is part of the reviewed policy: removing it is no unreviewed change. So
// `drift --correct` and `watch` may apply a resource's pending change when the policies are the
// ones last applied, except that entries have expired since.
//
// The test is exact: the desired state is made again as of each day on which an entry that has
// expired by today was still in force (its `expires` day). When what Cordon last applied at an
// address (its applied digest) equals the spec made as of such a day, the policies have not changed
// since that apply but for the entries that expired after that day, and those entries are why the
// resource changes now. Any other difference (an edited entry, a new one) matches no such spec:
// the change stays pending and needs a reviewed apply.
import { expiryNote } from "../domain/guard.js";
import { appliedDigest } from "../handlers/registry.js";
import type { LoadedPolicy } from "../model/policy.js";
import type { Address } from "../model/resource.js";
import type { BlockingInventory, Inventory } from "../model/specs.js";
import type { DesiredState } from "../policy/desired/builder.js";
import { desiredState } from "../policy/desired/index.js";
import { hasErrors } from "../policy/index.js";

/**
 * Per address: applied digests that differ from the desired spec only by expiry, each with why
 * ("198.51.100.0/24 expired on 2026-12-31 (INC-42)", one per entry that expired since).
 */
export type ExpiryIndex = ReadonlyMap<Address, ReadonlyMap<string, readonly string[]>>;

interface Expired {
  readonly file: string;
  readonly expires: string;
  /** The change note the desired state gives the resources this entry was in. */
  readonly note: string;
  /** "198.51.100.0/24 expired on 2026-12-31 (INC-42)". */
  readonly why: string;
}

function expiredEntries(l: LoadedPolicy, today: string): Expired[] {
  const out: Expired[] = [];
  const add = (what: string, e: { reason: string; ticket?: string; expires?: string }) => {
    if (e.expires === undefined || !(e.expires < today)) return;
    out.push({
      file: l.source.file,
      expires: e.expires,
      note: expiryNote(what, e),
      why: `${what} expired on ${e.expires}${e.ticket !== undefined ? ` (${e.ticket})` : ""}`,
    });
  };
  for (const e of l.policy.blockedAddresses?.entries ?? []) add(e.cidr, e);
  for (const c of l.policy.blockedCountries?.countries ?? []) add(`country ${c.code}`, c);
  return out;
}

export function expiryIndex(
  policies: readonly LoadedPolicy[],
  inventories: {
    readonly network: ReadonlyMap<string, Inventory>;
    readonly blocking: ReadonlyMap<string, BlockingInventory>;
  },
  today: string,
  now: DesiredState,
): ExpiryIndex {
  const expired = policies.flatMap((l) => expiredEntries(l, today));
  const index = new Map<Address, Map<string, readonly string[]>>();
  if (expired.length === 0) return index;
  const nowDigest = new Map(now.resources.map((r) => [r.address, appliedDigest(r.kind, r.spec)]));
  for (const day of [...new Set(expired.map((e) => e.expires))].sort()) {
    const then = desiredState(policies, inventories, { today: day });
    if (hasErrors(then.diagnostics)) continue;
    for (const r of then.resources) {
      const digest = appliedDigest(r.kind, r.spec);
      if (digest === nowDigest.get(r.address)) continue;
      // The entries in force on `day` that have expired since, and that this resource held.
      const since = expired.filter((e) => e.expires >= day);
      const noted = new Set(now.changeNotes.get(r.address) ?? []);
      const before = new Set(then.changeNotes.get(r.address) ?? []);
      const held = since.filter((e) => noted.has(e.note) && !before.has(e.note));
      const why = (held.length > 0 ? held : since.filter((e) => e.file === r.origin?.file)).map((e) => e.why);
      if (why.length === 0) continue;
      const at = index.get(r.address) ?? new Map<string, readonly string[]>();
      if (!at.has(digest)) at.set(digest, why);
      index.set(r.address, at);
    }
  }
  return index;
}
