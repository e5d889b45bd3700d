import { describe, expect, it } from "vitest";
import { applyPlan, type ProgressEvent } from "../../../src/executor/apply.js";
import { passFactory } from "../../../src/executor/observe.js";
import { type Handler, type HandlerContext, SideBySideRefusedError } from "../../../src/handlers/contract.js";
import type { Action, Change } from "../../../src/model/change.js";
import { AwsError, StalePlanError } from "../../../src/model/errors.js";
import type { PlanDocument } from "../../../src/model/plan.js";
import { ABSENT_FINGERPRINT, type Kind, type Observation, type TargetRef } from "../../../src/model/resource.js";

// A fake AWS: resources by address, each a list of live instances (a replacement briefly has two).
interface Instance {
  id: number;
  spec: unknown;
}

const target: TargetRef = { account: "111122223333", region: "eu-west-1" };

function fakeWorld() {
  const store = new Map<string, Instance[]>();
  const log: string[] = [];
  const failOn = new Set<string>(); // "create:addr", "delete:addr", "update:addr"
  const throttleOnce = new Set<string>();
  const unhealthy = new Set<string>();
  /** Addresses where AWS refuses a second instance beside an existing one (one per slot). */
  const oneSlot = new Set<string>();
  /** Addresses whose slot another, unrelated resource holds (its id). */
  const heldBy = new Map<string, string>();
  /** Refusals still naming a deleted instance (AWS not seeing the delete yet): address → [id, times]. */
  const staleRefusals = new Map<string, [string, number]>();
  let nextId = 1;
  const fp = (i: Instance) => `fp:${i.id}:${JSON.stringify(i.spec)}`;

  const observe = (address: string): Observation => {
    const list = store.get(address) ?? [];
    const last = list[list.length - 1];
    if (!last) return { exists: false, fingerprint: ABSENT_FINGERPRINT };
    return { exists: true, live: last.spec, meta: { id: String(last.id), fingerprint: fp(last), owned: true } };
  };
  const maybeFail = (op: string, address: string) => {
    const key = `${op}:${address}`;
    if (throttleOnce.delete(key)) throw new AwsError(op, address, "ThrottlingException", "Rate exceeded");
    if (failOn.has(key)) throw new AwsError(op, address, "InvalidParameterValue", `boom on ${address}`);
  };
  const handler = (kind: Kind): Handler => ({
    kind,
    async observe(_ctx: HandlerContext, d) {
      log.push(`observe ${d.address}`);
      return observe(d.address);
    },
    diff(desired, live) {
      const same = JSON.stringify(desired) === JSON.stringify(live);
      return { fields: same ? [] : [{ path: "", before: live, after: desired }], replace: false };
    },
    async create(_ctx, d) {
      log.push(`create ${d.address}`);
      const stale = staleRefusals.get(d.address);
      if (stale !== undefined && stale[1] > 0 && (store.get(d.address) ?? []).length === 0) {
        stale[1]--;
        throw new SideBySideRefusedError("Create", d.address, "AlreadyExists", stale[0], `slot held by ${stale[0]}`);
      }
      const holder = heldBy.get(d.address) ?? (oneSlot.has(d.address) ? store.get(d.address)?.[0]?.id : undefined);
      if (holder !== undefined) {
        throw new SideBySideRefusedError(
          "Create",
          d.address,
          "AlreadyExists",
          String(holder),
          `slot held by ${holder}`,
        );
      }
      maybeFail("create", d.address);
      const list = store.get(d.address) ?? [];
      list.push({ id: nextId++, spec: d.spec });
      store.set(d.address, list);
      return null;
    },
    async update(_ctx, d, live) {
      log.push(`update ${d.address}`);
      maybeFail("update", d.address);
      const inst = (store.get(d.address) ?? []).find((i) => String(i.id) === live.meta.id);
      if (inst) inst.spec = d.spec;
    },
    async delete(_ctx, address, live) {
      log.push(`delete ${address}#${live.meta.id}`);
      maybeFail("delete", address);
      store.set(
        address,
        (store.get(address) ?? []).filter((i) => String(i.id) !== live.meta.id),
      );
      if (store.get(address)?.length === 0) store.delete(address);
    },
    health(obs) {
      return unhealthy.has(String(obs.live)) ? `delivery FAILED for ${String(obs.live)}` : null;
    },
  });
  const seed = (address: string, spec: unknown) => {
    store.set(address, [...(store.get(address) ?? []), { id: nextId++, spec }]);
  };
  const fingerprintNow = (address: string): string => {
    const o = observe(address);
    return o.exists ? o.meta.fingerprint : o.fingerprint;
  };
  return { store, log, failOn, throttleOnce, unhealthy, oneSlot, heldBy, staleRefusals, handler, seed, fingerprintNow };
}

