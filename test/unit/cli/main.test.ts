import { spawn, spawnSync } from "node:child_process";
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

  it("stops quietly when its reader goes away (cordon schema | head)", async () => {
    const child = spawn(process.execPath, ["dist/cordon.js", "schema"], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const status = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    expect(stderr).toBe("");
    expect(status).toBe(0);
  });
});
