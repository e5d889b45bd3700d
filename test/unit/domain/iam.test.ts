import { describe, expect, it } from "vitest";
import {
  bucketPolicyDiff,
  canonicalStatement,
  canonicalStatements,
  mergePolicy,
  policiesEquivalent,
  splitPolicy,
} from "../../../src/domain/iam.js";
import { AwsError } from "../../../src/model/errors.js";

const base = {
  Sid: "CordonAWSLogDeliveryWrite",
  Effect: "Allow",
  Principal: { Service: "delivery.logs.amazonaws.com" },
  Action: "s3:PutObject",
  Resource: "arn:aws:s3:::b/AWSLogs/111122223333/*",
  Condition: {
    StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": "111122223333" },
    ArnLike: { "aws:SourceArn": "arn:aws:logs:eu-west-1:111122223333:*" },
  },
};

describe("canonicalStatement: forms AWS treats as the same statement", () => {
  const same: { reason: string; a: unknown; b: unknown }[] = [
    { reason: "Action string vs one-element array", a: base, b: { ...base, Action: ["s3:PutObject"] } },
    { reason: "Resource string vs one-element array", a: base, b: { ...base, Resource: [base.Resource] } },
    {
      reason: "Action sets in another order, with a duplicate",
      a: { ...base, Action: ["s3:GetBucketAcl", "s3:ListBucket"] },
      b: { ...base, Action: ["s3:ListBucket", "s3:GetBucketAcl", "s3:ListBucket"] },
    },
    {
      reason: "NotAction string vs array",
      a: { ...base, Action: undefined, NotAction: "s3:DeleteObject" },
      b: { ...base, Action: undefined, NotAction: ["s3:DeleteObject"] },
    },
    {
      reason: "Principal Service string vs array",
      a: base,
      b: { ...base, Principal: { Service: ["delivery.logs.amazonaws.com"] } },
    },
    { reason: '"*" vs {"AWS": "*"}', a: { ...base, Principal: "*" }, b: { ...base, Principal: { AWS: "*" } } },
    { reason: '"*" vs {"AWS": ["*"]}', a: { ...base, Principal: "*" }, b: { ...base, Principal: { AWS: ["*"] } } },
    {
      reason: "account-id principal vs the root ARN AWS rewrites it to",
      a: { ...base, Principal: { AWS: "444455556666" } },
      b: { ...base, Principal: { AWS: "arn:aws:iam::444455556666:root" } },
    },
    {
      reason: "condition operator and key case",
      a: base,
      b: {
        ...base,
        Condition: {
          stringequals: { "S3:X-AMZ-ACL": "bucket-owner-full-control", "AWS:SOURCEACCOUNT": ["111122223333"] },
          arnlike: { "aws:sourcearn": "arn:aws:logs:eu-west-1:111122223333:*" },
        },
      },
    },
    {
      reason: "condition value list order",
      a: { ...base, Condition: { StringEquals: { "aws:SourceAccount": ["1", "2"] } } },
      b: { ...base, Condition: { StringEquals: { "aws:SourceAccount": ["2", "1"] } } },
    },
    {
      reason: "boolean condition value vs its string",
      a: { ...base, Condition: { Bool: { "aws:SecureTransport": false } } },
      b: { ...base, Condition: { Bool: { "aws:SecureTransport": "false" } } },
    },
  ];
  for (const c of same) {
    it(c.reason, () => {
      expect(canonicalStatement(c.a)).toEqual(canonicalStatement(c.b));
    });
  }

  const different: { reason: string; a: unknown; b: unknown }[] = [
    { reason: "another action", a: base, b: { ...base, Action: "s3:GetObject" } },
    { reason: "Deny vs Allow", a: base, b: { ...base, Effect: "Deny" } },
    { reason: "another account", a: { ...base, Principal: { AWS: "1" } }, b: { ...base, Principal: { AWS: "2" } } },
    {
      reason: "condition values are case-sensitive",
      a: base,
      b: { ...base, Condition: { ...base.Condition, ArnLike: { "aws:SourceArn": "ARN:AWS:LOGS:*" } } },
    },
    { reason: "Action vs NotAction", a: base, b: { ...base, Action: undefined, NotAction: "s3:PutObject" } },
  ];
  for (const c of different) {
    it(`differs: ${c.reason}`, () => {
      expect(canonicalStatement(c.a)).not.toEqual(canonicalStatement(c.b));
    });
  }

  it("collapses one-element arrays and sorts sets in its output", () => {
    expect(canonicalStatement({ ...base, Action: ["s3:b", "s3:a"], Resource: ["x"] })).toMatchObject({
      Action: ["s3:a", "s3:b"],
      Resource: "x",
    });
  });
});

