// --shard I/N (docs/targets.md): one of N disjoint parts of a policy set's targets, for CI matrices
// where each job plans or applies its own targets. Deterministic and offline.
//
// The unit of sharding is a group of targets that must be planned together: targets whose policies
// name the same flow-log bucket (the bucket's policy lists every account that writes to it, so
// planning one without the others would drop their statements). Groups are ordered by their
// smallest account/region and dealt round-robin: group k (0-based) goes to shard (k mod N) + 1.
// Adding a target can move others to another shard; that is harmless (a lock per target).
import { UsageError } from "../model/errors.js";
import type { LoadedPolicy } from "../model/policy.js";

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

/** Parses "I/N" (1 ≤ I ≤ N ≤ 1000); UsageError otherwise. */
export function parseShard(text: string): Shard {
  const m = /^([0-9]{1,4})\/([0-9]{1,4})$/.exec(text.trim());
  const index = m === null ? Number.NaN : Number(m[1]);
  const count = m === null ? Number.NaN : Number(m[2]);
  if (!(index >= 1 && count >= 1 && index <= count && count <= 1000)) {
    throw new UsageError(`--shard must be I/N with 1 ≤ I ≤ N ≤ 1000, e.g. 2/4 (got "${text}")`);
  }
  return { index, count };
}

export const shardLabel = (s: Shard): string => `${s.index}/${s.count}`;

const keyOf = (p: LoadedPolicy): string => `${p.policy.target.account}/${p.policy.target.region}`;

/** The targets (account/region keys) of every shard, in order: element i is shard i + 1's. */
export function shardTargets(policies: readonly LoadedPolicy[], count: number): string[][] {
  // Union-find over target keys, joined by shared bucket names.
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let r = k;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(k, r);
    return r;
  };
  const union = (a: string, b: string) => {
    const [x, y] = [find(a), find(b)];
    // The smaller key becomes the root.
    if (x < y) parent.set(y, x);
    else if (y < x) parent.set(x, y);
  };
  const byBucket = new Map<string, string>();
  for (const p of policies) {
    const key = keyOf(p);
    if (!parent.has(key)) parent.set(key, key);
    const bucket = p.policy.flowLogs?.bucket.name;
    if (bucket === undefined) continue;
    const other = byBucket.get(bucket);
    if (other === undefined) byBucket.set(bucket, key);
    else union(other, key);
  }
  const groups = new Map<string, string[]>();
  for (const key of [...parent.keys()].sort()) {
    const root = find(key);
    groups.set(root, [...(groups.get(root) ?? []), key]);
  }
  const ordered = [...groups.values()].sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  const shards: string[][] = Array.from({ length: count }, () => []);
  ordered.forEach((group, k) => {
    shards[k % count]!.push(...group);
  });
  return shards.map((s) => s.sort());
}

/** The policies (one per target, as loaded) of shard `shard`. */
export function policiesOfShard(policies: readonly LoadedPolicy[], shard: Shard): LoadedPolicy[] {
  const mine = new Set(shardTargets(policies, shard.count)[shard.index - 1]);
  return policies.filter((p) => mine.has(keyOf(p)));
}
