import { Readable } from "node:stream";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketPolicyCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectCommand,
  DeletePublicAccessBlockCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  paginateListObjectsV2,
  type S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox } from "../src/server.js";
import { decodeAwsChunked, lookupBucket, s3 } from "../src/services/s3.js";
import type { SandboxRequest, ServiceContext } from "../src/types.js";
import { ACCOUNT, expectError, OTHER_ACCOUNT, s3Client } from "./sdk-helpers.js";

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

const SEEDED_POLICY = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "DenyInsecure",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: ["arn:aws:s3:::seeded-logs", "arn:aws:s3:::seeded-logs/*"],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ],
};

function deliveryPolicy(bucket: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Id: "AWSLogDeliveryWrite20150319",
    Statement: [
      {
        Sid: "AWSLogDeliveryAclCheck",
        Effect: "Allow",
        Principal: { Service: "delivery.logs.amazonaws.com" },
        Action: ["s3:GetBucketAcl", "s3:ListBucket"],
        Resource: `arn:aws:s3:::${bucket}`,
        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
      },
      {
        Sid: "AWSLogDeliveryWrite",
        Effect: "Allow",
        Principal: { Service: "delivery.logs.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `arn:aws:s3:::${bucket}/flow/AWSLogs/${ACCOUNT}/*`,
        Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": ACCOUNT } },
      },
    ],
  });
}

let sandbox: Sandbox;
let client: S3Client;
let usEast: S3Client;
let other: S3Client;

beforeAll(async () => {
  sandbox = await startSandbox({
    seed: {
      accessKeys: { AKIAS3READER: { account: ACCOUNT, allow: ["s3:Get*"] } },
      accounts: {
        [ACCOUNT]: {
          regions: {
            "eu-west-1": { buckets: [{ name: "seeded-logs", tags: { team: "sec" }, policy: SEEDED_POLICY }] },
          },
        },
      },
    },
  });
  client = s3Client(sandbox.url);
  usEast = s3Client(sandbox.url, { region: "us-east-1" });
  other = s3Client(sandbox.url, { key: OTHER_ACCOUNT });
});

afterAll(async () => {
  await sandbox.stop();
});

describe("CreateBucket and the location-constraint rules", () => {
  it("creates in the client's region (the SDK sends the constraint) and reports the region", async () => {
    await client.send(new CreateBucketCommand({ Bucket: "cb-eu" }));
    const loc = await client.send(new GetBucketLocationCommand({ Bucket: "cb-eu" }));
    expect(loc.LocationConstraint).toBe("eu-west-1");
    const head = await client.send(new HeadBucketCommand({ Bucket: "cb-eu" }));
    expect(head.BucketRegion).toBe("eu-west-1");
  });

  it("answers an empty LocationConstraint for us-east-1 buckets", async () => {
    await usEast.send(new CreateBucketCommand({ Bucket: "cb-use1" }));
    const loc = await usEast.send(new GetBucketLocationCommand({ Bucket: "cb-use1" }));
    expect(loc.LocationConstraint ?? "").toBe("");
  });

  it("re-creating your own bucket: 409 BucketAlreadyOwnedByYou, except 200 in us-east-1", async () => {
    await expectError(client.send(new CreateBucketCommand({ Bucket: "cb-eu" })), "BucketAlreadyOwnedByYou", 409);
    await usEast.send(new CreateBucketCommand({ Bucket: "cb-use1" }));
  });

  it("another account's bucket name is BucketAlreadyExists", async () => {
    await expectError(other.send(new CreateBucketCommand({ Bucket: "cb-eu" })), "BucketAlreadyExists", 409);
  });

  it.each([
    { bucket: "ab", reason: "too short" },
    { bucket: "a".repeat(64), reason: "too long" },
    { bucket: "has_underscore", reason: "underscore" },
    { bucket: "a..b", reason: "adjacent periods" },
    { bucket: "192.168.1.10", reason: "formatted as an IP address" },
    { bucket: "xn--punycode", reason: "reserved prefix" },
    { bucket: "name-s3alias", reason: "reserved suffix" },
    { bucket: "-leading", reason: "starts with a hyphen" },
  ])("rejects $bucket ($reason) with InvalidBucketName", async ({ bucket }) => {
    const e = await expectError(client.send(new CreateBucketCommand({ Bucket: bucket })), "InvalidBucketName", 400);
    expect(e["BucketName"] ?? bucket).toBe(bucket);
  });

  it.each([
    {
      reason: "us-east-1 may not be named explicitly",
      c: () => usEast,
      constraint: "us-east-1",
      name: "InvalidLocationConstraint",
    },
    {
      reason: "a constraint must match a regional endpoint",
      c: () => client,
      constraint: "us-west-2",
      name: "IllegalLocationConstraintException",
    },
    { reason: "an unknown region", c: () => usEast, constraint: "moon-base-1x", name: "InvalidLocationConstraint" },
  ])("$reason → $name", async ({ c, constraint, name }) => {
    await expectError(
      c().send(
        new CreateBucketCommand({
          Bucket: `cb-bad-${constraint}`,
          CreateBucketConfiguration: { LocationConstraint: constraint as never },
        }),
      ),
      name,
      400,
    );
  });

  it("the us-east-1 endpoint creates a bucket in the region the constraint names; EU means eu-west-1", async () => {
    await usEast.send(
      new CreateBucketCommand({ Bucket: "cb-via-global", CreateBucketConfiguration: { LocationConstraint: "EU" } }),
    );
    const loc = await client.send(new GetBucketLocationCommand({ Bucket: "cb-via-global" }));
    expect(loc.LocationConstraint).toBe("eu-west-1");
  });
});

