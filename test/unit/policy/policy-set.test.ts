// Policy-set discovery (cordon.yaml): walking up from the policy paths, stopping at the repository
// root; validation at file:line:column; one set per run; and what "the whole set is loaded" means.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../../../src/model/errors.js";
import { loadAndValidate } from "../../../src/policy/index.js";
import { parsePolicyFiles } from "../../../src/policy/load.js";
import { discoverPolicySet, findPolicySetFile, wholeSetLoaded } from "../../../src/policy/policy-set.js";

const TODAY = "2026-11-26";
const root = realpathSync(mkdtempSync(join(tmpdir(), "cordon-set-")));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SET = (name: string) => `apiVersion: cordon.dev/v1\nkind: PolicySet\nmetadata:\n  name: ${name}\n`;
const POLICY = (name: string, region = "eu-west-1") =>
  `apiVersion: cordon.dev/v1\nkind: Policy\nmetadata:\n  name: ${name}\ntarget:\n  account: "111122223333"\n  region: ${region}\n`;

function write(path: string, text: string): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  return path;
}

// repo/            (.git: the repository root)
//   cordon.yaml?   (no)
//   policies/cordon.yaml  set "main"
//   policies/a.yaml, policies/sub/b.yaml
//   policies/nested/cordon.yaml set "nested", policies/nested/c.yaml   (only in one case)
//   loose/d.yaml   (no set)
const repo = join(root, "repo");
mkdirSync(join(repo, ".git"), { recursive: true });
write(join(repo, "policies", "cordon.yaml"), SET("main"));
const a = write(join(repo, "policies", "a.yaml"), POLICY("a"));
const b = write(join(repo, "policies", "sub", "b.yaml"), POLICY("b", "us-east-1"));
const d = write(join(repo, "loose", "d.yaml"), POLICY("d"));
// Above the repository root: must never be found from inside it.
write(join(root, "cordon.yaml"), SET("outside"));

describe("findPolicySetFile", () => {
  it.each([
    { path: a, want: join(repo, "policies", "cordon.yaml"), reason: "a file: the nearest directory above it" },
    { path: b, want: join(repo, "policies", "cordon.yaml"), reason: "deeper: walks up several directories" },
    { path: join(repo, "policies"), want: join(repo, "policies", "cordon.yaml"), reason: "the set root itself" },
    { path: d, want: null, reason: "stops at the directory holding .git, not the cordon.yaml above it" },
    { path: join(repo, "missing.yaml"), want: null, reason: "a missing path belongs to no set" },
  ])("$reason", ({ path, want }) => {
    expect(findPolicySetFile(path)).toBe(want);
  });
});

describe("discoverPolicySet", () => {
  it("names the set and its root", () => {
    const r = discoverPolicySet([a]);
    expect(r.diagnostics).toEqual([]);
    expect(r.set).toEqual({ name: "main", file: join(repo, "policies", "cordon.yaml"), root: join(repo, "policies") });
  });

  it("is null for paths of no set", () => {
    expect(discoverPolicySet([d])).toEqual({ set: null, diagnostics: [] });
  });

  it("refuses paths of different sets, or of a set and of none", () => {
    expect(() => discoverPolicySet([a, d])).toThrow(UsageError);
    expect(() => discoverPolicySet([a, d])).toThrow(/different policy sets/);
  });

  it("refuses a directory walk that reaches another set's cordon.yaml", () => {
    const nested = write(join(repo, "policies", "nested", "cordon.yaml"), SET("nested"));
    const c = write(join(repo, "policies", "nested", "c.yaml"), POLICY("c"));
    try {
      const files = parsePolicyFiles([join(repo, "policies")]).files;
      expect(files).toContain(c);
      expect(() => discoverPolicySet([join(repo, "policies")], files)).toThrow(/different policy sets/);
    } finally {
      rmSync(join(nested, ".."), { recursive: true });
    }
  });

  it("reports a bad cordon.yaml at file:line:column through the schema", () => {
    const dir = join(root, "bad");
    mkdirSync(join(dir, ".git"), { recursive: true });
    write(
      join(dir, "cordon.yaml"),
      "apiVersion: cordon.dev/v1\nkind: PolicySet\nmetadata:\n  name: Not_Valid\n  colour: red\n",
    );
    const p = write(join(dir, "p.yaml"), POLICY("p"));
    const r = discoverPolicySet([p]);
    expect(r.set).toBeNull();
    expect(r.diagnostics.map((x) => [x.code, x.position, x.pointer])).toEqual(
      expect.arrayContaining([
        ["schema.format", { line: 4, column: 9 }, "/metadata/name"],
        ["schema.unknown-key", { line: 5, column: 3 }, "/metadata/colour"],
      ]),
    );
    expect(r.diagnostics.every((x) => x.file === join(dir, "cordon.yaml") && x.severity === "error")).toBe(true);
    // cordon validate reports them with the policies' problems.
    const v = loadAndValidate([dir], { today: TODAY });
    expect(v.diagnostics.map((x) => x.code)).toEqual(["schema.format", "schema.unknown-key"]);
  });

  it("refuses a cordon.yaml with a second document", () => {
    const dir = join(root, "two");
    mkdirSync(join(dir, ".git"), { recursive: true });
    write(join(dir, "cordon.yaml"), `${SET("x")}---\n${SET("y")}`);
    const r = discoverPolicySet([write(join(dir, "p.yaml"), POLICY("p"))]);
    expect(r.set).toBeNull();
    expect(r.diagnostics.map((x) => [x.code, x.position?.line])).toEqual([["set.documents", 6]]);
  });
});

describe("the whole set is loaded", () => {
  const set = { name: "main", file: join(repo, "policies", "cordon.yaml"), root: join(repo, "policies") };
  it.each([
    { paths: [join(repo, "policies")], files: [a, b], want: true, reason: "the set root itself" },
    { paths: [a, b], files: [a, b], want: true, reason: "every policy file of the set, named one by one" },
    { paths: [a], files: [a], want: false, reason: "one file of two" },
    { paths: [join(repo, "policies", "sub")], files: [b], want: false, reason: "a subdirectory" },
  ])("$reason: $want", ({ paths, files, want }) => {
    expect(wholeSetLoaded(set, paths, files)).toBe(want);
  });

  it("loadAndValidate tags each policy with the set and says whether it is whole; cordon.yaml is not a policy", () => {
    const whole = loadAndValidate([join(repo, "policies")], { today: TODAY });
    expect(whole.diagnostics).toEqual([]);
    expect(whole.files).toEqual([a, b]);
    expect(whole.set).toMatchObject({ name: "main", complete: true });
    expect(whole.policies.map((p) => p.set)).toEqual(["main", "main"]);
    const part = loadAndValidate([a], { today: TODAY });
    expect(part.set).toMatchObject({ name: "main", complete: false });
    const none = loadAndValidate([d], { today: TODAY });
    expect(none.set).toBeNull();
    expect(none.policies[0]?.set).toBeUndefined();
  });

  it("a cordon.yaml named as a policy file is refused with a hint", () => {
    const r = loadAndValidate([join(repo, "policies", "cordon.yaml")], { today: TODAY });
    expect(r.diagnostics.map((x) => [x.code, x.hint])).toEqual([
      ["load.not-a-policy", expect.stringContaining("cordon.yaml names the policy set")],
    ]);
  });
});
