import { describe, expect, it } from "vitest";
import { type Change, isExecutable } from "../../../src/model/change.js";
import type { DesiredResource, Observation } from "../../../src/model/resource.js";
import { ABSENT_FINGERPRINT } from "../../../src/model/resource.js";
import { type OwnedResource, plan, sortChanges } from "../../../src/planner/plan.js";
import { DIFFS, ORPHAN, representativePlan } from "../../helpers/plan-fixture.js";

const T = { account: "111122223333", region: "eu-west-1" };
const origin = { file: "p.yaml", document: 0, section: "flowLogs" };

const flowLog = (
  name: string,
  mode: DesiredResource["mode"] = "enforce",
  spec: object = { trafficType: "ALL" },
): DesiredResource => ({
  address: `${T.account}/${T.region}/ec2.flowLog/${name}`,
  kind: "ec2.flowLog",
  name,
  target: T,
  spec,
  mode,
  origin,
  dependsOn: [],
});

const live = (spec: unknown, fp = "fp-live"): Observation => ({
  exists: true,
  live: spec,
  meta: { fingerprint: fp, owned: true },
});
const absent: Observation = { exists: false, fingerprint: ABSENT_FINGERPRINT };

const run = (desired: DesiredResource[], observed: [string, Observation][], owned: OwnedResource[] = []) =>
  plan({
    desired,
    observed: new Map(observed),
    owned,
    diff: {
      "ec2.flowLog": (d: { trafficType: string }, l: { trafficType: string }) => ({
        fields:
          d.trafficType === l.trafficType
            ? []
            : [{ path: "/trafficType", before: l.trafficType, after: d.trafficType, forcesReplacement: true }],
        replace: d.trafficType !== l.trafficType,
      }),
    },
    policyDigest: "d".repeat(64),
    createdAt: "2026-05-01T00:00:00Z",
    cordonVersion: "test",
  });

describe("plan: one change per resource", () => {
  const fl = flowLog("vpc-1");
  const cases: {
    reason: string;
    desired: DesiredResource[];
    observed: [string, Observation][];
    owned?: OwnedResource[];
    action: Change["action"];
    reasonText: string;
    executable: boolean;
    broadens: boolean;
    destructive: boolean;
    fingerprint: string;
  }[] = [
    {
      reason: "missing → create",
      desired: [fl],
      observed: [[fl.address, absent]],
      action: "create",
      reasonText: "missing in AWS",
      executable: true,
      broadens: false,
      destructive: false,
      fingerprint: "absent",
    },
    {
      reason: "equal → no-op, kept in the plan",
      desired: [fl],
      observed: [[fl.address, live({ trafficType: "ALL" })]],
      action: "no-op",
      reasonText: "up to date",
      executable: false,
      broadens: false,
      destructive: false,
      fingerprint: "fp-live",
    },
    {
      reason: "immutable field drifted → create-then-delete (no logging gap)",
      desired: [fl],
      observed: [[fl.address, live({ trafficType: "REJECT" })]],
      action: "create-then-delete",
      reasonText: "differs from the policies: trafficType (forces replacement)",
      executable: true,
      broadens: false,
      destructive: false,
      fingerprint: "fp-live",
    },
    {
      reason: "observe mode: reported with its action, not executable",
      desired: [flowLog("vpc-1", "observe")],
      observed: [[fl.address, absent]],
      action: "create",
      reasonText: "observe mode: not changing; missing in AWS",
      executable: false,
      broadens: false,
      destructive: false,
      fingerprint: "absent",
    },
    {
      reason: "owned and no longer declared → delete; losing a flow log broadens access",
      desired: [],
      observed: [],
      owned: [ORPHAN],
      action: "delete",
      reasonText: "no longer declared in policies",
      executable: true,
      broadens: true,
      destructive: true,
      fingerprint: "f".repeat(64),
    },
    {
      reason: "observe mode never deletes",
      desired: [],
      observed: [],
      owned: [{ ...ORPHAN, mode: "observe" }],
      action: "delete",
      reasonText: "observe mode: not changing; no longer declared in policies",
      executable: false,
      broadens: true,
      destructive: true,
      fingerprint: "f".repeat(64),
    },
    {
      reason: "no-delete mode keeps what is no longer declared",
      desired: [],
      observed: [],
      owned: [{ ...ORPHAN, mode: "no-delete" }],
      action: "no-op",
      reasonText: "no longer declared in policies; kept (no-delete mode)",
      executable: false,
      broadens: false,
      destructive: false,
      fingerprint: "f".repeat(64),
    },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const doc = run(c.desired, c.observed, c.owned);
      expect(doc.changes).toHaveLength(1);
      const ch = doc.changes[0] as Change;
      expect(ch.action).toBe(c.action);
      expect(ch.reason).toBe(c.reasonText);
      expect(isExecutable(ch)).toBe(c.executable);
      expect(ch.impact.broadensAccess).toBe(c.broadens);
      expect(ch.impact.destructive).toBe(c.destructive);
      expect(ch.observedFingerprint).toBe(c.fingerprint);
    });
  }

  it("ignores an owned resource that is still declared", () => {
    const doc = run([flowLog("vpc-0old")], [[ORPHAN.address, live({ trafficType: "ALL" })]], [ORPHAN]);
    expect(doc.changes.map((c) => c.action)).toEqual(["no-op"]);
  });

  it("a kind without a registered diff is diffed structurally and updated in place", () => {
    const db: DesiredResource = {
      ...flowLog("db"),
      kind: "glue.database",
      address: "a/r/glue.database/db",
      spec: { description: "x" },
    };
    const doc = run([db], [[db.address, live({ description: "y" })]]);
    expect(doc.changes[0]?.action).toBe("update");
    expect(doc.changes[0]?.fields).toEqual([{ path: "/description", before: "y", after: "x" }]);
  });

  it("throws when an observation is missing (a caller bug, not a plan)", () => {
    expect(() => run([fl], [])).toThrow(/no observation/);
  });
});

