// The watch loop's metrics follow Prometheus conventions (base units in names, counters end in
// _total, help on every metric), and a failed reconcile is labelled with the type the help names.
import { describe, expect, it } from "vitest";
import { errorType } from "../../../src/cli/commands/watch.js";
import { AwsError, LockedError, PolicyError, StalePlanError } from "../../../src/model/errors.js";
import { GitError } from "../../../src/watch/git.js";
import { createMetrics } from "../../../src/watch/metrics.js";

describe("watch metrics", () => {
  it("are named by Prometheus conventions and each has help text", async () => {
    const m = createMetrics();
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
      const m = createMetrics();
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
  const report = (items: { kind: string; status: string }[]) =>
    ({ items }) as unknown as Parameters<ReturnType<typeof createMetrics>["observeReport"]>[0];
  const samples = async (m: ReturnType<typeof createMetrics>, name: string) =>
    Object.fromEntries(
      ((await m.registry.getSingleMetric(name)?.get())?.values ?? []).map((v) => [v.labels["kind"], v.value]),
    );

  it("have a 0 for every kind checked, count drift and pending by kind, and go back to 0 when clean", async () => {
    const m = createMetrics();
    try {
      m.observeReport(report([]), ["ec2.flowLog", "s3.bucket"]);
      expect(await samples(m, "cordon_drifted_resources")).toEqual({ "ec2.flowLog": 0, "s3.bucket": 0 });
      m.observeReport(
        report([
          { kind: "ec2.flowLog", status: "drift" },
          { kind: "ec2.flowLog", status: "drift+pending" },
          { kind: "s3.bucket", status: "pending" },
        ]),
        ["ec2.flowLog", "s3.bucket"],
      );
      expect(await samples(m, "cordon_drifted_resources")).toEqual({ "ec2.flowLog": 2, "s3.bucket": 0 });
      expect(await samples(m, "cordon_pending_resources")).toEqual({ "ec2.flowLog": 1, "s3.bucket": 1 });
      m.observeReport(report([]), ["ec2.flowLog"]);
      expect(await samples(m, "cordon_drifted_resources")).toEqual({ "ec2.flowLog": 0, "s3.bucket": 0 });
    } finally {
      m.close();
    }
  });
});
