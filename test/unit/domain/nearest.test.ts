import { describe, expect, it } from "vitest";
import { editDistance, nearest } from "../../../src/domain/nearest.js";

describe("nearest", () => {
  it.each([
    { a: "kitten", b: "sitting", want: 3, reason: "two substitutions and an insertion" },
    { a: "", b: "abc", want: 3, reason: "from nothing, one insertion per character" },
    { a: "same", b: "same", want: 0, reason: "equal strings" },
    { a: "ab", b: "ba", want: 1, reason: "a swap of adjacent characters is one edit" },
    { a: "trafifcType", b: "trafficType", want: 1, reason: "a swap inside a word" },
    { a: "ca", b: "abc", want: 3, reason: "optimal string alignment: no edit of a swapped pair" },
  ])("edit distance $a → $b: $reason", ({ a, b, want }) => {
    expect(editDistance(a, b)).toBe(want);
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
