import { describe, expect, it } from "vitest";
import { formatBytes, parseByteSize } from "../../../src/domain/bytes.js";
import { parseTime, windowOf } from "../../../src/query/window.js";

const now = new Date("2026-12-06T08:30:00Z");

describe("--since / --until", () => {
  it("reads durations before now and ISO dates and times", () => {
    expect(parseTime("1h", now, "--since").toISOString()).toBe("2026-12-06T07:30:00.000Z");
    expect(parseTime("7d", now, "--since").toISOString()).toBe("2026-11-29T08:30:00.000Z");
    expect(parseTime("30m", now, "--since").toISOString()).toBe("2026-12-06T08:00:00.000Z");
    expect(parseTime("2026-12-05", now, "--since").toISOString()).toBe("2026-12-05T00:00:00.000Z");
    expect(parseTime("2026-12-05T10:00:00+01:00", now, "--since").toISOString()).toBe("2026-12-05T09:00:00.000Z");
  });

  it("refuses anything else, naming the flag", () => {
    for (const bad of ["yesterday", "2026-02-30", "1y", "2026-12-05T10:00"]) {
      expect(() => parseTime(bad, now, "--until")).toThrow(/^--until must be a duration before now/);
    }
    expect(() => windowOf({ since: "1h", until: "2h" }, now)).toThrow(/--since .* must be before --until/);
  });

  it("defaults to the last 24 hours and carries the account and region filters", () => {
    const w = windowOf({ accounts: ["1"], regions: [] }, now);
    expect(w.from.toISOString()).toBe("2026-12-05T08:30:00.000Z");
    expect(w.until).toEqual(now);
    expect(w.accounts).toEqual(["1"]);
    expect(w.regions).toBeUndefined();
  });
});

describe("byte sizes", () => {
  it("parses decimal and binary units and formats decimal ones", () => {
    expect(parseByteSize("10GB")).toBe(10e9);
    expect(parseByteSize("500 MB")).toBe(500e6);
    expect(parseByteSize("1.5GiB")).toBe(1.5 * 1024 ** 3);
    expect(parseByteSize("2048")).toBe(2048);
    expect(parseByteSize("lots")).toBeUndefined();
    expect(parseByteSize("5XB")).toBeUndefined();
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(3_100_000)).toBe("3.1 MB");
    expect(formatBytes(250e9)).toBe("250 GB");
  });
});
