// The shipped policy sets (policies/ and every examples/*/policies/) validate clean, and every
// file points editors at the schema with a modeline that resolves to schemas/policy.schema.json.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadAndValidate } from "../../../src/policy/index.js";

// Fixed, so that entries expiring later do not turn this test red on that day.
const TODAY = "2026-11-26";

const yamlFiles = (dir: string): string[] =>
  readdirSync(dir)
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(n) ? [p] : [];
    })
    .sort();

// An example directory also holds non-policy files (the sandbox estate.yaml): only its policies/ count.
const sets = ["policies", ...readdirSync("examples").map((e) => join("examples", e, "policies"))].filter((p) =>
  existsSync(p),
);

describe("shipped policy sets", () => {
  it("include policies/ and the Cat's Eyes example", () => {
    expect(sets).toEqual(expect.arrayContaining(["policies", join("examples", "cats-eyes", "policies")]));
  });

  it.each(sets)("%s validates clean", (set) => {
    const result = loadAndValidate([set], { today: TODAY });
    expect(result.diagnostics).toEqual([]);
    expect(result.policies.length).toBeGreaterThan(0);
  });

  it("policies/ covers two accounts and two regions", () => {
    const { policies } = loadAndValidate(["policies"], { today: TODAY });
    const targets = new Set(policies.map((p) => `${p.policy.target.account}/${p.policy.target.region}`));
    expect([...targets].sort()).toEqual([
      "111122223333/eu-west-1",
      "111122223333/us-east-1",
      "444455556666/eu-west-1",
      "444455556666/us-east-1",
    ]);
  });

  // Sandbox estates (kind: Estate) sit beside the policies of an example; they are not policies.
  // The policy-set file (cordon.yaml) points at its own schema.
  const policyFiles = sets.flatMap((s) => yamlFiles(s)).filter((f) => !/^kind: Estate$/m.test(readFileSync(f, "utf8")));
  it.each(policyFiles)("%s starts with a yaml-language-server modeline to the schema", (file) => {
    const first = readFileSync(file, "utf8").split("\n")[0]!;
    const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    expect(m, first).not.toBeNull();
    const schema = file.endsWith("cordon.yaml") ? "schemas/policy-set.schema.json" : "schemas/policy.schema.json";
    expect(resolve(dirname(file), m![1]!)).toBe(resolve(schema));
  });

  it.each(sets)("%s is a policy set (cordon.yaml) loaded whole", (set) => {
    const result = loadAndValidate([set], { today: TODAY });
    expect(result.set?.complete).toBe(true);
    expect(result.policies.every((p) => p.set === result.set?.name)).toBe(true);
  });
});
