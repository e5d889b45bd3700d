import { describe, expect, it } from "vitest";
import { classify, type ErrorClass, toAwsError } from "../../../src/aws/errors.js";
import { AwsError, UsageError } from "../../../src/model/errors.js";

/** An SDK-shaped error: name = wire code, $metadata.httpStatusCode. */
const sdkError = (name: string, status?: number, message = "m") =>
  Object.assign(new Error(message), {
    name,
    ...(status !== undefined ? { $metadata: { httpStatusCode: status } } : {}),
  });

describe("classify", () => {
  const cases: { error: unknown; want: ErrorClass; reason: string }[] = [
    { error: sdkError("NoSuchBucketPolicy", 404), want: "not-found", reason: "S3 missing policy" },
    { error: sdkError("NotFound", 404), want: "not-found", reason: "bodiless HEAD 404" },
    { error: sdkError("InvalidFlowLogId.NotFound", 400), want: "not-found", reason: "EC2 *.NotFound codes" },
    { error: sdkError("EntityNotFoundException", 400), want: "not-found", reason: "Glue" },
    { error: sdkError("BucketAlreadyOwnedByYou", 409), want: "already-exists", reason: "our own bucket" },
    { error: sdkError("BucketAlreadyExists", 409), want: "other", reason: "someone else's bucket is not success" },
    { error: sdkError("AlreadyExistsException", 400), want: "already-exists", reason: "Glue" },
    { error: sdkError("RequestLimitExceeded", 503), want: "throttling", reason: "EC2 throttling" },
    { error: sdkError("SlowDown", 503), want: "throttling", reason: "S3 throttling" },
    { error: sdkError("Whatever", 429), want: "throttling", reason: "HTTP 429" },
    { error: sdkError("InternalError", 500), want: "transient", reason: "S3 5xx" },
    { error: sdkError("UnknownError", 502), want: "transient", reason: "unmodeled 5xx by status" },
    { error: sdkError("ConcurrentModificationException", 400), want: "transient", reason: "Glue retry in practice" },
    { error: Object.assign(new Error("socket"), { code: "ECONNRESET" }), want: "transient", reason: "socket reset" },
    { error: sdkError("AccessDenied", 403), want: "access-denied", reason: "S3" },
    { error: sdkError("403", 403), want: "access-denied", reason: "bodiless HEAD 403" },
    { error: sdkError("UnauthorizedOperation", 403), want: "access-denied", reason: "EC2" },
    { error: sdkError("WAFOptimisticLockException", 400), want: "lock-conflict", reason: "WAF lock token" },
    { error: sdkError("WAFLimitsExceededException", 400), want: "other", reason: "a quota is not throttling" },
    { error: sdkError("ResourceNumberLimitExceededException", 400), want: "other", reason: "Glue quota" },
    { error: new UsageError("bad flag"), want: "other", reason: "Cordon's own errors are never AWS classes" },
    {
      error: new AwsError("CreateFlowLogs", "vpc-1", "RequestLimitExceeded", "slow down"),
      want: "throttling",
      reason: "AwsError keeps its code",
    },
  ];
  it.each(cases)("$reason → $want", ({ error, want }) => {
    expect(classify(error)).toBe(want);
  });
});

describe("toAwsError", () => {
  it("names the operation, the AWS resource and the code", () => {
    const e = toAwsError(
      sdkError("NoSuchBucket", 404, "The specified bucket does not exist"),
      "GetBucketPolicy",
      "s3://b",
    );
    expect(e).toBeInstanceOf(AwsError);
    expect(e.message).toBe("GetBucketPolicy on s3://b failed: NoSuchBucket: The specified bucket does not exist");
    expect(e.httpStatus).toBe(404);
    expect(classify(e)).toBe("not-found");
  });

  it("a bodiless HTTP 403 (S3 HEAD) is AccessDenied, naming the missing permission", () => {
    // The SDK names a 403 without a body "403" or "Unknown" (message "UnknownError").
    for (const [name, message] of [
      ["403", ""],
      ["Unknown", "UnknownError"],
    ] as const) {
      const e = toAwsError(sdkError(name, 403, message), "HeadBucket", "s3://b", "s3");
      expect(e.awsCode).toBe("AccessDenied");
      expect(e.message).toBe(
        "HeadBucket on s3://b failed: AccessDenied: access denied (HTTP 403 with an empty body): the credentials lack the permission s3:ListBucket on s3://b",
      );
      expect(classify(e)).toBe("access-denied");
    }
  });

  it("an access-denied error names the IAM action: service:Operation unless the action is named otherwise", () => {
    const denied = (op: string, service: string) =>
      toAwsError(sdkError("AccessDenied", 403, "Access Denied"), op, "r", service).message;
    expect(denied("GetBucketEncryption", "s3")).toContain("lack the permission s3:GetEncryptionConfiguration on r");
    expect(denied("DescribeLoadBalancers", "elbv2")).toContain(
      "lack the permission elasticloadbalancing:DescribeLoadBalancers",
    );
    expect(denied("GetWebACL", "wafv2")).toContain("lack the permission wafv2:GetWebACL");
    // The action comes from the ports' declarations (src/aws/iam-calls.ts) of that client: an
    // operation of another service is never named after a same-named one.
    expect(denied("GetWebACL", "glue")).not.toContain("permission");
    // AWS's message names another action (GetQueryResults reads the result object as the caller): kept alone.
    const other = toAwsError(
      sdkError(
        "AccessDeniedException",
        400,
        "User: arn:aws:iam::1:user/u is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::r/q.csv",
      ),
      "GetQueryResults",
      "q",
      "athena",
    ).message;
    expect(other).toContain("s3:GetObject");
    expect(other).not.toContain("athena:GetQueryResults");
    // Bad credentials are not a missing permission.
    expect(toAwsError(sdkError("InvalidClientTokenId", 403), "GetCallerIdentity", "r", "sts").message).not.toContain(
      "permission",
    );
    // A 403 that has a code keeps it.
    expect(toAwsError(sdkError("SignatureDoesNotMatch", 403), "HeadBucket", "r", "s3").awsCode).toBe(
      "SignatureDoesNotMatch",
    );
  });

  it("passes an AwsError through unchanged", () => {
    const original = new AwsError("X", "r", "C", "m");
    expect(toAwsError(original, "Y", "s")).toBe(original);
  });
});
