// The watch loop's metrics follow Prometheus conventions (base units in names, counters end in
// _total, help on every metric), and a failed reconcile is labelled with the type the help names.
import { describe, expect, it } from "vitest";
import { errorType } from "../../../src/cli/commands/watch.js";
import { AwsError, LockedError, PolicyError, StalePlanError } from "../../../src/model/errors.js";
import { GitError } from "../../../src/watch/git.js";
import { createMetrics } from "../../../src/watch/metrics.js";

const BUILD = { version: "9.9.9", node: "v20.0.0" };

describe("watch metrics", () => {
  it("are named by Prometheus conventions and each has help text", async () => {
    const m = createMetrics(BUILD);
    try {
      const all = await m.registry.getMetricsAsJSON();
      expect(all.length).toBeGreaterThanOrEqual(8);
      for (const metric of all) {
        expect(metric.name).toMatch(/^cordon_[a-z_]+$/);
        expect(metric.help.length).toBeGreaterThan(10);
        if (String(metric.type) === "counter") expect(metric.name).toMatch(/_total$/);
        else expect(metric.name).not.toMatch(/_total$/);
        if (String(metric.type) === "histogram") expect(metric.name).toMatch(/_seconds$/);
        if (/timestamp|duration/.test(metric.name)) expect(metric.name).toMatch(/_seconds$/);
      }
      const info = (await m.registry.getSingleMetric("cordon_build_info")?.get())?.values;
      expect(info).toEqual([{ labels: { version: "9.9.9", node: "v20.0.0" }, value: 1 }]);
    } finally {
      m.close();
    }
  });

  const cases = [
    { reason: "invalid policies", error: new PolicyError("x"), type: "policy" },
    { reason: "a lock held by another run", error: new LockedError("x"), type: "lock" },
    { reason: "a stale plan", error: new StalePlanError("x"), type: "stale-plan" },
    { reason: "git could not fetch", error: new GitError("git fetch failed"), type: "git" },
    { reason: "an AWS call failed", error: new AwsError("PutObject", "b", "AccessDenied", "no"), type: "aws" },
    { reason: "a bug", error: new TypeError("x is undefined"), type: "internal" },
  ];
  for (const c of cases) {
    it(`labels a failed reconcile by type: ${c.reason} → ${c.type}`, async () => {
      expect(errorType(c.error)).toBe(c.type);
      const m = createMetrics(BUILD);
      try {
        const help = (await m.registry.getSingleMetric("cordon_errors_total")?.get())?.help ?? "";
        expect(help).toContain(c.type);
      } finally {
        m.close();
      }
    });
  }
});

describe("the drift gauges", () => {
  type Item = { kind: string; status: string; account?: string; policy?: string };
  const change = (i: Item) => ({
    kind: i.kind,
    target: { account: i.account ?? "111122223333", region: "eu-west-1" },
    policy: i.policy ?? "prod",
  });
  const report = (items: Item[]) =>
    ({ items: items.map((i) => ({ ...i, change: change(i) })) }) as unknown as Parameters<
      ReturnType<typeof createMetrics>["observeReport"]
    >[0];
  const checked = (kinds: string[]) => kinds.map((kind) => change({ kind, status: "clean" })) as never[];
  const policyOf = (c: unknown) => (c as { policy: string }).policy;
  /** "account/region/policy/kind" → value. */
  const samples = async (m: ReturnType<typeof createMetrics>, name: string) =>
    Object.fromEntries(
      ((await m.registry.getSingleMetric(name)?.get())?.values ?? []).map((v) => [
        ["account", "region", "policy", "kind"].map((k) => v.labels[k]).join("/"),
        v.value,
      ]),
    );
  const P = "111122223333/eu-west-1/prod";

  it("have a 0 for every account/region/policy/kind checked, count drift and pending, and go back to 0 when clean", async () => {
    const m = createMetrics(BUILD);
    try {
      m.observeReport(report([]), checked(["ec2.flowLog", "s3.bucket"]), policyOf);
      expect(await samples(m, "cordon_drifted_resources")).toEqual({ [`${P}/ec2.flowLog`]: 0, [`${P}/s3.bucket`]: 0 });
      m.observeReport(
        report([
          { kind: "ec2.flowLog", status: "drift" },
          { kind: "ec2.flowLog", status: "drift+pending" },
          { kind: "s3.bucket", status: "pending" },
          { kind: "ec2.flowLog", status: "drift", account: "444455556666", policy: "other" },
        ]),
        checked(["ec2.flowLog", "s3.bucket"]),
        policyOf,
      );
      expect(await samples(m, "cordon_drifted_resources")).toEqual({
        [`${P}/ec2.flowLog`]: 2,
        [`${P}/s3.bucket`]: 0,
        "444455556666/eu-west-1/other/ec2.flowLog": 1,
      });
      expect(await samples(m, "cordon_pending_resources")).toEqual({
        [`${P}/ec2.flowLog`]: 1,
        [`${P}/s3.bucket`]: 1,
        "444455556666/eu-west-1/other/ec2.flowLog": 0,
      });
      m.observeReport(report([{ kind: "ec2.flowLog", status: "drift" }]), checked(["ec2.flowLog"]), policyOf);
      expect(await samples(m, "cordon_drifted_resources")).toEqual({
        [`${P}/ec2.flowLog`]: 1,
        [`${P}/s3.bucket`]: 0,
        "444455556666/eu-west-1/other/ec2.flowLog": 0,
      });
      // The counter adds each reconcile's drift: 2 + 1 for the first series.
      expect(await samples(m, "cordon_drift_detected_total")).toEqual({
        [`${P}/ec2.flowLog`]: 3,
        "444455556666/eu-west-1/other/ec2.flowLog": 1,
      });
    } finally {
      m.close();
    }
  });
});
