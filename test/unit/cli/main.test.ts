import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const cli = (...args: string[]) => spawnSync(process.execPath, ["dist/cordon.js", ...args], { encoding: "utf8" });

describe("cordon CLI shell", () => {
  it("prints its version and exits 0", () => {
    const r = cli("--version");
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("rejects an unknown command with exit 1 and no stack trace", () => {
    const r = cli("frobnicate");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/unknown command|too many arguments/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
