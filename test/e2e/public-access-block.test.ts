// s3.publicAccessBlock end to end, through the built CLI against an in-process sandbox: a flow-log
// bucket someone else made (create: false) whose Block Public Access settings are off. With
// blockPublicAccess: true the plan creates the block (a security control, listed with the bucket
// policy), apply turns on all four settings, the next plan has nothing to do, a setting turned off
// behind Cordon's back is an update, and removing the field leaves the block where it is. Without
// the field nothing of the bucket's settings is read or written. The schema refuses the field on a
// bucket Cordon creates.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateBucketCommand,
  GetPublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlanDocument } from "../../src/model/plan.js";
import {
  ACCOUNT,
  cordonRunner,
  makeTmp,
  oneRegionEstate,
  pending,
  REGION,
  requireCli,
  sandboxClientConfig,
  TODAY,
} from "./helpers.js";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const KEY = "AKIAPUBLICBLOCKE2E01";
const BUCKET = "pab-e2e-shared-logs";
const VPC = "vpc-0e2e0000000000b01";
const ADDRESS = `${ACCOUNT}/${REGION}/s3.publicAccessBlock/${BUCKET}`;

const tmp = makeTmp("cordon-pab-");
let sandbox: SandboxHandle;
let s3: S3Client;
const cordon = cordonRunner({ tmp, endpoint: () => sandbox.url, accessKeyId: KEY, maxAttempts: 2 });

const policy = (bucketExtra: string[]) =>
  [
    "apiVersion: cordon.dev/v1",
    "kind: Policy",
    "metadata:",
    "  name: pab-e2e",
    "target:",
    `  account: "${ACCOUNT}"`,
    `  region: ${REGION}`,
    "flowLogs:",
    "  bucket:",
    `    name: ${BUCKET}`,
    ...bucketExtra.map((l) => `    ${l}`),
    "  vpcs:",
    `    ids: [${VPC}]`,
    "",
  ].join("\n");

const file = join(tmp, "policy.yaml");
const write = (text: string) => writeFileSync(file, text);

async function planJson(): Promise<PlanDocument> {
  const r = await cordon(["plan", file, "--format", "json", "--today", TODAY]);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as PlanDocument;
}

const settings = async () =>
  (await s3.send(new GetPublicAccessBlockCommand({ Bucket: BUCKET }))).PublicAccessBlockConfiguration;

const allOff = {
  BlockPublicAcls: false,
  IgnorePublicAcls: false,
  BlockPublicPolicy: false,
  RestrictPublicBuckets: false,
};

beforeAll(async () => {
  requireCli();
  sandbox = await startSandbox({ seed: oneRegionEstate({ vpcs: [{ id: VPC, cidr: "10.40.0.0/16" }] }) });
  s3 = new S3Client({ ...sandboxClientConfig(sandbox.url, KEY), forcePathStyle: true });
  // The bucket is someone else's: made outside Cordon, every public access block setting off.
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutPublicAccessBlockCommand({ Bucket: BUCKET, PublicAccessBlockConfiguration: allOff }));
});

afterAll(async () => {
  s3?.destroy();
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("flowLogs.bucket.blockPublicAccess on a bucket used as is", () => {
  it("is off by default: the plan reads and writes none of the bucket's public access settings", async () => {
    write(policy(["create: false"]));
    const doc = await planJson();
    expect(doc.changes.map((c) => c.kind)).not.toContain("s3.publicAccessBlock");
    expect(await settings()).toEqual(allOff);
  });

  it("plans the block as a create, applies all four settings, and then has nothing to do", async () => {
    write(policy(["create: false", "blockPublicAccess: true"]));
    const doc = await planJson();
    const change = doc.changes.find((c) => c.address === ADDRESS);
    expect(change?.action).toBe("create");
    expect(change?.reason).toBe("missing in AWS");
    expect(change?.impact.broadensAccess).toBe(false);

    // A saved plan holding the kind is well formed: shown, then applied as reviewed.
    const saved = "plan.json"; // the CLI runs in tmp, beside policy.yaml
    expect((await cordon(["plan", "policy.yaml", "--out", saved, "--today", TODAY])).status).toBe(0);
    const show = await cordon(["show", saved]);
    expect(show.status).toBe(0);
    expect(show.stdout).toContain(`+ s3.publicAccessBlock "${BUCKET}"`);
    const apply = await cordon(["apply", saved, "--auto-approve", "--no-lock"]);
    expect(apply.stderr).not.toMatch(/\n\s+at /);
    expect(apply.status).toBe(0);
    expect(await settings()).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    const again = await planJson();
    expect(pending(again)).toEqual([]);
    expect(again.changes.find((c) => c.address === ADDRESS)?.action).toBe("no-op");
  });

  it("a setting turned off behind Cordon's back is planned as an update naming it", async () => {
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: BUCKET,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: false,
        },
      }),
    );
    const doc = await planJson();
    const change = doc.changes.find((c) => c.address === ADDRESS);
    expect(change?.action).toBe("update");
    expect(change?.fields.map((f) => f.path)).toEqual(["/restrictPublicBuckets"]);
    expect(change?.reason).toBe("differs from the policies: restrictPublicBuckets");
  });

  it("removing the field leaves the block in place: nothing is planned for it", async () => {
    const apply = await cordon(["apply", file, "--auto-approve", "--today", TODAY, "--no-lock"]);
    expect(apply.status).toBe(0);
    write(policy(["create: false"]));
    const doc = await planJson();
    expect(doc.changes.map((c) => c.address)).not.toContain(ADDRESS);
    expect((await settings())?.RestrictPublicBuckets).toBe(true);
  });

  it("on a bucket Cordon creates it is a schema error at the field, and nothing is planned", async () => {
    write(policy(["create: true", "blockPublicAccess: true"]));
    const explicit = await cordon(["validate", file]);
    expect(explicit.status).toBe(1);
    expect(explicit.stdout).toMatch(/policy\.yaml:11:13 +flowLogs\.bucket\.create must be false \(got true\)/);
    // create defaults to true: leaving it out is refused too, with the reason.
    write(policy(["blockPublicAccess: true"]));
    const implicit = await cordon(["validate", file]);
    expect(implicit.status).toBe(1);
    expect(implicit.stdout).toMatch(/policy\.yaml:\d+:\d+ +blockPublicAccess: true needs create: false/);
    const plan = await cordon(["plan", file, "--today", TODAY]);
    expect(plan.status).toBe(1);
    for (const r of [explicit, implicit, plan]) expect(`${r.stdout}${r.stderr}`).not.toMatch(/\n\s+at /);
  });
});
