// Pure pieces of the sandbox: CIDR canonicalisation, the bucket-policy evaluator, form lists, faults.
import { describe, expect, it } from "vitest";
import { canonicalIpv4Cidr, canonicalIpv6Cidr, ipv4CidrContains } from "../src/cidr.js";
import { createFaults } from "../src/faults.js";
import { actionAllowed, parseCredential, resolveCaller } from "../src/identity.js";
import { evaluatePolicy } from "../src/policy-eval.js";
import { ec2Filters, flatList, memberList } from "../src/protocols/form.js";

describe("CIDRs", () => {
  const cases: [string, string | null, string][] = [
    ["100.68.0.18/18", "100.68.0.0/18", "host bits are cleared (AWS's own example)"],
    ["0.0.0.0/0", "0.0.0.0/0", "the whole space"],
    ["10.0.0.1/32", "10.0.0.1/32", "a host"],
    ["10.0.0.256/24", null, "octet out of range"],
    ["10.0.0.0", null, "no prefix"],
    ["10.0.0.0/33", null, "prefix too long"],
  ];
  for (const [input, out, reason] of cases) {
    it(`IPv4 ${input}: ${reason}`, () => expect(canonicalIpv4Cidr(input)).toBe(out));
  }
  const v6: [string, string | null, string][] = [
    ["2001:DB8::1/32", "2001:db8::/32", "lower case, host bits cleared"],
    [
      "2001:0db8:0000:0000:0000:0000:0000:0001/128",
      "2001:db8::1/128",
      "leading zeros and the longest zero run compressed",
    ],
    ["::/0", "::/0", "the whole space"],
    ["2001:db8:0:1:0:0:0:1/128", "2001:db8:0:1::1/128", "the longest run, not the first"],
    ["2001:db8::1::2/64", null, "two :: are invalid"],
    ["2001:db8::/129", null, "prefix too long"],
  ];
  for (const [input, out, reason] of v6) {
    it(`IPv6 ${input}: ${reason}`, () => expect(canonicalIpv6Cidr(input)).toBe(out));
  }
  it("tests containment", () => {
    expect(ipv4CidrContains("10.20.0.0/16", "10.20.3.0/24")).toBe(true);
    expect(ipv4CidrContains("10.20.0.0/16", "10.21.0.0/24")).toBe(false);
    expect(ipv4CidrContains("10.20.0.0/16", "10.0.0.0/8")).toBe(false);
  });
});

describe("bucket policy evaluation", () => {
  const req = {
    service: "delivery.logs.amazonaws.com",
    action: "s3:PutObject",
    resource: "arn:aws:s3:::b/flow/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/01/01/x.log.gz",
    context: { "aws:SourceAccount": "111122223333", "aws:SourceArn": "arn:aws:logs:eu-west-1:111122223333:*" },
  };
  const allow = (extra: Record<string, unknown> = {}) => ({
    Effect: "Allow",
    Principal: { Service: "delivery.logs.amazonaws.com" },
    Action: ["s3:GetBucketAcl", "s3:PutObject"],
    Resource: "arn:aws:s3:::b/flow/AWSLogs/111122223333/*",
    ...extra,
  });
  const cases: { reason: string; statements: unknown[]; expected: string }[] = [
    { reason: "a matching allow", statements: [allow()], expected: "allow" },
    { reason: "no statements", statements: [], expected: "implicit-deny" },
    {
      reason: "another principal",
      statements: [allow({ Principal: { Service: "s3.amazonaws.com" } })],
      expected: "implicit-deny",
    },
    { reason: "a wildcard principal", statements: [allow({ Principal: "*" })], expected: "allow" },
    { reason: "an action wildcard", statements: [allow({ Action: "s3:Put*" })], expected: "allow" },
    {
      reason: "another resource prefix",
      statements: [allow({ Resource: "arn:aws:s3:::b/other/*" })],
      expected: "implicit-deny",
    },
    {
      reason: "a matching StringEquals and ArnLike",
      statements: [
        allow({
          Condition: {
            StringEquals: { "aws:SourceAccount": "111122223333" },
            ArnLike: { "aws:SourceArn": "arn:aws:logs:*:111122223333:*" },
          },
        }),
      ],
      expected: "allow",
    },
    {
      reason: "a condition on another account",
      statements: [allow({ Condition: { StringEquals: { "aws:SourceAccount": ["444455556666"] } } })],
      expected: "implicit-deny",
    },
    {
      reason: "an unsupported condition operator",
      statements: [allow({ Condition: { NumericLessThan: { "s3:max-keys": "10" } } })],
      expected: "implicit-deny",
    },
    {
      reason: "an explicit deny beside the allow",
      statements: [allow(), { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "arn:aws:s3:::b/*" }],
      expected: "explicit-deny",
    },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      expect(evaluatePolicy(JSON.stringify({ Version: "2012-10-17", Statement: c.statements }), req)).toBe(c.expected);
    });
  }
  it("allows nothing for an unparseable or absent policy", () => {
    expect(evaluatePolicy("{", req)).toBe("implicit-deny");
    expect(evaluatePolicy(null, req)).toBe("implicit-deny");
  });
});