type World = ReturnType<typeof fakeWorld>;

function change(
  world: World,
  name: string,
  action: Action,
  after: unknown,
  dependsOn: string[] = [],
  extra: Partial<Change> = {},
): Change {
  const address = `111122223333/eu-west-1/glue.table/${name}`;
  const o = world.store.get(address);
  const before = o?.[o.length - 1]?.spec ?? null;
  return {
    address,
    kind: "glue.table",
    name,
    target,
    action,
    before,
    after,
    fields: [],
    reason: "test",
    impact: { broadensAccess: false, destructive: false, notes: [] },
    mode: "enforce",
    observedFingerprint: world.fingerprintNow(address),
    dependsOn: dependsOn.map((d) => `111122223333/eu-west-1/glue.table/${d}`),
    origin: null,
    ...extra,
  };
}

function planOf(changes: Change[], policyDigest = "digest-1"): PlanDocument {
  return {
    formatVersion: "1",
    cordonVersion: "test",
    createdAt: "2026-01-01T00:00:00.000Z",
    policyDigest,
    targets: [target],
    changes,
    summary: { add: 0, change: 0, destroy: 0, replace: 0, broadensAccess: 0, observeOnly: 0, noop: 0 },
    notes: [],
    warnings: [],
    queries: [],
  };
}

const noRetryDelay = { attempts: 3, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => {} };

function options(world: World, extra: Partial<Parameters<typeof applyPlan>[1]> = {}) {
  const h = world.handler("glue.table");
  return {
    handlers: (k: Kind) => (k === "glue.table" ? h : undefined),
    passes: passFactory({ ports: () => ({}) }),
    retry: noRetryDelay,
    ...extra,
  };
}

const mutations = (w: World) => w.log.filter((l) => !l.startsWith("observe"));

