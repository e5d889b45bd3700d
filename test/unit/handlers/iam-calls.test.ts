// Each kind's descriptor lists the port calls its handler makes (KindDescriptor.iam, read by
// `cordon iam`): this reads every handler file and fails on a port call that its kind does not
// list, so a new call cannot be added without its IAM actions. The only calls left out are the
// delete calls of kinds that are never deleted (neither discovered nor replaced: docs/iam.md).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PORT_IAM } from "../../../src/aws/iam-calls.js";
import { KINDS } from "../../../src/handlers/registry.js";

const ROOT = join(import.meta.dirname, "../../..");
/** The variable names handlers give the ports. */
const SERVICE_OF: Readonly<Record<string, keyof typeof PORT_IAM>> = {
  ec2: "ec2",
  s3: "s3",
  glue: "glue",
  waf: "wafv2",
  elb: "elbv2",
};
const FILES: Readonly<Record<string, readonly string[]>> = {
  "s3.bucket": ["s3-bucket.ts"],
  "s3.bucketPolicy": ["s3-bucket-policy.ts"],
  "s3.publicAccessBlock": ["s3-public-access-block.ts"],
  "ec2.flowLog": ["flow-log.ts"],
  "glue.database": ["glue-database.ts"],
  "glue.table": ["glue-table.ts"],
  "ec2.naclEntries": ["nacl-entries.ts"],
  "wafv2.ipSet": ["waf-ip-set.ts", "waf-common.ts"],
  "wafv2.webAcl": ["waf-web-acl.ts", "waf-common.ts"],
  "wafv2.association": ["waf-association.ts"],
};
/** Calls in a handler that its kind never makes (the kind is never deleted). */
const NEVER_MADE: Readonly<Record<string, readonly string[]>> = {
  "glue.database": ["glue.deleteDatabase"],
  "glue.table": ["glue.deleteTable"],
  "s3.bucketPolicy": ["s3.deleteBucketPolicy"],
};

function callsIn(file: string): string[] {
  const text = readFileSync(join(ROOT, "src/handlers", file), "utf8");
  const calls = new Set<string>();
  for (const m of text.matchAll(/\b(ec2|s3|glue|waf|elb)\.([a-zA-Z0-9]+)\(/g)) {
    const service = SERVICE_OF[m[1] as string] as keyof typeof PORT_IAM;
    if (Object.hasOwn(PORT_IAM[service], m[2] as string)) calls.add(`${service}.${m[2]}`);
  }
  return [...calls].sort();
}

describe("kind descriptors list their handlers' AWS calls", () => {
  it("every kind has its files here", () => {
    expect(KINDS.map((d) => d.kind).sort()).toEqual(Object.keys(FILES).sort());
  });

  for (const d of KINDS) {
    it(`${d.kind}: every port call of its handler is listed`, () => {
      const listed = new Set<string>([...d.iam.observe, ...d.iam.discover, ...d.iam.write]);
      const own = callsIn((FILES[d.kind] as readonly string[])[0] as string);
      const unlisted = own.filter((c) => !listed.has(c) && !(NEVER_MADE[d.kind] ?? []).includes(c));
      expect(unlisted).toEqual([]);
      // Shared helpers (waf-common.ts): each call is listed by a kind that uses the helper.
      for (const shared of (FILES[d.kind] as readonly string[]).slice(1)) {
        const users = KINDS.filter((k) => FILES[k.kind]?.includes(shared));
        for (const c of callsIn(shared)) {
          expect(
            users.some((k) => [...k.iam.observe, ...k.iam.discover, ...k.iam.write].includes(c as never)),
            `${shared}: ${c}`,
          ).toBe(true);
        }
      }
    });
  }
});
