// Another AWS SDK than the JavaScript one against the sandbox: Python's botocore (Debian's
// python3-botocore, for /usr/bin/python3) parses the sandbox's EC2, S3, Glue and WAFv2 answers and
// errors with its own serializers and parsers. Skipped, with the reason, when botocore is missing.
import { spawn, spawnSync } from "node:child_process";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const PYTHON = "/usr/bin/python3";
const VPC = "vpc-0b07c0de00000001";

const probe = spawnSync(PYTHON, ["-c", "import botocore; print(botocore.__version__)"], { encoding: "utf8" });
const missing =
  probe.status === 0
    ? undefined
    : `${PYTHON} cannot import botocore (apt-get install -y python3-botocore): ${(probe.error?.message ?? probe.stderr).trim()}`;

// Each step records either the fields the test looks at or the error botocore raised:
// {"error": code, "status": HTTP status, "message": text}.
const SCRIPT = `
import json, sys
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, vpc = sys.argv[1], sys.argv[2]
session = botocore.session.get_session()
def client(name, **extra):
    return session.create_client(name, region_name="eu-west-1", endpoint_url=endpoint,
        aws_access_key_id="111122223333", aws_secret_access_key="sandbox",
        config=Config(retries={"max_attempts": 1}, **extra))
ec2, s3 = client("ec2"), client("s3", s3={"addressing_style": "path"})
glue, waf = client("glue"), client("wafv2")
out = {}
def step(name, fn):
    try:
        out[name] = fn()
    except ClientError as e:
        out[name] = {"error": e.response["Error"]["Code"], "message": e.response["Error"].get("Message", ""),
                     "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}

acl = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"][0]
out["describeNetworkAcls"] = {"id": acl["NetworkAclId"], "default": acl["IsDefault"],
    "entries": sorted([e["RuleNumber"], e["Egress"], e["RuleAction"], e["CidrBlock"]] for e in acl["Entries"])}
entry = dict(NetworkAclId=acl["NetworkAclId"], RuleNumber=10, Protocol="6", RuleAction="deny", Egress=False,
             CidrBlock="203.0.113.77/24", PortRange={"From": 443, "To": 443})
step("createNetworkAclEntry", lambda: ec2.create_network_acl_entry(**entry) and
    [[e["RuleNumber"], e["CidrBlock"], e["PortRange"]["From"]] for e in ec2.describe_network_acls(
        NetworkAclIds=[acl["NetworkAclId"]])["NetworkAcls"][0]["Entries"] if e["RuleNumber"] == 10])
step("createNetworkAclEntryAgain", lambda: ec2.create_network_acl_entry(**entry))
step("describeMissingAcl", lambda: ec2.describe_network_acls(NetworkAclIds=["acl-0000000000000dead"]))

policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "DenyInsecure", "Effect": "Deny",
    "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::botocore-bucket/*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})
step("createBucket", lambda: s3.create_bucket(Bucket="botocore-bucket",
    CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})["ResponseMetadata"]["HTTPStatusCode"])
step("getBucketPolicyBefore", lambda: s3.get_bucket_policy(Bucket="botocore-bucket"))
step("putBucketPolicy", lambda: s3.put_bucket_policy(Bucket="botocore-bucket", Policy=policy)
    ["ResponseMetadata"]["HTTPStatusCode"])
step("getBucketPolicy", lambda: json.loads(s3.get_bucket_policy(Bucket="botocore-bucket")["Policy"]))

step("createDatabase", lambda: glue.create_database(DatabaseInput={"Name": "Boto_DB", "Description": "from botocore"})
    and glue.get_database(Name="boto_db")["Database"]["Name"])
step("getMissingTable", lambda: glue.get_table(DatabaseName="boto_db", Name="nope"))

def ipset():
    s = waf.create_ip_set(Name="boto-set", Scope="REGIONAL", IPAddressVersion="IPV4", Addresses=["192.0.2.0/24"])
    return s["Summary"]
summary = ipset()
out["createIPSet"] = {"id": summary["Id"], "arn": summary["ARN"]}
update = dict(Name="boto-set", Scope="REGIONAL", Id=summary["Id"], Addresses=["198.51.100.0/24"])
step("updateIPSet", lambda: waf.update_ip_set(LockToken=summary["LockToken"], **update)["NextLockToken"] != summary["LockToken"])
step("updateIPSetStale", lambda: waf.update_ip_set(LockToken=summary["LockToken"], **update))
step("getIPSet", lambda: waf.get_ip_set(Name="boto-set", Scope="REGIONAL", Id=summary["Id"])["IPSet"]["Addresses"])
print(json.dumps(out))
`;