describe("HeadBucket, regions and owners", () => {
  it("a missing bucket is NotFound with no body", async () => {
    await expectError(client.send(new HeadBucketCommand({ Bucket: "no-such-bucket-x" })), "NotFound", 404);
  });

  // Without a body the SDK cannot name 403/301 errors: this SDK version calls them "Unknown".
  it("another account's bucket is 403 without a body", async () => {
    const e = await expectError(other.send(new HeadBucketCommand({ Bucket: "cb-eu" })), "Unknown", 403);
    expect(e.$response?.headers?.["x-amz-bucket-region"]).toBe("eu-west-1");
  });

  it("a bucket in another region answers 301 with x-amz-bucket-region", async () => {
    const e = await expectError(usEast.send(new HeadBucketCommand({ Bucket: "cb-eu" })), "Unknown", 301);
    expect(e.$response?.headers?.["x-amz-bucket-region"]).toBe("eu-west-1");
    await expectError(usEast.send(new GetBucketTaggingCommand({ Bucket: "cb-eu" })), "PermanentRedirect", 301);
  });

  it("ExpectedBucketOwner other than the owner is AccessDenied", async () => {
    await client.send(new GetBucketLocationCommand({ Bucket: "cb-eu", ExpectedBucketOwner: ACCOUNT }));
    await expectError(
      client.send(new GetBucketTaggingCommand({ Bucket: "cb-eu", ExpectedBucketOwner: OTHER_ACCOUNT })),
      "AccessDenied",
      403,
    );
  });

  it("operations on a missing bucket are NoSuchBucket", async () => {
    await expectError(client.send(new GetBucketPolicyCommand({ Bucket: "no-such-bucket-x" })), "NoSuchBucket", 404);
  });

  it("ListBuckets lists only the caller's buckets", async () => {
    const mine = await client.send(new ListBucketsCommand({}));
    const names = (mine.Buckets ?? []).map((b) => b.Name);
    expect(names).toContain("cb-eu");
    expect(names).toContain("seeded-logs");
    const theirs = await other.send(new ListBucketsCommand({}));
    expect(theirs.Buckets ?? []).toEqual([]);
  });
});