describe("policiesEquivalent", () => {
  const cases: { reason: string; a: unknown; b: unknown; same: boolean }[] = [
    {
      reason: "statement order is irrelevant",
      a: { Version: "2012-10-17", Statement: [base, { ...base, Sid: "Other" }] },
      b: { Version: "2012-10-17", Statement: [{ ...base, Sid: "Other" }, base] },
      same: true,
    },
    {
      reason: "a single Statement object vs a one-element list",
      a: { Version: "2012-10-17", Statement: base },
      b: { Version: "2012-10-17", Statement: [base] },
      same: true,
    },
    {
      reason: "absent Version means 2008-10-17",
      a: { Statement: [base] },
      b: { Version: "2008-10-17", Statement: [base] },
      same: true,
    },
    {
      reason: "absent Version is not 2012-10-17",
      a: { Statement: [base] },
      b: { Version: "2012-10-17", Statement: [base] },
      same: false,
    },
    {
      reason: "text and parsed forms compare",
      a: JSON.stringify({ Statement: [base] }),
      b: { Statement: [base] },
      same: true,
    },
  ];
  for (const c of cases) {
    it(c.reason, () => expect(policiesEquivalent(c.a, c.b)).toBe(c.same));
  }
});

describe("splitPolicy / mergePolicy", () => {
  const foreign1 = {
    Sid: "TeamRead",
    Effect: "Allow",
    Principal: { AWS: "arn:aws:iam::999999999999:root" },
    Action: ["s3:GetObject"],
    Resource: "arn:aws:s3:::b/*",
  };
  const foreign2 = {
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: "arn:aws:s3:::b/*",
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
  const text = JSON.stringify({ Version: "2012-10-17", Id: "Mixed", Statement: [foreign1, base, foreign2] });

  it("splits owned statements (canonical) from foreign ones (verbatim, in order)", () => {
    const s = splitPolicy(text);
    expect(s.owned).toEqual([canonicalStatement(base)]);
    expect(s.foreign).toEqual([foreign1, foreign2]);
    expect(s.version).toBe("2012-10-17");
    expect(s.id).toBe("Mixed");
  });

  it("merges foreign first, untouched, then Cordon's", () => {
    const s = splitPolicy(text);
    const merged = JSON.parse(mergePolicy(s.owned, s.foreign, s.version, s.id) as string);
    expect(merged.Statement[0]).toEqual(foreign1);
    expect(merged.Statement[1]).toEqual(foreign2);
    expect(merged.Id).toBe("Mixed");
    expect(policiesEquivalent(merged, text)).toBe(true);
  });

  it("no policy yet: empty split; merging writes Version 2012-10-17 and no Id", () => {
    const s = splitPolicy(null);
    expect(s).toEqual({ owned: [], foreign: [], version: null, id: null });
    const merged = JSON.parse(mergePolicy([canonicalStatement(base)], [], null, null) as string);
    expect(merged.Version).toBe("2012-10-17");
    expect("Id" in merged).toBe(false);
  });

  it("nothing left to write: null (the caller deletes the bucket policy)", () => {
    expect(mergePolicy([], [], "2012-10-17", null)).toBeNull();
  });

  it("a document that is not JSON is an AwsError", () => {
    expect(() => splitPolicy("{nope")).toThrow(AwsError);
    expect(() => splitPolicy("[1]")).toThrow(/not a JSON object/);
  });
});

describe("bucketPolicyDiff", () => {
  const acl = {
    ...base,
    Sid: "CordonAWSLogDeliveryAclCheck",
    Action: ["s3:GetBucketAcl", "s3:ListBucket"],
    Resource: "arn:aws:s3:::b",
  };
  const desired = { bucket: "b", statements: canonicalStatements([base, acl]) };

  it("no diff when the live statements differ only in form (AWS rewrites, order)", () => {
    const live = {
      bucket: "b",
      statements: [
        { ...acl, Action: ["s3:ListBucket", "s3:GetBucketAcl"] },
        { ...base, Action: ["s3:PutObject"], Principal: { Service: ["delivery.logs.amazonaws.com"] } },
      ],
    } as never;
    expect(bucketPolicyDiff(desired, live)).toEqual({ fields: [], replace: false });
  });

  it("one field per differing Sid; a missing statement has before null", () => {
    const live = { bucket: "b", statements: canonicalStatements([{ ...acl, Resource: "arn:aws:s3:::other" }]) };
    const d = bucketPolicyDiff(desired, live);
    expect(d.replace).toBe(false);
    expect(d.fields.map((f) => f.path)).toEqual([
      "/statements/CordonAWSLogDeliveryAclCheck",
      "/statements/CordonAWSLogDeliveryWrite",
    ]);
    expect(d.fields[1]?.before).toBeNull();
  });
});
