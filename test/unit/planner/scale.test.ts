// The planner at scale: sortChanges keeps exactly the order of the straightforward algorithm (on
// random DAGs) in O((n + e) log n) (docs/performance.md; the growth test: test/contract/plan-growth.test.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { descriptorOf } from "../../../src/handlers/registry.js";
import type { Change } from "../../../src/model/change.js";
import { ABSENT_FINGERPRINT } from "../../../src/model/resource.js";
import { sortChanges } from "../../../src/planner/plan.js";

const T = { account: "111122223333", region: "eu-west-1" };
const KINDS: Change["kind"][] = ["s3.bucket", "s3.bucketPolicy", "ec2.flowLog", "glue.database", "glue.table"];

const mk = (address: string, kind: Change["kind"], dependsOn: string[]): Change => ({
  address,
  kind,
  name: address,
  target: T,
  action: "create",
  before: null,
  after: {},
  fields: [],
  reason: "",
  impact: { broadensAccess: false, destructive: false, notes: [] },
  mode: "enforce",
  observedFingerprint: ABSENT_FINGERPRINT,
  dependsOn,
  origin: null,
});

/** The reference: the ready list sorted by kind then address after every push (what main did). */
function referenceSort(changes: readonly Change[]): Change[] {
  const rank = (c: Change) => descriptorOf(c.kind)?.order ?? Number.MAX_SAFE_INTEGER;
  const cmp = (a: Change, b: Change) =>
    rank(a) - rank(b) || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0);
  const byAddress = new Map(changes.map((c) => [c.address, c]));
  const pending = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const c of changes) {
    const deps = [...new Set(c.dependsOn)].filter((d) => byAddress.has(d) && d !== c.address);
    pending.set(c.address, deps.length);
    for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), c.address]);
  }
  const ready = changes.filter((c) => pending.get(c.address) === 0).sort(cmp);
  const out: Change[] = [];
  while (ready.length > 0) {
    const next = ready.shift() as Change;
    out.push(next);
    for (const dep of dependents.get(next.address) ?? []) {
      const left = (pending.get(dep) ?? 0) - 1;
      pending.set(dep, left);
      if (left === 0) {
        ready.push(byAddress.get(dep) as Change);
        ready.sort(cmp);
      }
    }
  }
  if (out.length !== changes.length) throw new Error("dependency cycle");
  return out;
}

/**
 * A random DAG: node i may depend only on nodes of lower index (plus addresses outside the plan
 * and itself, which sortChanges ignores), shuffled, with random kinds and repeated dependencies.
 */
const randomDag = fc
  .integer({ min: 1, max: 60 })
  .chain((n) =>
    fc.record({
      kinds: fc.array(fc.constantFrom(...KINDS), { minLength: n, maxLength: n }),
      names: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: n, maxLength: n }),
      deps: fc.array(fc.array(fc.nat(), { maxLength: 5 }), { minLength: n, maxLength: n }),
      extra: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      order: fc.array(fc.nat(), { minLength: n, maxLength: n }),
    }),
  )
  .map(({ kinds, names, deps, extra, order }) => {
    const changes = names.map((name, i) => {
      const on = i === 0 ? [] : (deps[i] ?? []).map((d) => names[d % i] as string);
      if (extra[i]) on.push("elsewhere", name);
      return mk(name, kinds[i] as Change["kind"], on);
    });
    // A deterministic shuffle: input order must not matter.
    return changes
      .map((c, i) => ({ c, k: order[i] ?? 0 }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.c);
  });

describe("sortChanges", () => {
  it("gives exactly the order of the reference implementation on random DAGs", () => {
    fc.assert(
      fc.property(randomDag, (changes) => {
        expect(sortChanges(changes).map((c) => c.address)).toEqual(referenceSort(changes).map((c) => c.address));
      }),
      { numRuns: 500 },
    );
  });

  it("still names the changes of a cycle", () => {
    expect(() =>
      sortChanges([mk("a", "ec2.flowLog", ["b"]), mk("b", "ec2.flowLog", ["a"]), mk("c", "s3.bucket", [])]),
    ).toThrow("dependency cycle among: a, b");
  });
});
