import { spawn, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const cli = (...args: string[]) => spawnSync(process.execPath, ["dist/cordon.js", ...args], { encoding: "utf8" });

describe("cordon CLI shell", () => {
  it("prints its version and exits 0", () => {
    const r = cli("--version");
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("lists every command with a one-line description, and where to go next", () => {
    const r = cli("--help");
    expect(r.status).toBe(0);
    for (const command of ["validate", "schema", "plan", "apply", "sandbox", "demo"]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${command} .*\\S`, "m"));
    }
    expect(r.stdout).toContain("Run `cordon <command> --help`");
    expect(r.stdout).toMatch(/Exit codes: 0 .*, 1 error, 2 changes/);
  });

  it.each(["validate", "schema", "plan", "apply", "sandbox", "demo"])("cordon %s --help exits 0", (command) => {
    const r = cli(command, "--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: cordon ${command} `));
    expect(r.stderr).toBe("");
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
