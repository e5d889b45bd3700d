import { describe, expect, it } from "vitest";
import { appliedKey, auditKey } from "../../../src/domain/record-keys.js";
import { nextApplied, readApplied, writeApplied } from "../../../src/executor/applied.js";
import { auditLine, auditRecord } from "../../../src/executor/audit.js";
import { specDigest } from "../../../src/handlers/applied-tag.js";
import { appliedDigest } from "../../../src/handlers/registry.js";
import type { Action, Change, Outcome } from "../../../src/model/change.js";
import type { PlanDocument } from "../../../src/model/plan.js";
import { summarize } from "../../../src/planner/plan.js";
import { parsePlanJson, renderPlanJson } from "../../../src/render/plan-json.js";
import { memoryStore } from "../../helpers/memory-store.js";

const T = { account: "111122223333", region: "eu-west-1" };
const OTHER = { account: "444455556666", region: "us-east-1" };

const change = (name: string, action: Action, after: unknown, target = T): Change => ({
  address: `${target.account}/${target.region}/glue.database/${name}`,
  kind: "glue.database",
  name,
  target,
  action,
  before: null,
  after,
  fields: [],
  reason: "",
  impact: { broadensAccess: false, destructive: false, notes: [] },
  mode: "enforce",
  observedFingerprint: "x",
  dependsOn: [],
  origin: null,
});

const plan = (changes: Change[]): PlanDocument => ({
  formatVersion: "1",
  cordonVersion: "test",
  createdAt: "2026-11-26T10:00:00.000Z",
  policyDigest: "p".repeat(64),
  targets: [T, OTHER],
  changes,
  summary: summarize(changes),
  notes: [],
  warnings: [],
  queries: [],
});

const outcome = (c: Change, status: Outcome["status"]): Outcome => ({
  address: c.address,
  action: c.action,
  status,
  durationMs: 1,
});

describe("the applied record", () => {
  const created = change("created", "create", { d: 1 });
  const failed = change("failed", "update", { d: 2 });
  const unchanged = change("unchanged", "no-op", { d: 3 });
  const deleted = change("deleted", "delete", null);
  const elsewhere = change("elsewhere", "create", { d: 4 }, OTHER);
  const p = plan([created, failed, unchanged, deleted, elsewhere]);
  const outcomes = [
    outcome(created, "applied"),
    outcome(failed, "failed"),
    outcome(deleted, "applied"),
    outcome(elsewhere, "applied"),
  ];

  it("records applied specs and no-ops, forgets deletions, keeps failures and other targets as they were", () => {
    const previous = {
      format: "cordon.applied/v1" as const,
      ...T,
      updatedAt: "",
      resources: {
        [deleted.address]: { kind: "glue.database" as const, digest: "old", spec: { d: 0 }, appliedAt: "" },
        [failed.address]: { kind: "glue.database" as const, digest: "before", spec: { d: 1 }, appliedAt: "" },
      },
    };
    const next = nextApplied(previous, p, outcomes, T, new Date("2026-11-26T11:00:00Z"));
    expect(Object.keys(next.resources)).toEqual([created.address, failed.address, unchanged.address]);
    expect(next.resources[created.address]).toMatchObject({ digest: specDigest({ d: 1 }), spec: { d: 1 } });
    expect(next.resources[failed.address]?.digest).toBe("before");
    expect(next.resources[unchanged.address]?.spec).toEqual({ d: 3 });
  });

  it("is written with conditional puts and read back", async () => {
    const store = memoryStore();
    await writeApplied(store, p, outcomes, T);
    await writeApplied(store, p, outcomes, OTHER);
    expect([...store.objects.keys()].sort()).toEqual(
      [appliedKey(T.account, T.region), appliedKey(OTHER.account, OTHER.region)].sort(),
    );
    const back = await readApplied(store, T.account, T.region);
    expect(Object.keys(back?.record.resources ?? {})).toHaveLength(2);
  });

  it("a concurrent writer's update is not lost (read-modify-write retried on a precondition failure)", async () => {
    const store = memoryStore();
    const key = appliedKey(T.account, T.region);
    let raced = false;
    const racing = {
      ...store,
      async put(k: string, text: string, condition?: { ifNoneMatch?: true; ifMatch?: string }) {
        if (!raced) {
          raced = true;
          await writeApplied(store, plan([unchanged]), [], T); // someone else writes first
        }
        return store.put(k, text, condition);
      },
    };
    await writeApplied(racing, plan([created]), [outcome(created, "applied")], T);
    const back = await readApplied(store, T.account, T.region);
    expect(Object.keys(back?.record.resources ?? {}).sort()).toEqual([created.address, unchanged.address].sort());
    expect(store.objects.has(key)).toBe(true);
  });
});

