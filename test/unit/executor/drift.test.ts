import { describe, expect, it } from "vitest";
import { inPlaceDiff } from "../../../src/domain/diff.js";
import type { AppliedRecord } from "../../../src/executor/applied.js";
import { classifyDrift, classifyOne, correctable } from "../../../src/executor/drift.js";
import { APPLIED_TAG, specDigest } from "../../../src/handlers/applied-tag.js";
import type { Action, Change } from "../../../src/model/change.js";
import type { DriftStatus } from "../../../src/model/drift.js";
import type { PlanDocument } from "../../../src/model/plan.js";
import type { ManagementMode, Observation } from "../../../src/model/resource.js";
import { summarize } from "../../../src/planner/plan.js";

const T = { account: "111122223333", region: "eu-west-1" };
const ADDR = "111122223333/eu-west-1/glue.database/net";
type Spec = { readonly name: string; readonly description: string };
const spec = (description: string): Spec => ({ name: "net", description });

/** A plan change as the planner makes it: before = live, after = desired, fields live → desired. */
function change(live: Spec | null, desired: Spec | null, mode: ManagementMode = "enforce"): Change {
  const fields = live !== null && desired !== null ? inPlaceDiff(desired, live).fields : [];
  const action: Action =
    desired === null ? "delete" : live === null ? "create" : fields.length === 0 ? "no-op" : "update";
  return {
    address: ADDR,
    kind: "glue.database",
    name: "net",
    target: T,
    action,
    before: live,
    after: desired,
    fields,
    reason: "",
    impact: { broadensAccess: false, destructive: false, notes: [] },
    mode,
    observedFingerprint: "x",
    dependsOn: [],
    origin: null,
  };
}

const observation = (live: Spec | null, tags: Record<string, string> = {}): Observation =>
  live === null
    ? { exists: false, fingerprint: "absent" }
    : { exists: true, live, meta: { fingerprint: "f", owned: true, tags } };

const record = (applied: Spec | null): AppliedRecord | null =>
  applied === null
    ? null
    : {
        format: "cordon.applied/v1",
        ...T,
        updatedAt: "2026-11-26T00:00:00Z",
        resources: { [ADDR]: { kind: "glue.database", digest: specDigest(applied), spec: applied, appliedAt: "" } },
      };

const lookup = () => inPlaceDiff;

describe("drift vs pending, per resource", () => {
  const cases: readonly {
    reason: string;
    applied: Spec | null;
    live: Spec | null;
    desired: Spec | null;
    tag?: string;
    status: DriftStatus;
    drift?: readonly unknown[];
    pending?: readonly unknown[];
  }[] = [
    { reason: "AWS matches the policies", applied: spec("a"), live: spec("a"), desired: spec("a"), status: "clean" },
    {
      reason: "changed by hand since the apply, policies unchanged",
      applied: spec("a"),
      live: spec("hand"),
      desired: spec("a"),
      status: "drift",
      drift: [{ path: "/description", before: "a", after: "hand" }],
    },
    {
      reason: "deleted by hand since the apply",
      applied: spec("a"),
      live: null,
      desired: spec("a"),
      status: "drift",
    },
    {
      reason: "policy changed, AWS still as applied",
      applied: spec("a"),
      live: spec("a"),
      desired: spec("b"),
      status: "pending",
      pending: [{ path: "/description", before: "a", after: "b" }],
    },
    {
      reason: "policy changed and AWS changed by hand too",
      applied: spec("a"),
      live: spec("hand"),
      desired: spec("b"),
      status: "drift+pending",
      drift: [{ path: "/description", before: "a", after: "hand" }],
      pending: [{ path: "/description", before: "a", after: "b" }],
    },
    {
      reason: "someone made AWS match the new policy by hand: nothing left to do",
      applied: spec("a"),
      live: spec("b"),
      desired: spec("b"),
      status: "clean",
    },
    {
      reason: "never applied by Cordon and not there yet",
      applied: null,
      live: null,
      desired: spec("a"),
      status: "pending",
    },
    {
      reason: "exists, differs, and no record: cannot be drift (nothing was applied)",
      applied: null,
      live: spec("x"),
      desired: spec("a"),
      status: "pending",
    },
    {
      reason: "no record but the applied tag matches the desired spec: drift",
      applied: null,
      tag: specDigest(spec("a")),
      live: spec("hand"),
      desired: spec("a"),
      status: "drift",
    },
    {
      reason: "no longer declared: its deletion is a pending policy change",
      applied: spec("a"),
      live: spec("a"),
      desired: null,
      status: "pending",
    },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const item = classifyOne(
        change(c.live, c.desired),
        observation(c.live, c.tag !== undefined ? { [APPLIED_TAG]: c.tag } : {}),
        record(c.applied),
        lookup,
      );
      expect(item.status).toBe(c.status);
      if (c.drift !== undefined) expect(item.driftFields).toEqual(c.drift);
      if (c.pending !== undefined) expect(item.pendingFields).toEqual(c.pending);
    });
  }

  it("pending fields come from the kind's semantic diff (applied → desired), as drift fields do", () => {
    const semantic = { path: "/rules/cordon-block", before: ["TV"], after: ["KP", "TV"] };
    const diff = () => (desired: unknown, current: unknown) => ({
      fields:
        JSON.stringify(desired) === JSON.stringify(current) ? [] : [{ ...semantic, before: current, after: desired }],
      replace: false,
    });
    const item = classifyOne(change(spec("a"), spec("b")), observation(spec("a")), record(spec("a")), diff);
    expect(item.status).toBe("pending");
    expect(item.pendingFields).toEqual([{ path: semantic.path, before: spec("a"), after: spec("b") }]);
  });

  it("the record wins over the tag (a no-op recorded later than the tag was written)", () => {
    const item = classifyOne(
      change(spec("b"), spec("b")),
      observation(spec("b"), { [APPLIED_TAG]: specDigest(spec("a")) }),
      record(spec("b")),
      lookup,
    );
    expect(item.status).toBe("clean");
    expect(item.appliedFrom).toBe("record");
  });
});