interface ErrorStep {
  readonly error: string;
  readonly status: number;
  readonly message: string;
}

function run(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Asynchronous on purpose: the sandbox answers from this same process.
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ["-c", SCRIPT, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(missing !== undefined)(`botocore against the sandbox${missing ? ` — SKIPPED: ${missing}` : ""}`, () => {
  let sandbox: SandboxHandle;
  let out: Record<string, unknown>;

  beforeAll(async () => {
    sandbox = await startSandbox({
      seed: {
        accounts: { "111122223333": { regions: { "eu-west-1": { vpcs: [{ id: VPC, cidr: "10.9.0.0/16" }] } } } },
      },
    });
    const r = await run([sandbox.url, VPC]);
    if (r.code !== 0) throw new Error(`the botocore script failed (exit ${r.code}):\n${r.stderr}`);
    out = JSON.parse(r.stdout) as Record<string, unknown>;
  }, 60_000);

  afterAll(async () => {
    await sandbox?.stop();
  });

  it("EC2: DescribeNetworkAcls parses, CreateNetworkAclEntry stores the canonical CIDR, errors keep their codes", () => {
    expect(out["describeNetworkAcls"]).toMatchObject({
      default: true,
      entries: [
        [100, false, "allow", "0.0.0.0/0"],
        [100, true, "allow", "0.0.0.0/0"],
        [32767, false, "deny", "0.0.0.0/0"],
        [32767, true, "deny", "0.0.0.0/0"],
      ],
    });
    expect(out["createNetworkAclEntry"]).toEqual([[10, "203.0.113.0/24", 443]]);
    expect(out["createNetworkAclEntryAgain"]).toMatchObject({ error: "NetworkAclEntryAlreadyExists", status: 400 });
    expect(out["describeMissingAcl"]).toMatchObject({ error: "InvalidNetworkAclID.NotFound", status: 400 });
  });

  it("S3: CreateBucket, NoSuchBucketPolicy, PutBucketPolicy and GetBucketPolicy round-trip", () => {
    expect(out["createBucket"]).toBe(200);
    expect(out["getBucketPolicyBefore"]).toMatchObject({ error: "NoSuchBucketPolicy", status: 404 });
    expect([200, 204]).toContain(out["putBucketPolicy"]);
    expect(out["getBucketPolicy"]).toMatchObject({ Statement: [{ Sid: "DenyInsecure", Effect: "Deny" }] });
  });

  it("Glue: CreateDatabase folds the name; a missing table is EntityNotFoundException", () => {
    expect(out["createDatabase"]).toBe("boto_db");
    const e = out["getMissingTable"] as ErrorStep;
    expect(e).toMatchObject({ error: "EntityNotFoundException", status: 400 });
    expect(e.message).toContain("nope");
  });

  it("WAFv2: CreateIPSet, UpdateIPSet rotates the lock token, a stale token is WAFOptimisticLockException", () => {
    expect(out["createIPSet"]).toMatchObject({ arn: expect.stringMatching(/:regional\/ipset\/boto-set\//) });
    expect(out["updateIPSet"]).toBe(true);
    expect(out["updateIPSetStale"]).toMatchObject({ error: "WAFOptimisticLockException", status: 400 });
    expect(out["getIPSet"]).toEqual(["198.51.100.0/24"]);
  });
});