describe("applyPlan", () => {
  it("executes creates in dependency order, whatever the order of the plan", async () => {
    const w = fakeWorld();
    const plan = planOf([
      change(w, "flowlog-b", "create", "B", ["policy"]),
      change(w, "flowlog-a", "create", "A", ["policy"]),
      change(w, "policy", "create", "P", ["bucket"]),
      change(w, "bucket", "create", "K"),
    ]);
    const events: ProgressEvent[] = [];
    const result = await applyPlan(plan, options(w, { concurrency: 4, onEvent: (e) => events.push(e) }));
    const order = mutations(w);
    expect(order.indexOf("create 111122223333/eu-west-1/glue.table/bucket")).toBe(0);
    expect(order.indexOf("create 111122223333/eu-west-1/glue.table/policy")).toBe(1);
    expect(order.slice(2).sort()).toEqual([
      "create 111122223333/eu-west-1/glue.table/flowlog-a",
      "create 111122223333/eu-west-1/glue.table/flowlog-b",
    ]);
    expect(result.outcomes.map((o) => o.status)).toEqual(["applied", "applied", "applied", "applied"]);
    expect(result.problems).toEqual([]);
    // every change starts and ends, and the policy starts only after the bucket ended
    const idx = (type: string, name: string) => events.findIndex((e) => e.type === type && e.change.name === name);
    expect(idx("end", "bucket")).toBeLessThan(idx("start", "policy"));
    expect(idx("end", "policy")).toBeLessThan(idx("start", "flowlog-a"));
  });

  it("deletes in reverse dependency order, after every create", async () => {
    const w = fakeWorld();
    w.seed("111122223333/eu-west-1/glue.table/bucket", "K");
    w.seed("111122223333/eu-west-1/glue.table/policy", "P");
    w.seed("111122223333/eu-west-1/glue.table/flowlog", "F");
    const plan = planOf([
      change(w, "bucket", "delete", null),
      change(w, "policy", "delete", null, ["bucket"]),
      change(w, "flowlog", "delete", null, ["policy"]),
      change(w, "other", "create", "O"),
    ]);
    await applyPlan(plan, options(w, { concurrency: 4 }));
    expect(mutations(w).map((l) => l.replace(/#\d+$/, ""))).toEqual([
      "create 111122223333/eu-west-1/glue.table/other",
      "delete 111122223333/eu-west-1/glue.table/flowlog",
      "delete 111122223333/eu-west-1/glue.table/policy",
      "delete 111122223333/eu-west-1/glue.table/bucket",
    ]);
    expect(w.store.size).toBe(1);
  });

  it("a replacement AWS refuses beside the old one: deletes the old one, creates the new one at once, reports the gap", async () => {
    const w = fakeWorld();
    const address = "111122223333/eu-west-1/glue.table/flowlog";
    w.seed(address, "old");
    w.oneSlot.add(address);
    const events: ProgressEvent[] = [];
    const result = await applyPlan(
      planOf([change(w, "flowlog", "create-then-delete", "new")]),
      options(w, { onEvent: (e) => events.push(e) }),
    );
    expect(mutations(w)).toEqual([`create ${address}`, `delete ${address}#1`, `create ${address}`]);
    expect(w.store.get(address)?.map((i) => i.spec)).toEqual(["new"]);
    expect(result.outcomes[0]).toMatchObject({
      status: "applied",
      message: expect.stringMatching(
        /^replaced by delete-then-create: AWS refused a second one beside 1; it was deleted and the replacement created at once \(absent for \d+ ms\)$/,
      ),
    });
    const gaps = events.filter((e) => e.type === "gap");
    expect(gaps).toEqual([
      expect.objectContaining({
        lapsed: false,
        message: "slot held by 1; deleting 1 and creating its replacement at once (no control in between)",
      }),
    ]);
    expect(result.problems).toEqual([]);
  });

  it("a create failing after the fallback delete is retried at once, then reported loudly as a lapsed control", async () => {
    const w = fakeWorld();
    const address = "111122223333/eu-west-1/glue.table/flowlog";
    w.seed(address, "old");
    w.oneSlot.add(address);
    w.failOn.add(`create:${address}`);
    const events: ProgressEvent[] = [];
    const result = await applyPlan(
      planOf([change(w, "flowlog", "create-then-delete", "new")]),
      options(w, { onEvent: (e) => events.push(e) }),
    );
    const after = mutations(w).slice(mutations(w).indexOf(`delete ${address}#1`));
    // One immediate retry, then the usual retries (InvalidParameterValue is not retryable: none).
    expect(after).toEqual([`delete ${address}#1`, `create ${address}`, `create ${address}`]);
    expect(result.outcomes[0]?.status).toBe("failed");
    expect(result.outcomes[0]?.message).toMatch(
      /^CONTROL LAPSED: 1 was deleted \(AWS refused its replacement beside it\) and creating the replacement failed: .*boom/,
    );
    expect(events.filter((e) => e.type === "gap").map((e) => e.type === "gap" && e.lapsed)).toEqual([false, true]);
  });

  it("after the fallback delete, a refusal still naming the deleted one is retried until AWS sees the delete", async () => {
    const w = fakeWorld();
    const address = "111122223333/eu-west-1/glue.table/flowlog";
    w.seed(address, "old");
    w.oneSlot.add(address);
    w.staleRefusals.set(address, ["1", 2]);
    const result = await applyPlan(planOf([change(w, "flowlog", "create-then-delete", "new")]), options(w));
    expect(mutations(w)).toEqual([
      `create ${address}`,
      `delete ${address}#1`,
      `create ${address}`,
      `create ${address}`,
      `create ${address}`,
    ]);
    expect(result.outcomes[0]?.status).toBe("applied");
    expect(w.store.get(address)?.map((i) => i.spec)).toEqual(["new"]);
  });

  it("a refusal naming another resource than the one replaced fails the change and deletes nothing", async () => {
    const w = fakeWorld();
    const address = "111122223333/eu-west-1/glue.table/flowlog";
    w.seed(address, "old");
    w.heldBy.set(address, "999");
    const result = await applyPlan(planOf([change(w, "flowlog", "create-then-delete", "new")]), options(w));
    expect(mutations(w)).toEqual([`create ${address}`]);
    expect(result.outcomes[0]).toMatchObject({ status: "failed", message: expect.stringMatching(/slot held by 999/) });
    expect(w.store.get(address)?.map((i) => i.spec)).toEqual(["old"]);
  });

  it("replaces by creating the new resource before deleting the old one", async () => {
    const w = fakeWorld();
    w.seed("111122223333/eu-west-1/glue.table/flowlog", "old");
    const plan = planOf([change(w, "flowlog", "create-then-delete", "new")]);
    const result = await applyPlan(plan, options(w));
    expect(mutations(w)).toEqual([
      "create 111122223333/eu-west-1/glue.table/flowlog",
      "delete 111122223333/eu-west-1/glue.table/flowlog#1",
    ]);
    expect(w.store.get("111122223333/eu-west-1/glue.table/flowlog")?.map((i) => i.spec)).toEqual(["new"]);
    expect(result.outcomes[0]?.status).toBe("applied");
  });

  it("keeps the old resource when the create half of a replacement fails (no gap)", async () => {
    const w = fakeWorld();
    w.seed("111122223333/eu-west-1/glue.table/flowlog", "old");
    w.failOn.add("create:111122223333/eu-west-1/glue.table/flowlog");
    const result = await applyPlan(planOf([change(w, "flowlog", "create-then-delete", "new")]), options(w));
    expect(mutations(w)).toEqual(["create 111122223333/eu-west-1/glue.table/flowlog"]);
    expect(w.store.get("111122223333/eu-west-1/glue.table/flowlog")?.map((i) => i.spec)).toEqual(["old"]);
    expect(result.outcomes[0]).toMatchObject({ status: "failed", message: expect.stringContaining("boom") });
  });

  it("skips dependents of a failed change and continues independent ones", async () => {
    const w = fakeWorld();
    w.failOn.add("create:111122223333/eu-west-1/glue.table/policy");
    const plan = planOf([
      change(w, "policy", "create", "P"),
      change(w, "flowlog", "create", "F", ["policy"]),
      change(w, "deeper", "create", "D", ["flowlog"]),
      change(w, "table", "create", "T"),
    ]);
    const result = await applyPlan(plan, options(w, { concurrency: 1 }));
    const byName = Object.fromEntries(result.outcomes.map((o) => [o.address.split("/").pop(), o]));
    expect(byName["policy"]?.status).toBe("failed");
    expect(byName["flowlog"]).toMatchObject({ status: "skipped", message: expect.stringContaining("policy") });
    expect(byName["deeper"]?.status).toBe("skipped");
    expect(byName["table"]?.status).toBe("applied");
    expect(mutations(w)).not.toContain("create 111122223333/eu-west-1/glue.table/flowlog");
  });

  it("does not delete what a failed deletion still depends on", async () => {
    const w = fakeWorld();
    w.seed("111122223333/eu-west-1/glue.table/policy", "P");
    w.seed("111122223333/eu-west-1/glue.table/flowlog", "F");
    w.failOn.add("delete:111122223333/eu-west-1/glue.table/flowlog");
    const plan = planOf([change(w, "policy", "delete", null), change(w, "flowlog", "delete", null, ["policy"])]);
    const result = await applyPlan(plan, options(w));
    expect(result.outcomes.map((o) => o.status)).toEqual(["skipped", "failed"]);
    expect(w.store.has("111122223333/eu-west-1/glue.table/policy")).toBe(true);
  });

  it("refuses a stale plan, naming what changed, before changing anything", async () => {
    const w = fakeWorld();
    w.seed("111122223333/eu-west-1/glue.table/a", "A");
    const plan = planOf([change(w, "a", "update", "A2"), change(w, "b", "create", "B"), change(w, "c", "no-op", null)]);
    w.seed("111122223333/eu-west-1/glue.table/b", "B-by-someone-else");
    const run = applyPlan(plan, options(w));
    await expect(run).rejects.toBeInstanceOf(StalePlanError);
    await run.catch((e: StalePlanError) => {
      expect(e.details).toEqual([expect.stringMatching(/glue\.table\/b: did not exist when planned/)]);
    });
    expect(mutations(w)).toEqual([]);
  });

  it("refuses a plan made from other policies", async () => {
    const w = fakeWorld();
    const run = applyPlan(planOf([change(w, "a", "create", "A")]), options(w, { currentPolicyDigest: "digest-2" }));
    await expect(run).rejects.toThrow(/policies changed/);
    expect(w.log).toEqual([]);
  });

  it("skips no-op and observe-mode changes and no-delete deletions", async () => {
    const w = fakeWorld();
    w.seed("111122223333/eu-west-1/glue.table/same", "S");
    w.seed("111122223333/eu-west-1/glue.table/keep", "K");
    const plan = planOf([
      change(w, "same", "no-op", "S"),
      change(w, "watched", "create", "W", [], { mode: "observe" }),
      change(w, "keep", "delete", null, [], { mode: "no-delete" }),
    ]);
    const result = await applyPlan(plan, options(w));
    expect(mutations(w)).toEqual([]);
    expect(result.outcomes.map((o) => [o.address.split("/").pop(), o.status])).toEqual([
      ["watched", "skipped"],
      ["keep", "skipped"],
    ]);
  });

  it("retries throttling, but not other errors", async () => {
    const w = fakeWorld();
    w.throttleOnce.add("create:111122223333/eu-west-1/glue.table/a");
    w.failOn.add("create:111122223333/eu-west-1/glue.table/b");
    const result = await applyPlan(planOf([change(w, "a", "create", "A"), change(w, "b", "create", "B")]), options(w));
    expect(mutations(w).filter((l) => l.endsWith("/a"))).toHaveLength(2);
    expect(mutations(w).filter((l) => l.endsWith("/b"))).toHaveLength(1);
    expect(result.outcomes.map((o) => o.status)).toEqual(["applied", "failed"]);
  });

  it("verifies afterwards: health problems and resources that still differ", async () => {
    const w = fakeWorld();
    w.unhealthy.add("A");
    const h = w.handler("glue.table");
    // A handler whose create silently writes something else: verification must notice.
    const sloppy: Handler = { ...h, create: async (ctx, d) => h.create(ctx, { ...d, spec: "not-what-was-asked" }) };
    const plan = planOf([change(w, "a", "create", "A"), change(w, "b", "create", "B")]);
    const result = await applyPlan(plan, {
      ...options(w),
      handlers: () => ({
        ...sloppy,
        create: async (ctx, d) => (d.name === "b" ? sloppy.create(ctx, d) : h.create(ctx, d)),
      }),
    });
    expect(result.problems).toEqual([
      { address: "111122223333/eu-west-1/glue.table/a", message: "delivery FAILED for A" },
      { address: "111122223333/eu-west-1/glue.table/b", message: "still differs after apply: " },
    ]);
  });
});