describe("the report and what --correct may touch", () => {
  const plan = (changes: Change[]): PlanDocument => ({
    formatVersion: "1",
    cordonVersion: "test",
    createdAt: "2026-11-26T00:00:00Z",
    policyDigest: "p",
    targets: [T],
    changes,
    summary: summarize(changes),
    notes: [],
    warnings: [],
    queries: [],
  });

  it("counts both in drift and pending, lists only what is not clean, and corrects drift only outside observe mode", () => {
    const at = (address: string, c: Change): Change => ({ ...c, address });
    const rec: AppliedRecord = {
      format: "cordon.applied/v1",
      ...T,
      updatedAt: "",
      resources: Object.fromEntries(
        ["d1", "d2", "p1", "b1", "c1"].map((n) => [
          n,
          { kind: "glue.database", digest: specDigest(spec("a")), spec: spec("a"), appliedAt: "" },
        ]),
      ),
    };
    const changes = [
      at("d1", change(spec("hand"), spec("a"))),
      at("d2", change(spec("hand"), spec("a"), "observe")),
      at("p1", change(spec("a"), spec("b"))),
      at("b1", change(spec("hand"), spec("b"))),
      at("c1", change(spec("a"), spec("a"))),
    ];
    const report = classifyDrift({
      plan: plan(changes),
      observed: new Map(changes.map((c) => [c.address, observation(c.before as Spec)])),
      records: new Map([["111122223333/eu-west-1", rec]]),
      diff: lookup,
    });
    expect(report.summary).toEqual({ checked: 5, clean: 1, drift: 3, pending: 2, both: 1 });
    expect(report.items.map((i) => `${i.address}:${i.status}`)).toEqual([
      "d1:drift",
      "d2:drift",
      "p1:pending",
      "b1:drift+pending",
    ]);
    const { fix, left } = correctable(report);
    expect(fix.map((i) => i.address)).toEqual(["d1"]);
    expect(left.map((i) => i.address)).toEqual(["d2", "p1", "b1"]);
  });
});

describe("expiry: a pending change that only removes expired entries is correctable", () => {
  const why = ["198.51.100.0/24 expired on 2026-12-31 (INC-42)"];
  // `spec("with")` stands for the policy as of a day the entry was in force, `spec("without")` for today.
  const expiry = new Map([[specDigest(spec("with")), why]]);

  it("applied = the policy as of a day the entry was in force: expired, with why, and corrected", () => {
    const item = classifyOne(
      change(spec("with"), spec("without")),
      observation(spec("with")),
      record(spec("with")),
      lookup,
      expiry,
    );
    expect([item.status, item.expired]).toEqual(["pending", why]);
    expect(item.reason).toBe(
      "198.51.100.0/24 expired on 2026-12-31 (INC-42): past its expiry date in the reviewed policy, removed by correction",
    );
    const report = { items: [item] } as unknown as Parameters<typeof correctable>[0];
    expect(correctable(report).fix).toEqual([item]);
  });

  it("applied = anything else (the policies changed besides the expiry): pending, left for a reviewed apply", () => {
    const item = classifyOne(
      change(spec("other"), spec("without")),
      observation(spec("other")),
      record(spec("other")),
      lookup,
      expiry,
    );
    expect([item.status, item.expired]).toEqual(["pending", undefined]);
    const report = { items: [item] } as unknown as Parameters<typeof correctable>[0];
    expect(correctable(report).fix).toEqual([]);
  });

  it("never in observe mode", () => {
    const item = classifyOne(
      change(spec("with"), spec("without"), "observe"),
      observation(spec("with")),
      record(spec("with")),
      lookup,
      expiry,
    );
    expect(item.expired).toEqual(why);
    const report = { items: [item] } as unknown as Parameters<typeof correctable>[0];
    expect(correctable(report).fix).toEqual([]);
  });
});