describe("bucket policy", () => {
  beforeAll(async () => {
    await client.send(new CreateBucketCommand({ Bucket: "pol-bucket" }));
  });

  it("is NoSuchBucketPolicy until one is put, then returns the raw text, then is gone after delete", async () => {
    await expectError(client.send(new GetBucketPolicyCommand({ Bucket: "pol-bucket" })), "NoSuchBucketPolicy", 404);
    const text = deliveryPolicy("pol-bucket");
    await client.send(new PutBucketPolicyCommand({ Bucket: "pol-bucket", Policy: text }));
    const got = await client.send(new GetBucketPolicyCommand({ Bucket: "pol-bucket" }));
    expect(got.Policy).toBe(text);
    await client.send(new DeleteBucketPolicyCommand({ Bucket: "pol-bucket" }));
    await expectError(client.send(new GetBucketPolicyCommand({ Bucket: "pol-bucket" })), "NoSuchBucketPolicy", 404);
  });

  const statement = {
    Effect: "Allow",
    Principal: { Service: "delivery.logs.amazonaws.com" },
    Action: "s3:PutObject",
    Resource: "arn:aws:s3:::pol-bucket/*",
  };
  it.each([
    { reason: "not JSON", policy: "{not json" },
    { reason: "no Statement", policy: JSON.stringify({ Version: "2012-10-17" }) },
    { reason: "missing Principal", policy: JSON.stringify({ Statement: [{ ...statement, Principal: undefined }] }) },
    { reason: "missing Effect", policy: JSON.stringify({ Statement: [{ ...statement, Effect: undefined }] }) },
    { reason: "bad Effect", policy: JSON.stringify({ Statement: [{ ...statement, Effect: "Maybe" }] }) },
    {
      reason: "resource of another bucket",
      policy: JSON.stringify({ Statement: [{ ...statement, Resource: "arn:aws:s3:::elsewhere/*" }] }),
    },
    {
      reason: "invalid AWS principal",
      policy: JSON.stringify({ Statement: [{ ...statement, Principal: { AWS: "not-an-arn" } }] }),
    },
    {
      reason: "duplicate Sids",
      policy: JSON.stringify({
        Statement: [
          { ...statement, Sid: "A" },
          { ...statement, Sid: "A" },
        ],
      }),
    },
  ])("rejects a policy with $reason as MalformedPolicy", async ({ policy }) => {
    await expectError(
      client.send(new PutBucketPolicyCommand({ Bucket: "pol-bucket", Policy: policy })),
      "MalformedPolicy",
      400,
    );
  });

  it("BlockPublicPolicy (on by default) refuses a public policy; without the block it is accepted", async () => {
    const open = JSON.stringify({ Statement: [{ ...statement, Principal: "*", Action: "s3:GetObject" }] });
    await expectError(
      client.send(new PutBucketPolicyCommand({ Bucket: "pol-bucket", Policy: open })),
      "AccessDenied",
      403,
    );
    await client.send(new DeletePublicAccessBlockCommand({ Bucket: "pol-bucket" }));
    await client.send(new PutBucketPolicyCommand({ Bucket: "pol-bucket", Policy: open }));
  });

  it("another account cannot read the policy", async () => {
    await expectError(other.send(new GetBucketPolicyCommand({ Bucket: "pol-bucket" })), "AccessDenied", 403);
  });
});

