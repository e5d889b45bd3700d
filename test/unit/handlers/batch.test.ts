import { describe, expect, it } from "vitest";
import { batcher } from "../../../src/handlers/batch.js";

describe("batcher", () => {
  it("groups items added in one turn by key and chunks them to the per-call limit", async () => {
    const sent: string[][] = [];
    const b = batcher<string, string>(2, async (items) => {
      sent.push([...items]);
      return items.map((i) => ({ ok: true as const, value: i.toUpperCase() }));
    });
    const out = await Promise.all([b.add("x", "a"), b.add("y", "b"), b.add("x", "c"), b.add("x", "d")]);
    expect(out).toEqual(["A", "B", "C", "D"]);
    expect(sent).toEqual([["a", "c"], ["d"], ["b"]]);
  });

  it("keeps outcomes per item, and fails every item of a request that throws", async () => {
    const b = batcher<number, number>(10, async (items) => {
      if (items.includes(0)) throw new Error("whole call failed");
      return items.map((i) =>
        i < 0 ? { ok: false as const, error: new Error(`bad ${i}`) } : { ok: true as const, value: i },
      );
    });
    const mixed = await Promise.allSettled([b.add("k", 1), b.add("k", -2)]);
    expect(mixed.map((r) => r.status)).toEqual(["fulfilled", "rejected"]);
    const later = await Promise.allSettled([b.add("k", 0), b.add("k", 3)]);
    expect(later.map((r) => (r.status === "rejected" ? (r.reason as Error).message : r.value))).toEqual([
      "whole call failed",
      "whole call failed",
    ]);
  });
});
