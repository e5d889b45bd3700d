import { describe, expect, it } from "vitest";
import type { Action } from "../../../src/model/change.js";
import { actionSymbol, jsonDiffLines, summaryExtras, summaryLine } from "../../../src/render/plan-body.js";

describe("actionSymbol", () => {
  const cases: { action: Action; symbol: string; reason: string }[] = [
    { action: "create", symbol: "+", reason: "Terraform's create" },
    { action: "update", symbol: "~", reason: "in-place update" },
    { action: "delete", symbol: "-", reason: "destroy" },
    { action: "create-then-delete", symbol: "+/-", reason: "create_before_destroy replacement" },
    { action: "delete-then-create", symbol: "-/+", reason: "destroy-then-create replacement" },
  ];
  for (const c of cases) it(`${c.action}: ${c.reason}`, () => expect(actionSymbol(c.action)).toBe(c.symbol));
});

describe("summary", () => {
  const s = { add: 3, change: 1, destroy: 0, replace: 0, broadensAccess: 0, observeOnly: 0, noop: 4 };
  it("reads like Terraform's", () => expect(summaryLine(s)).toBe("Plan: 3 to add, 1 to change, 0 to destroy."));
  it("adds sentences only for broadening and observe-mode findings", () => {
    expect(summaryExtras(s)).toEqual([]);
    expect(summaryExtras({ ...s, broadensAccess: 2, observeOnly: 1 })).toEqual([
      "2 changes broaden access.",
      "1 difference in observe mode is reported, not applied.",
    ]);
  });
});

describe("jsonDiffLines", () => {
  it("marks changed lines and collapses long unchanged runs", () => {
    const before = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${String(i).padStart(2, "0")}`, i]));
    const after = { ...before, k10: "ten" };
    const lines = jsonDiffLines(before, after, 0);
    expect(lines.filter((l) => l.sign === "-").map((l) => l.text.trim())).toEqual(['"k10": 10,']);
    expect(lines.filter((l) => l.sign === "+").map((l) => l.text.trim())).toEqual(['"k10": "ten",']);
    expect(lines.filter((l) => l.text.startsWith("…")).map((l) => l.text)).toEqual([
      "… 8 unchanged lines",
      "… 7 unchanged lines",
    ]);
  });
});