describe("tagging, public access block, encryption, lifecycle, ownership", () => {
  beforeAll(async () => {
    await client.send(new CreateBucketCommand({ Bucket: "cfg-bucket" }));
  });

  it("tagging: NoSuchTagSet, then the whole set is replaced, then deleted", async () => {
    await expectError(client.send(new GetBucketTaggingCommand({ Bucket: "cfg-bucket" })), "NoSuchTagSet", 404);
    await client.send(
      new PutBucketTaggingCommand({
        Bucket: "cfg-bucket",
        Tagging: {
          TagSet: [
            { Key: "a", Value: "1" },
            { Key: "b", Value: "2" },
          ],
        },
      }),
    );
    await client.send(
      new PutBucketTaggingCommand({ Bucket: "cfg-bucket", Tagging: { TagSet: [{ Key: "c", Value: "3" }] } }),
    );
    const got = await client.send(new GetBucketTaggingCommand({ Bucket: "cfg-bucket" }));
    expect(got.TagSet).toEqual([{ Key: "c", Value: "3" }]);
    await client.send(new DeleteBucketTaggingCommand({ Bucket: "cfg-bucket" }));
    await expectError(client.send(new GetBucketTaggingCommand({ Bucket: "cfg-bucket" })), "NoSuchTagSet", 404);
  });

  it.each([
    {
      reason: "duplicate keys",
      tags: [
        { Key: "a", Value: "1" },
        { Key: "a", Value: "2" },
      ],
    },
    { reason: "reserved aws: prefix", tags: [{ Key: "aws:owner", Value: "x" }] },
    { reason: "key longer than 128", tags: [{ Key: "k".repeat(129), Value: "x" }] },
    { reason: "value longer than 256", tags: [{ Key: "k", Value: "v".repeat(257) }] },
  ])("rejects tags with $reason as InvalidTag", async ({ tags }) => {
    await expectError(
      client.send(new PutBucketTaggingCommand({ Bucket: "cfg-bucket", Tagging: { TagSet: tags } })),
      "InvalidTag",
      400,
    );
  });

  it("public access block: all four on for a new bucket, replaced by put, gone after delete", async () => {
    const initial = await client.send(new GetPublicAccessBlockCommand({ Bucket: "cfg-bucket" }));
    expect(initial.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    await client.send(
      new PutPublicAccessBlockCommand({
        Bucket: "cfg-bucket",
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true },
      }),
    );
    const after = await client.send(new GetPublicAccessBlockCommand({ Bucket: "cfg-bucket" }));
    expect(after.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: false,
    });
    await client.send(new DeletePublicAccessBlockCommand({ Bucket: "cfg-bucket" }));
    await expectError(
      client.send(new GetPublicAccessBlockCommand({ Bucket: "cfg-bucket" })),
      "NoSuchPublicAccessBlockConfiguration",
      404,
    );
  });

  it("encryption: SSE-S3 by default, then what was put", async () => {
    const initial = await client.send(new GetBucketEncryptionCommand({ Bucket: "cfg-bucket" }));
    expect(initial.ServerSideEncryptionConfiguration?.Rules).toEqual([
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: false },
    ]);
    await client.send(
      new PutBucketEncryptionCommand({
        Bucket: "cfg-bucket",
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "alias/logs" },
              BucketKeyEnabled: true,
            },
          ],
        },
      }),
    );
    const after = await client.send(new GetBucketEncryptionCommand({ Bucket: "cfg-bucket" }));
    expect(after.ServerSideEncryptionConfiguration?.Rules).toEqual([
      {
        ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "alias/logs" },
        BucketKeyEnabled: true,
      },
    ]);
  });

  it("lifecycle: NoSuchLifecycleConfiguration, echo of the rules, validation, delete", async () => {
    await expectError(
      client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: "cfg-bucket" })),
      "NoSuchLifecycleConfiguration",
      404,
    );
    const rule = { ID: "expire", Filter: { Prefix: "AWSLogs/" }, Status: "Enabled" as const, Expiration: { Days: 90 } };
    await client.send(
      new PutBucketLifecycleConfigurationCommand({ Bucket: "cfg-bucket", LifecycleConfiguration: { Rules: [rule] } }),
    );
    const got = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: "cfg-bucket" }));
    expect(got.Rules).toEqual([rule]);
    await expectError(
      client.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: "cfg-bucket",
          LifecycleConfiguration: { Rules: [rule, { ...rule }] },
        }),
      ),
      "InvalidArgument",
      400,
    );
    await client.send(new DeleteBucketLifecycleCommand({ Bucket: "cfg-bucket" }));
    await expectError(
      client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: "cfg-bucket" })),
      "NoSuchLifecycleConfiguration",
      404,
    );
  });

  it("ownership controls: BucketOwnerEnforced by default, then what was put", async () => {
    const initial = await client.send(new GetBucketOwnershipControlsCommand({ Bucket: "cfg-bucket" }));
    expect(initial.OwnershipControls?.Rules).toEqual([{ ObjectOwnership: "BucketOwnerEnforced" }]);
    await client.send(
      new PutBucketOwnershipControlsCommand({
        Bucket: "cfg-bucket",
        OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerPreferred" }] },
      }),
    );
    const after = await client.send(new GetBucketOwnershipControlsCommand({ Bucket: "cfg-bucket" }));
    expect(after.OwnershipControls?.Rules).toEqual([{ ObjectOwnership: "BucketOwnerPreferred" }]);
  });
});

