// `npm run demo` (node dist/cordon.js demo): the README's main command runs every step against
// its own in-process sandbox and ends converged. npm test builds dist/ first.
import { describe, expect, it } from "vitest";
import { requireCli, runCli } from "./helpers.js";

describe("cordon demo", () => {
  it("walks validate → plan → apply → plan → drift → plan → apply and converges", async () => {
    requireCli();
    const env = { PATH: process.env["PATH"], NO_COLOR: "1", HOME: process.cwd() };
    const r = await runCli(["demo", "--today", "2026-11-26"], { env });
    expect(r.stderr).not.toMatch(/Internal error|Warning:/);
    expect(r.status).toBe(0);
    const steps = [...r.stdout.matchAll(/━━ Step (\d):/g)].map((m) => m[1]);
    expect(steps).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    expect(r.stdout).toContain("Plan: 8 to add, 0 to change, 0 to destroy.");
    expect(r.stdout).toContain("No changes");
    expect(r.stdout).toContain("Plan: 1 to add, 0 to change, 0 to destroy.");
    expect(r.stdout.match(/Apply complete: \d+ applied, 0 failed, 0 skipped\./g)).toHaveLength(2);
    expect(r.stdout).toContain("Demo complete.");
  });
});
