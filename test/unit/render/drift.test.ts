import { describe, expect, it } from "vitest";
import type { Change } from "../../../src/model/change.js";
import type { DriftItem, DriftReport } from "../../../src/model/drift.js";
import {
  DRIFT_MARKER,
  NO_DRIFT,
  renderDriftJson,
  renderDriftMarkdown,
  renderDriftText,
} from "../../../src/render/drift.js";
import { makeStyler } from "../../../src/render/style.js";

const T = { account: "111122223333", region: "eu-west-1" };

function item(n: number, status: DriftItem["status"]): DriftItem {
  const address = `111122223333/eu-west-1/ec2.flowLog/vpc-${String(n).padStart(4, "0")}`;
  return {
    address,
    kind: "ec2.flowLog",
    name: `vpc-${n}`,
    target: T,
    mode: "enforce",
    status,
    live: { trafficType: "ACCEPT" },
    applied: { trafficType: "ALL" },
    desired: { trafficType: status === "drift" ? "ALL" : "REJECT" },
    appliedDigest: "0123456789abcdef",
    appliedFrom: "record",
    driftFields: status === "pending" ? [] : [{ path: "/trafficType", before: "ALL", after: "ACCEPT" }],
    pendingFields: status === "drift" ? [] : [{ path: "/trafficType", before: "ALL", after: "REJECT" }],
    reason: status === "drift" ? "changed outside Cordon since the last apply: trafficType" : "the policies changed",
    change: { address, action: "create-then-delete" } as Change,
    opensAccess: false,
    exposures: [],
  };
}

const report = (items: DriftItem[], notes: string[] = []): DriftReport => ({
  format: "cordon.drift/v1",
  createdAt: "2026-11-26T10:00:00Z",
  policyDigest: "p",
  summary: {
    checked: items.length + 3,
    clean: 3,
    drift: items.filter((i) => i.status !== "pending").length,
    pending: items.filter((i) => i.status !== "drift").length,
    both: items.filter((i) => i.status === "drift+pending").length,
  },
  items,
  notes,
});

describe("drift views", () => {
  it("a small report lists every resource and its details, then how to correct", () => {
    const md = renderDriftMarkdown(report([item(1, "drift"), item(2, "pending")]));
    expect(md.split("\n").filter((l) => l.startsWith("| drift |") || l.startsWith("| pending |"))).toHaveLength(2);
    expect(md.split("<details>")).toHaveLength(3);
    expect(md).not.toContain("not shown");
    expect(md.trimEnd().endsWith("need a reviewed `cordon apply`.")).toBe(true);
  });

  it("a clean report is one line in every human view", () => {
    const r = report([]);
    expect(renderDriftText(r, makeStyler(false))).toBe(`${NO_DRIFT}\n`);
    expect(renderDriftMarkdown(r)).toBe(`${DRIFT_MARKER}\n**${NO_DRIFT}**\n`);
  });

  it("text names each resource, its status, why, and the fields applied → live / applied → desired", () => {
    const text = renderDriftText(report([item(1, "drift"), item(2, "drift+pending")]), makeStyler(false));
    expect(text).toContain("drift         111122223333/eu-west-1/ec2.flowLog/vpc-0001");
    expect(text).toContain('drift    trafficType: "ALL" -> "ACCEPT"');
    expect(text).toContain('pending  trafficType: "ALL" -> "REJECT"');
    expect(text.trimEnd().split("\n").at(-1)).toBe(
      "Drift: 2 drifted (changed outside Cordon), 1 pending (policy changes not applied), 1 both; 5 resources checked.",
    );
  });

  it("JSON gives before (live), applied and after (desired) per resource", () => {
    const doc = JSON.parse(renderDriftJson(report([item(1, "drift")])));
    expect(doc.resources[0]).toMatchObject({
      status: "drift",
      before: { trafficType: "ACCEPT" },
      applied: { trafficType: "ALL" },
      after: { trafficType: "ALL" },
      action: "create-then-delete",
    });
  });

  it("a note (no applied record to read) is shown once in every view, also on a clean report", () => {
    const note = "no lock, audit log or applied record for 111122223333/eu-west-1: …";
    for (const r of [report([], [note]), report([item(1, "pending")], [note])]) {
      const text = renderDriftText(r, makeStyler(false));
      expect(text.split(note)).toHaveLength(2);
      expect(text.trimEnd().split("\n").at(-2)).toBe(`note: ${note}`);
      const md = renderDriftMarkdown(r);
      expect(md.startsWith(DRIFT_MARKER)).toBe(true);
      expect(md.split(note)).toHaveLength(2);
      expect(md).toContain(`> [!WARNING]\n> ${note}`);
      expect(JSON.parse(renderDriftJson(r)).notes).toEqual([note]);
    }
  });

  it("markdown starts with the marker and stays within GitHub's limit on a huge report", () => {
    const md = renderDriftMarkdown(report(Array.from({ length: 3000 }, (_, i) => item(i, "drift+pending"))));
    expect(md.startsWith(`${DRIFT_MARKER}\n**Drift: 3000 drifted`)).toBe(true);
    expect(md.length).toBeLessThanOrEqual(65_536);
    expect(md).toMatch(/> \d+ of 3000 resources not shown \(GitHub's size limit\); run `cordon drift --format json`/);
  });
});