describe("objects and conditional writes", () => {
  beforeAll(async () => {
    await client.send(new CreateBucketCommand({ Bucket: "obj-bucket" }));
  });

  it("put, get, head, delete", async () => {
    const put = await client.send(
      new PutObjectCommand({ Bucket: "obj-bucket", Key: "dir/a.txt", Body: "hello", ContentType: "text/plain" }),
    );
    expect(put.ETag).toBe('"5d41402abc4b2a76b9719d911017c592"');
    const got = await client.send(new GetObjectCommand({ Bucket: "obj-bucket", Key: "dir/a.txt" }));
    expect(await got.Body?.transformToString()).toBe("hello");
    expect(got.ContentType).toBe("text/plain");
    const head = await client.send(new HeadObjectCommand({ Bucket: "obj-bucket", Key: "dir/a.txt" }));
    expect(head.ContentLength).toBe(5);
    await client.send(new DeleteObjectCommand({ Bucket: "obj-bucket", Key: "dir/a.txt" }));
    await expectError(client.send(new GetObjectCommand({ Bucket: "obj-bucket", Key: "dir/a.txt" })), "NoSuchKey", 404);
    await expectError(client.send(new HeadObjectCommand({ Bucket: "obj-bucket", Key: "dir/a.txt" })), "NotFound", 404);
  });

  it("If-None-Match: * creates once, then answers 412 PreconditionFailed (a lock)", async () => {
    await client.send(new PutObjectCommand({ Bucket: "obj-bucket", Key: "lock", Body: "owner-1", IfNoneMatch: "*" }));
    await expectError(
      client.send(new PutObjectCommand({ Bucket: "obj-bucket", Key: "lock", Body: "owner-2", IfNoneMatch: "*" })),
      "PreconditionFailed",
      412,
    );
    const got = await client.send(new GetObjectCommand({ Bucket: "obj-bucket", Key: "lock" }));
    expect(await got.Body?.transformToString()).toBe("owner-1");
  });

  it("If-Match replaces only the version read; deleting with a stale etag fails", async () => {
    const first = await client.send(new PutObjectCommand({ Bucket: "obj-bucket", Key: "cas", Body: "v1" }));
    await client.send(new PutObjectCommand({ Bucket: "obj-bucket", Key: "cas", Body: "v2", IfMatch: first.ETag }));
    await expectError(
      client.send(new PutObjectCommand({ Bucket: "obj-bucket", Key: "cas", Body: "v3", IfMatch: first.ETag })),
      "PreconditionFailed",
      412,
    );
    await expectError(
      client.send(new PutObjectCommand({ Bucket: "obj-bucket", Key: "absent", Body: "x", IfMatch: first.ETag })),
      "NoSuchKey",
      404,
    );
    await expectError(
      client.send(new DeleteObjectCommand({ Bucket: "obj-bucket", Key: "cas", IfMatch: first.ETag })),
      "PreconditionFailed",
      412,
    );
  });

  it("accepts a streamed (aws-chunked, trailing checksum) body", async () => {
    const data = Buffer.from("x".repeat(70_000));
    await client.send(
      new PutObjectCommand({
        Bucket: "obj-bucket",
        Key: "streamed",
        Body: Readable.from([data.subarray(0, 30_000), data.subarray(30_000)]),
        ContentLength: data.length,
      }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: "obj-bucket", Key: "streamed" }));
    expect(Buffer.from((await got.Body?.transformToByteArray()) ?? []).equals(data)).toBe(true);
  });

  it("a bucket with objects cannot be deleted", async () => {
    await expectError(client.send(new DeleteBucketCommand({ Bucket: "obj-bucket" })), "BucketNotEmpty", 409);
  });
});

