import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../../src/domain/duration.js";
import { makeLogger } from "../../../src/watch/log.js";
import { nextDelay, runLoop } from "../../../src/watch/loop.js";
import { parseListen } from "../../../src/watch/server.js";

describe("durations", () => {
  const cases = [
    { reason: "minutes", text: "15m", ms: 900_000 },
    { reason: "compound", text: "1h30m", ms: 5_400_000 },
    { reason: "milliseconds", text: "250ms", ms: 250 },
    { reason: "bare seconds", text: "30", ms: 30_000 },
    { reason: "zero", text: "0s", ms: 0 },
  ];
  for (const c of cases) it(c.reason, () => expect(parseDuration(c.text, "--x")).toBe(c.ms));
  it("rejects anything else, naming the option", () => {
    for (const bad of ["", "10 minutes", "5d", "m5", "1h 30m"])
      expect(() => parseDuration(bad, "--lock-ttl")).toThrow(/--lock-ttl/);
  });
  it("reads days and weeks only where asked (query windows, expiries)", () => {
    expect(parseDuration("7d", "--since", { days: true })).toBe(7 * 86_400_000);
    expect(parseDuration("2w1d", "--since", { days: true })).toBe(15 * 86_400_000);
    expect(() => parseDuration("7d", "--interval")).toThrow(/--interval/);
  });
  it("formats back", () =>
    expect([900_000, 5_400_000, 45_000, 250].map(formatDuration)).toEqual(["15m", "1h30m", "45s", "250ms"]));
});

describe("the loop's timing", () => {
  it("jitters the interval by ±10 %", () => {
    expect(nextDelay({ intervalMs: 600_000 }, 0, () => 0)).toBe(540_000);
    expect(nextDelay({ intervalMs: 600_000 }, 0, () => 1)).toBe(660_000);
    expect(nextDelay({ intervalMs: 600_000 }, 0, () => 0.5)).toBe(600_000);
  });
  it("backs off exponentially after errors, capped at the interval", () => {
    expect([1, 2, 3, 4, 10].map((n) => nextDelay({ intervalMs: 5_000 }, n, () => 0.5))).toEqual([
      1_000, 2_000, 4_000, 5_000, 5_000,
    ]);
  });
  it("stop() lets the step in progress finish, then ends the loop", async () => {
    let steps = 0;
    let finished = 0;
    let release: () => void = () => {};
    const loop = runLoop(
      async () => {
        steps++;
        await new Promise<void>((r) => {
          release = r;
        });
        finished++;
      },
      { intervalMs: 10 },
    );
    await new Promise((r) => setTimeout(r, 5));
    loop.stop();
    release();
    await loop.done;
    expect({ steps, finished }).toEqual({ steps: 1, finished: 1 });
  });
  it("keeps going after a failed step and reports it", async () => {
    const errors: number[] = [];
    let n = 0;
    const loop = runLoop(
      async () => {
        n++;
        if (n <= 2) throw new Error("flaky");
        loop.stop();
      },
      { intervalMs: 1, backoffBaseMs: 1, onError: (_e, failures) => errors.push(failures) },
    );
    await loop.done;
    expect(errors).toEqual([1, 2]);
    expect(n).toBe(3);
  });
});

describe("listen addresses and logs", () => {
  it("parses host:port", () => {
    expect(parseListen("127.0.0.1:8947")).toEqual({ host: "127.0.0.1", port: 8947 });
    expect(parseListen("[::1]:0")).toEqual({ host: "::1", port: 0 });
    expect(parseListen(":8947")).toEqual({ host: "127.0.0.1", port: 8947 });
    expect(() => parseListen("8947")).toThrow(/--listen/);
  });
  it("writes JSON lines or text", () => {
    const lines: string[] = [];
    const at = () => new Date("2026-11-26T10:00:00Z");
    makeLogger("json", (l) => lines.push(l), at)("info", "observed", { drift: 1 });
    makeLogger("text", (l) => lines.push(l), at)("warn", "waiting", { holder: "alice@host x" });
    expect(JSON.parse(lines[0]!)).toEqual({
      time: "2026-11-26T10:00:00.000Z",
      level: "info",
      msg: "observed",
      drift: 1,
    });
    expect(lines[1]).toBe('2026-11-26T10:00:00.000Z WARN  waiting holder="alice@host x"\n');
  });
});
