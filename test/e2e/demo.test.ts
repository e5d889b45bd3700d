// `npm run demo` (node dist/cordon.js demo): the README's main command runs every step against
// its own in-process sandbox and ends converged. npm test builds dist/ first.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const CLI = join(process.cwd(), "dist/cordon.js");

describe("cordon demo", () => {
  it("walks validate → plan → apply → plan → drift → plan → apply and converges", async () => {
    if (!existsSync(CLI)) throw new Error("dist/cordon.js is missing: run `npm run build` first");
    const env = { PATH: process.env["PATH"], NO_COLOR: "1", HOME: process.cwd() };
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [CLI, "demo", "--today", "2026-11-26"],
        { env, encoding: "utf8" },
        (e, stdout, stderr) => resolve({ code: e === null ? 0 : Number(e.code), stdout, stderr }),
      ),
    );
    expect(r.stderr).not.toMatch(/Internal error|Warning:/);
    expect(r.code).toBe(0);
    const steps = [...r.stdout.matchAll(/━━ Step (\d):/g)].map((m) => m[1]);
    expect(steps).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    expect(r.stdout).toContain("Plan: 8 to add, 0 to change, 0 to destroy.");
    expect(r.stdout).toContain("No changes");
    expect(r.stdout).toContain("Plan: 1 to add, 0 to change, 0 to destroy.");
    expect(r.stdout.match(/Apply complete: \d+ applied, 0 failed, 0 skipped\./g)).toHaveLength(2);
    expect(r.stdout).toContain("Demo complete.");
  });
});