describe("ListObjectsV2", () => {
  const keys = ["AWSLogs/1/a", "AWSLogs/1/b", "AWSLogs/2/a", "AWSLogs/top", "other/x", "root"];
  beforeAll(async () => {
    await client.send(new CreateBucketCommand({ Bucket: "list-bucket" }));
    for (const Key of keys) await client.send(new PutObjectCommand({ Bucket: "list-bucket", Key, Body: Key }));
  });

  it("lists with prefix and delimiter, counting common prefixes", async () => {
    const out = await client.send(
      new ListObjectsV2Command({ Bucket: "list-bucket", Prefix: "AWSLogs/", Delimiter: "/" }),
    );
    expect(out.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["AWSLogs/1/", "AWSLogs/2/"]);
    expect(out.Contents?.map((c) => c.Key)).toEqual(["AWSLogs/top"]);
    expect(out.KeyCount).toBe(3);
    expect(out.IsTruncated).toBe(false);
  });

  it("pages with max-keys and continuation tokens, without loss or repeats", async () => {
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client }, { Bucket: "list-bucket", MaxKeys: 2 })) {
      pages++;
      expect((page.Contents ?? []).length).toBeLessThanOrEqual(2);
      for (const c of page.Contents ?? []) seen.push(c.Key ?? "");
    }
    expect(seen).toEqual([...keys].sort());
    expect(pages).toBe(3);
  });

  it("pages through common prefixes with a delimiter", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: "list-bucket", Delimiter: "/", MaxKeys: 1, ContinuationToken: token }),
      );
      for (const p of page.CommonPrefixes ?? []) seen.push(p.Prefix ?? "");
      for (const c of page.Contents ?? []) seen.push(c.Key ?? "");
      token = page.NextContinuationToken;
    } while (token !== undefined);
    expect(seen).toEqual(["AWSLogs/", "other/", "root"]);
  });

  it("StartAfter skips keys up to and including it", async () => {
    const out = await client.send(new ListObjectsV2Command({ Bucket: "list-bucket", StartAfter: "AWSLogs/top" }));
    expect(out.Contents?.map((c) => c.Key)).toEqual(["other/x", "root"]);
  });
});

describe("seeded buckets", () => {
  it("carry the estate's tags and policy", async () => {
    const tags = await client.send(new GetBucketTaggingCommand({ Bucket: "seeded-logs" }));
    expect(tags.TagSet).toEqual([{ Key: "team", Value: "sec" }]);
    const policy = await client.send(new GetBucketPolicyCommand({ Bucket: "seeded-logs" }));
    expect(JSON.parse(policy.Policy ?? "{}")).toEqual(SEEDED_POLICY);
  });
});