describe("sortChanges: dependency order, then kind, then address", () => {
  const mk = (address: string, kind: Change["kind"], dependsOn: string[] = []): Change => ({
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
    observedFingerprint: "absent",
    dependsOn,
    origin: null,
  });
  it("puts dependencies first even against kind order", () => {
    const out = sortChanges([
      mk("z-table", "glue.table", ["y-db"]),
      mk("b-flow", "ec2.flowLog", ["a-policy"]),
      mk("y-db", "glue.database"),
      mk("a-policy", "s3.bucketPolicy", ["x-bucket"]),
      mk("x-bucket", "s3.bucket"),
    ]);
    expect(out.map((c) => c.address)).toEqual(["x-bucket", "a-policy", "b-flow", "y-db", "z-table"]);
  });
  it("an address depending on something outside the plan is not blocked", () => {
    expect(sortChanges([mk("b", "ec2.flowLog", ["elsewhere"]), mk("a", "ec2.flowLog")]).map((c) => c.address)).toEqual([
      "a",
      "b",
    ]);
  });
  it("refuses a cycle", () => {
    expect(() => sortChanges([mk("a", "s3.bucket", ["b"]), mk("b", "s3.bucket", ["a"])])).toThrow(/cycle/);
  });
});

describe("the representative plan", () => {
  const doc = representativePlan();
  it("counts like Terraform: a replacement is one add and one destroy; observe-mode and no-ops apart", () => {
    expect(doc.summary).toEqual({
      add: 2,
      change: 2,
      destroy: 2,
      replace: 1,
      broadensAccess: 1,
      observeOnly: 1,
      noop: 2,
    });
  });
  it("is sorted in dependency order and deterministic", () => {
    const index = new Map(doc.changes.map((c, i) => [c.address, i]));
    for (const c of doc.changes)
      for (const d of c.dependsOn) if (index.has(d)) expect(index.get(d)).toBeLessThan(index.get(c.address) as number);
    expect(JSON.stringify(representativePlan())).toBe(JSON.stringify(doc));
  });
  it("lists every target", () => {
    expect(doc.targets).toEqual([
      { account: "111122223333", region: "eu-west-1" },
      { account: "444455556666", region: "us-east-1" },
    ]);
  });
  it("uses the registered diffs (DIFFS) for flow logs, bucket policies and tables", () => {
    expect(Object.keys(DIFFS).sort()).toEqual(["ec2.flowLog", "glue.table", "s3.bucketPolicy"]);
  });
});

describe("context fields", () => {
  it("a kind's context-only spec members are named on its changes (the renderers hide them), other kinds have none", () => {
    const nacl: DesiredResource = {
      ...flowLog("acl-1"),
      address: `${T.account}/${T.region}/ec2.naclEntries/acl-1`,
      kind: "ec2.naclEntries",
      spec: { aclId: "acl-1", entries: [], others: [], entryQuota: 20 },
    };
    const doc = run(
      [nacl, flowLog("vpc-1")],
      [
        [nacl.address, absent],
        [flowLog("vpc-1").address, absent],
      ],
    );
    const byKind = new Map(doc.changes.map((c) => [c.kind, c]));
    expect(byKind.get("ec2.naclEntries")?.contextFields).toEqual(["entryQuota", "others"]);
    expect(byKind.get("ec2.flowLog")).not.toHaveProperty("contextFields");
  });
});
