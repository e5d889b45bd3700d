// examples/github/README.md shows `cordon iam`'s output for the cats-eyes policies: the files in
// examples/github/iam/ are the generator's output, and the README's blocks between the markers are
// those files. Regenerate with the commands the markers name.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { githubTrustPolicy, identityPolicy } from "../../../src/executor/iam-policy.js";
import { loadValidPolicies } from "../../../src/executor/pipeline.js";

const ROOT = join(import.meta.dirname, "../../..");
const dir = join(ROOT, "examples/github/iam");
const readme = readFileSync(join(ROOT, "examples/github/README.md"), "utf8");
const { policies } = loadValidPolicies([join(ROOT, "examples/cats-eyes/policies")], "2026-12-01");
const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

const expected: Record<string, string> = {
  "plan.json": json(identityPolicy("drift", policies)),
  "apply.json": json(identityPolicy("apply", policies)),
  "trust-plan.json": json(githubTrustPolicy({ repo: "ORG/REPO", account: "111122223333" })),
  "trust-apply.json": json(
    githubTrustPolicy({
      repo: "ORG/REPO",
      account: "111122223333",
      environments: ["cordon-apply", "cordon-apply-approval"],
    }),
  ),
};

describe("examples/github: the IAM documents", () => {
  for (const [file, text] of Object.entries(expected)) {
    it(`iam/${file} is the generator's output`, () => {
      expect(readFileSync(join(dir, file), "utf8")).toBe(text);
    });

    it(`the README shows iam/${file} between its markers`, () => {
      const marker = readme.indexOf(`(generated: iam/${file};`);
      expect(marker, `no marker for iam/${file}`).toBeGreaterThan(0);
      const end = readme.indexOf("<!-- end -->", marker);
      const block = /```json\n([\s\S]*?)```/.exec(readme.slice(marker, end));
      expect(block?.[1]).toBe(text);
    });
  }

  it("the plan role's policy only reads and the apply role's holds it", () => {
    const plan = JSON.parse(expected["plan.json"] as string) as { Statement: { Sid: string; Action: string[] }[] };
    expect(plan.Statement.every((s) => s.Sid.startsWith("Read"))).toBe(true);
    const applyActions = new Set(
      (JSON.parse(expected["apply.json"] as string) as { Statement: { Action: string[] }[] }).Statement.flatMap(
        (s) => s.Action,
      ),
    );
    for (const a of plan.Statement.flatMap((s) => s.Action)) expect(applyActions).toContain(a);
  });
});
