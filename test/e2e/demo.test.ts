// `npm run demo` (node dist/cordon.js demo): the whole incident against its own in-process
// sandbox, each step's outcome checked in its own section of the output: the logging applied,
// traffic delivered, nothing rejected, investigate finding the flood and proposing the block, the
// patch written and valid, the block planned and applied, and blocked-hits showing the flood
// REJECTed afterwards. The repository's example is never edited. npm test builds dist/ first.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { requireCli, runCli } from "./helpers.js";

const EXAMPLE = "examples/cats-eyes/policies/production.yaml";

describe("cordon demo", () => {
  it("tells the incident: apply, traffic, query, investigate, patch, plan and apply, blocked-hits", async () => {
    requireCli();
    const example = readFileSync(EXAMPLE, "utf8");
    const env = { PATH: process.env["PATH"], NO_COLOR: "1", HOME: process.cwd() };
    const started = Date.now();
    const r = await runCli(["demo", "--today", "2026-12-06"], { env });
    const seconds = (Date.now() - started) / 1000;
    expect(r.stderr).not.toMatch(/Internal error|Warning:/);
    expect(r.status, r.stderr).toBe(0);
    const parts = r.stdout.split(/━━ Step (\d):/);
    const steps = parts.filter((_, i) => i % 2 === 1);
    expect(steps).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    const section = (n: number): string => parts[2 * n] ?? "";

    // 1: the logging applied, nothing blocked.
    expect(section(1)).toMatch(/0 errors, 0 warnings in 1 file: 1 policy valid/);
    expect(section(1)).toMatch(/Plan: 8 to add, 0 to change, 0 to destroy\./);
    expect(section(1)).toMatch(/Apply complete: 8 applied, 0 failed, 0 skipped\./);
    // 2: files delivered.
    const delivered = /(\d+) flow-log files, (\d+) records/.exec(section(2));
    expect(Number(delivered?.[1])).toBeGreaterThan(0);
    expect(Number(delivered?.[2])).toBeGreaterThan(0);
    // 3: nothing rejected: the flood is accepted.
    expect(section(3)).toMatch(/\(no rows\)/);
    expect(section(3)).toMatch(/local engine, 0 rows/);
    // 4: the flood found with its evidence, and the block proposed as a diff.
    expect(section(4)).toMatch(/warning outbound flood {2}203\.0\.113\.66/);
    expect(section(4)).toMatch(/protocols UDP/);
    expect(section(4)).toMatch(/\+ block 203\.0\.113\.66 in .*production\.yaml .*ticket INC-2041, expires 2027-01-05/);
    expect(section(4)).toMatch(/^\+ {4}- cidr: 203\.0\.113\.66$/m);
    // 5: written, and valid.
    expect(section(5)).toMatch(/wrote .*production\.yaml/);
    expect(section(5)).toMatch(/0 errors, 0 warnings in 1 file: 1 policy valid/);
    // 6: the deny entry planned and applied.
    expect(section(6)).toMatch(/\+ entries\/outbound\/\d+ = \{ action = "deny", cidr = "203\.0\.113\.66\/32"/);
    expect(section(6)).toMatch(/Apply complete: 1 applied, 0 failed, 0 skipped\./);
    // 7: before the block the flood was accepted, after it rejected.
    expect(section(7)).toMatch(/^203\.0\.113\.66 +outbound +ACCEPT +[1-9]/m);
    expect(section(7)).toMatch(/^203\.0\.113\.66 +outbound +REJECT +[1-9]/m);
    // Times as `cordon query` shows them (the command the step prints): ISO 8601, not epoch seconds.
    expect(section(7)).toMatch(/REJECT .* 2026-12-05T1\d:\d\d:\d\dZ +2026-12-05T1\d:\d\d:\d\dZ$/m);
    expect(section(7)).not.toMatch(/ 1\d{9}\b/);
    expect(r.stdout).toContain("Demo complete.");

    expect(readFileSync(EXAMPLE, "utf8")).toBe(example);
    // "It takes a few seconds" (generous for a loaded CI machine).
    expect(seconds).toBeLessThan(60);
  });
});