describe("the audit record", () => {
  const c = change("x", "create", { d: 1 });
  const base = {
    id: "1a2b3c4d",
    command: "apply",
    actor: { who: "alice@laptop", ciRunId: "42" },
    cordonVersion: "test",
    startedAt: new Date("2026-11-26T10:00:00.123Z"),
    finishedAt: new Date("2026-11-26T10:00:05Z"),
    plan: plan([c]),
    problems: [],
    locks: ["abc"],
  };
  const cases = [
    { reason: "all applied", outcomes: [outcome(c, "applied")], error: undefined, result: "success" },
    { reason: "a change failed", outcomes: [outcome(c, "failed")], error: "boom", result: "failed" },
    { reason: "stale before anything changed", outcomes: [], error: "stale", result: "failed" },
  ] as const;
  for (const k of cases) {
    it(k.reason, () => {
      const r = auditRecord({ ...base, outcomes: k.outcomes, ...(k.error !== undefined ? { error: k.error } : {}) });
      expect(r.result).toBe(k.result);
      expect(r).toMatchObject({
        who: "alice@laptop",
        ciRunId: "42",
        targets: ["111122223333/eu-west-1", "444455556666/us-east-1"],
      });
      expect(r.planDigest).toMatch(/^[0-9a-f]{64}$/);
    });
  }

  it("names the plan by the digest its JSON rendering carries, or the reviewed file's digest", () => {
    const rendered = parsePlanJson(renderPlanJson(base.plan));
    expect(auditRecord({ ...base, outcomes: [] }).planDigest).toBe(rendered.digest);
    const reviewed = "f".repeat(64);
    expect(auditRecord({ ...base, plan: { ...base.plan, digest: reviewed }, outcomes: [] }).planDigest).toBe(reviewed);
  });

  it("lives under cordon/audit/<date>/<timestamp>-<id>.json and prints as one line", () => {
    expect(auditKey(base.startedAt, base.id)).toBe("cordon/audit/2026-11-26/20261126T100000Z-1a2b3c4d.json");
    const r = auditRecord({ ...base, outcomes: [outcome(c, "applied")] });
    const line = auditLine(r, ["s3://b/cordon/audit/2026-11-26/x.json"]);
    expect(line).toMatch(
      /^Audit 1a2b3c4d: success — 1 applied, 0 failed, 0 skipped by alice@laptop, plan [0-9a-f]{12} → s3:\/\/b\//,
    );
    expect(line.includes("\n")).toBe(false);
  });
});

describe("applied digests", () => {
  const flowLog = (resourceId: string, trafficType: string, logDestination: string) => ({
    resourceId,
    resourceType: "VPC",
    trafficType,
    logDestination,
    logFormat: ["version", "srcaddr"].map((f) => `\${${f}}`).join(" "),
    maxAggregationInterval: 600,
    fileFormat: "plain-text",
    hiveCompatiblePartitions: false,
    perHourPartition: false,
    tags: { team: "net" },
  });
  it("a flow log's digest covers its settings, not the resource it is on (one batched create tags all alike)", () => {
    const a = appliedDigest("ec2.flowLog", flowLog("vpc-1", "ALL", "arn:aws:s3:::b/p"));
    expect(appliedDigest("ec2.flowLog", flowLog("vpc-2", "ALL", "arn:aws:s3:::b/p/"))).toBe(a); // same settings, normalised
    expect(appliedDigest("ec2.flowLog", flowLog("vpc-1", "REJECT", "arn:aws:s3:::b/p"))).not.toBe(a);
  });
  it("other kinds digest the whole spec", () => {
    expect(appliedDigest("glue.database", { name: "a" })).toBe(specDigest({ name: "a" }));
    expect(appliedDigest("glue.database", { name: "a" })).toMatch(/^[0-9a-f]{16}$/);
  });
});