describe("form lists", () => {
  it("orders indexed lists numerically and ignores empty values", () => {
    const f = new URLSearchParams("VpcId.10=c&VpcId.2=b&VpcId.1=a&VpcId.3=&Names.member.2=y&Names.member.1=x");
    expect(flatList(f, "VpcId")).toEqual(["a", "b", "c"]);
    expect(memberList(f, "Names")).toEqual(["x", "y"]);
  });
  it("groups filters with their values", () => {
    const f = new URLSearchParams(
      "Filter.2.Name=tag:env&Filter.2.Value.1=prod&Filter.1.Name=vpc-id&Filter.1.Value.2=v2&Filter.1.Value.1=v1",
    );
    expect(ec2Filters(f)).toEqual([
      { name: "vpc-id", values: ["v1", "v2"] },
      { name: "tag:env", values: ["prod"] },
    ]);
  });
});

describe("identities", () => {
  it("reads the access key and region from SigV4 headers and presigned queries", () => {
    const h = {
      authorization:
        "AWS4-HMAC-SHA256 Credential=AKIAX/20240101/eu-west-1/ec2/aws4_request, SignedHeaders=host, Signature=abc",
    };
    expect(parseCredential(h, new URLSearchParams())).toEqual({
      accessKeyId: "AKIAX",
      region: "eu-west-1",
      service: "ec2",
    });
    const q = new URLSearchParams({ "X-Amz-Credential": "AKIAY/20240101/us-east-2/s3/aws4_request" });
    expect(parseCredential({}, q)).toEqual({ accessKeyId: "AKIAY", region: "us-east-2", service: "s3" });
    expect(parseCredential({}, new URLSearchParams())).toBeNull();
  });
  it("matches allow-list patterns case-insensitively with wildcards", () => {
    expect(actionAllowed(["ec2:Describe*"], "ec2:DescribeFlowLogs")).toBe(true);
    expect(actionAllowed(["ec2:describe*"], "ec2:DescribeFlowLogs")).toBe(true);
    expect(actionAllowed(["ec2:Describe*"], "ec2:CreateFlowLogs")).toBe(false);
    expect(actionAllowed(["s3:Get?ucketPolicy"], "s3:GetBucketPolicy")).toBe(true);
    expect(actionAllowed(undefined, "anything:AtAll")).toBe(true);
  });
  it("resolves sessions before keys, keys before 12-digit ids, then the default account", () => {
    const ids = {
      defaultAccount: "999988887777",
      accessKeys: { AKIAK: { account: "111122223333" } },
      sessions: {
        ASIAS: {
          account: "444455556666",
          arn: "arn:aws:sts::444455556666:assumed-role/r/s",
          userId: "AROA:s",
          expiration: "",
        },
      },
    };
    expect(resolveCaller(ids, "ASIAS").account).toBe("444455556666");
    expect(resolveCaller(ids, "AKIAK").account).toBe("111122223333");
    expect(resolveCaller(ids, "123456789012").account).toBe("123456789012");
    expect(resolveCaller(ids, "AKIAUNKNOWN").account).toBe("999988887777");
  });
});

describe("faults", () => {
  it("fires nth rules once by default and `times` times when asked", () => {
    const f = createFaults({ rules: [{ kind: "throttle", operation: "A", nth: 2, times: 2 }] });
    const got = ["A", "B", "A", "A", "A"].map((op) => f.decide("ec2", op).fault?.kind ?? "-");
    expect(got).toEqual(["-", "-", "throttle", "throttle", "-"]);
  });
  it("adds latency rules to the base latency and limits errors to their service", () => {
    const f = createFaults({
      latencyMs: 10,
      rules: [
        { kind: "latency", latencyMs: 5, service: "s3" },
        { kind: "error", service: "glue", status: 502 },
      ],
    });
    expect(f.decide("s3", "X")).toEqual({ latencyMs: 15, fault: null });
    expect(f.decide("glue", "X")).toEqual({ latencyMs: 10, fault: { kind: "error", status: 502 } });
  });
  it("rejects invalid configurations with a readable message", () => {
    expect(() => createFaults({ throttleRate: 2 })).toThrow(/throttleRate must be a number between 0 and 1/);
    expect(() => createFaults({ rules: [{ kind: "throttle", service: "iam" as "ec2" }] })).toThrow(
      /service must be one of/,
    );
  });
});
