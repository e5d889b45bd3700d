import { describe, expect, it } from "vitest";
import { editDistance, nearest } from "../../../../src/handlers/normalize/nearest.js";

describe("nearest", () => {
  it("measures edit distance", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });

  const candidates = ["srcaddr", "dstaddr", "log-status", "tcp-flags"];
  const cases: { name: string; expected: string | null; reason: string }[] = [
    { name: "srcadr", expected: "srcaddr", reason: "one deletion" },
    { name: "LOG-STATUS", expected: "log-status", reason: "case-insensitive" },
    { name: "tcpflags", expected: "tcp-flags", reason: "a missing hyphen" },
    { name: "bandwidth", expected: null, reason: "nothing close enough" },
    { name: "ab", expected: null, reason: "short names need a close match" },
  ];
  it.each(cases)("$name: $reason", ({ name, expected }) => {
    expect(nearest(name, candidates)).toBe(expected);
  });
});