describe("access and faults", () => {
  it("an allow-list key is judged by S3's IAM action names, not operation names", async () => {
    const reader = s3Client(sandbox.url, { key: "AKIAS3READER" });
    const tags = await reader.send(new GetBucketTaggingCommand({ Bucket: "seeded-logs" }));
    expect(tags.TagSet).toHaveLength(1);
    // HeadBucket needs s3:ListBucket, DeleteBucketTagging needs s3:PutBucketTagging.
    await expectError(reader.send(new HeadBucketCommand({ Bucket: "seeded-logs" })), "Unknown", 403);
    await expectError(reader.send(new DeleteBucketTaggingCommand({ Bucket: "seeded-logs" })), "AccessDenied", 403);
  });

  it("a lost response performs the request, then answers 500: the retry of a conditional write fails its condition", async () => {
    sandbox.control.setFaults({ rules: [{ kind: "lostResponse", service: "s3", operation: "PutObject", nth: 1 }] });
    try {
      const put = () =>
        client.send(
          new PutObjectCommand({ Bucket: "seeded-logs", Key: "lost/once.json", Body: "{}", IfNoneMatch: "*" }),
        );
      await expectError(put(), "InternalError", 500);
      // The object was written all the same, so the client's retry finds it there.
      const got = await client.send(new GetObjectCommand({ Bucket: "seeded-logs", Key: "lost/once.json" }));
      expect(await got.Body?.transformToString()).toBe("{}");
      await expectError(put(), "PreconditionFailed", 412);
      const marked = sandbox.control.requests().filter((q) => q.injected === "lostResponse");
      expect(marked.map((q) => [q.operation, q.status])).toEqual([["PutObject", 500]]);
    } finally {
      sandbox.control.setFaults({});
      await client.send(new DeleteObjectCommand({ Bucket: "seeded-logs", Key: "lost/once.json" }));
    }
  });

  it("throttling uses S3's SlowDown (503)", async () => {
    sandbox.control.setFaults({ rules: [{ kind: "throttle", service: "s3", operation: "GetBucketLocation", nth: 1 }] });
    try {
      await expectError(client.send(new GetBucketLocationCommand({ Bucket: "seeded-logs" })), "SlowDown", 503);
    } finally {
      sandbox.control.setFaults({});
    }
  });
});

describe("module surface", () => {
  it.each([
    { op: "HeadBucket", action: "s3:ListBucket" },
    { op: "ListObjectsV2", action: "s3:ListBucket" },
    { op: "DeleteBucketTagging", action: "s3:PutBucketTagging" },
    { op: "GetPublicAccessBlock", action: "s3:GetBucketPublicAccessBlock" },
    { op: "GetBucketEncryption", action: "s3:GetEncryptionConfiguration" },
    { op: "DeleteBucketLifecycle", action: "s3:PutLifecycleConfiguration" },
    { op: "GetBucketLocation", action: "s3:GetBucketLocation" },
    { op: "HeadObject", action: "s3:GetObject" },
  ])("IAM action of $op is $action", ({ op, action }) => {
    expect(s3.iamAction?.(op, {} as SandboxRequest)).toBe(action);
  });

  it("lookupBucket reports owner, region and policy from the global namespace", () => {
    const slices = new Map<string, unknown>();
    const ctx = {
      global: <S>(key: string, init: () => S): S => {
        if (!slices.has(key)) slices.set(key, init());
        return slices.get(key) as S;
      },
      now: () => new Date(0),
      touch: () => {},
    } as unknown as ServiceContext;
    expect(lookupBucket(ctx, "nope")).toBeNull();
    s3.seed?.(
      { buckets: [{ name: "seed-me", policy: SEEDED_POLICY_FOR("seed-me") }] },
      "999988887777",
      "ap-south-1",
      ctx,
    );
    expect(lookupBucket(ctx, "seed-me")).toEqual({
      account: "999988887777",
      region: "ap-south-1",
      policy: JSON.stringify(SEEDED_POLICY_FOR("seed-me")),
    });
  });

  it("decodes aws-chunked bodies with signatures and trailers", () => {
    const body = Buffer.from(
      "5;chunk-signature=abc\r\nhello\r\n6;chunk-signature=def\r\n world\r\n0;chunk-signature=0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n",
    );
    const { data, trailers } = decodeAwsChunked(body);
    expect(data.toString()).toBe("hello world");
    expect(trailers["x-amz-checksum-crc32"]).toBe("DUoRhQ==");
  });
});

function SEEDED_POLICY_FOR(bucket: string) {
  return {
    Statement: [
      {
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: `arn:aws:s3:::${bucket}/*`,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}
