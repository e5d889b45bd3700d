// docs/contributing.md's worked example (the s3.publicAccessBlock kind) claims a new kind on a
// known service touches at most 4 production files. This finds every production file that names
// the kind, its descriptor or its spec, or declares its policy field, and holds the guide to it.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const PRODUCTION = ["src", "packages/sandbox/src", "schemas"];
const GENERATED = /\.gen\.ts$/;

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(ROOT, path)).isDirectory() ? files(path) : [path];
  });
}

/** Every production file (generated ones excepted: nobody edits them) whose text matches. */
function touching(pattern: RegExp): string[] {
  return PRODUCTION.flatMap(files)
    .filter((f) => !GENERATED.test(f) && pattern.test(readFileSync(join(ROOT, f), "utf8")))
    .map((f) => relative(".", f))
    .sort();
}

describe("the contributor guide's worked example", () => {
  const guide = readFileSync(join(ROOT, "docs/contributing.md"), "utf8");
  // The kind's own names, and the policy field it added (flowLogs.bucket.blockPublicAccess, read
  // by the builder as `bucket.blockPublicAccess` and declared in the schema).
  const kindFiles = touching(/s3\.publicAccessBlock|publicAccessBlockKind|PublicAccessBlockSpec/);
  const fieldFiles = touching(/"blockPublicAccess"\s*:|\.blockPublicAccess\b|blockPublicAccess\?:/).filter(
    (f) => !f.startsWith("src/handlers/s3-bucket.ts"), // the bucket's own setting of the same name, older than the kind
  );
  const all = [...new Set([...kindFiles, ...fieldFiles])].sort();

  it("touches the 4 production files the guide names, and no other", () => {
    expect(all).toEqual([
      "schemas/policy.schema.json",
      "src/handlers/registry.ts",
      "src/handlers/s3-public-access-block.ts",
      "src/policy/desired/flow-logs.ts",
    ]);
  });

  it("states that count, within the goal of 4", () => {
    const claimed = /\*\*Count: (\d+) production files\*\*/.exec(guide);
    expect(claimed).not.toBeNull();
    expect(Number(claimed![1])).toBe(all.length);
    expect(all.length).toBeLessThanOrEqual(4);
  });
});
