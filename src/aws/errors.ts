// Classification of AWS errors (docs/aws-behaviour.md, "Error shapes and names", "Throttling codes") and their conversion into AwsError naming the
// AWS resource. The SDK names an error after its wire code (`error.name`), so classification is by
// name, plus the HTTP status for codes AWS does not model (S3's bodiless 403 is AccessDenied, plain
// 5xx are transient). An access-denied error names the IAM action the call needs.
import { AwsError, CordonError } from "../model/errors.js";
import { iamActionOf } from "./iam-calls.js";

export type ErrorClass =
  | "not-found"
  | "already-exists"
  | "throttling"
  | "transient"
  | "access-denied"
  | "lock-conflict"
  | "other";

const NOT_FOUND = new Set([
  "NotFound",
  "NoSuchBucket",
  "NoSuchBucketPolicy",
  "NoSuchTagSet",
  "NoSuchLifecycleConfiguration",
  "NoSuchPublicAccessBlockConfiguration",
  "ServerSideEncryptionConfigurationNotFoundError",
  "OwnershipControlsNotFoundError",
  "EntityNotFoundException",
  "WAFNonexistentItemException",
  "LoadBalancerNotFoundException",
  "LoadBalancerNotFound",
]);

/** AlreadyExists codes that mean "it is ours already". BucketAlreadyExists (another owner) is not one. */
const ALREADY_EXISTS = new Set([
  "AlreadyExistsException",
  "BucketAlreadyOwnedByYou",
  "FlowLogAlreadyExists",
  "NetworkAclEntryAlreadyExists",
  "WAFDuplicateItemException",
]);

const THROTTLING = new Set([
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "LimitExceededException",
  "PriorRequestNotComplete",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ThrottledException",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "TransactionInProgressException",
]);

const TRANSIENT = new Set([
  "InternalError",
  "InternalFailure",
  "InternalServiceException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "Unavailable",
  "OperationAborted",
  "OperationTimeoutException",
  "ConcurrentModificationException",
  "WAFInternalErrorException",
  "WAFUnavailableEntityException",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
]);

const ACCESS_DENIED = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "UnauthorizedAccess",
  "AuthFailure",
  "InvalidClientTokenId",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "MethodNotAllowed",
  "403",
]);

const LOCK_CONFLICT = new Set(["WAFOptimisticLockException"]);

/** The wire code of an error: AwsError.awsCode, the SDK's `name`, or a Node socket code. */
export function errorCode(e: unknown): string {
  if (e instanceof AwsError) return e.awsCode;
  if (e !== null && typeof e === "object") {
    const o = e as { name?: unknown; code?: unknown; Code?: unknown };
    if (typeof o.code === "string" && /^E[A-Z]+$/.test(o.code)) return o.code;
    if (typeof o.Code === "string" && o.Code !== "") return o.Code;
    if (typeof o.name === "string" && o.name !== "" && o.name !== "Error") return o.name;
  }
  return "UnknownError";
}

/** HTTP status of an SDK error ($metadata.httpStatusCode), or of an AwsError that recorded it. */
export function errorStatus(e: unknown): number | undefined {
  if (e instanceof AwsError) return e.httpStatus;
  if (e !== null && typeof e === "object") {
    const meta = (e as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
    if (meta && typeof meta.httpStatusCode === "number") return meta.httpStatusCode;
  }
  return undefined;
}

export function classifyCode(code: string, status?: number): ErrorClass {
  if (NOT_FOUND.has(code) || code.endsWith(".NotFound")) return "not-found";
  if (ALREADY_EXISTS.has(code)) return "already-exists";
  if (THROTTLING.has(code) || status === 429) return "throttling";
  if (LOCK_CONFLICT.has(code)) return "lock-conflict";
  // S3 answers a HEAD it refuses with a bare 403: the SDK has no code to name.
  if (ACCESS_DENIED.has(code) || (status === 403 && (code === "Unknown" || code === "UnknownError"))) {
    return "access-denied";
  }
  if (TRANSIENT.has(code) || (status !== undefined && status >= 500)) return "transient";
  return "other";
}

export function classify(e: unknown): ErrorClass {
  if (e instanceof CordonError && !(e instanceof AwsError)) return "other";
  return classifyCode(errorCode(e), errorStatus(e));
}

export const isNotFound = (e: unknown): boolean => classify(e) === "not-found";
export const isAlreadyExists = (e: unknown): boolean => classify(e) === "already-exists";
/** Worth retrying after a backoff: throttling and server-side/transient failures. */
export const isRetryable = (e: unknown): boolean => {
  const c = classify(e);
  return c === "throttling" || c === "transient";
};

function messageOf(e: unknown): string {
  if (e instanceof Error && e.message !== "") return e.message;
  if (e !== null && typeof e === "object") {
    const m = (e as { Message?: unknown }).Message;
    if (typeof m === "string") return m;
  }
  const status = errorStatus(e);
  return status !== undefined ? `HTTP ${status}` : String(e);
}

/**
 * Converts any failure of an AWS call into an AwsError naming the operation and the AWS resource
 * ("s3://bucket", "vpc-0abc", "glue table db.t"). An AwsError passes through unchanged.
 */
/** Node's network failures: the endpoint could not be reached at all. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
]);

/** Codes that mean "this principal may not do this" (not: the credentials are bad). */
const PERMISSION_DENIED = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "UnauthorizedAccess",
]);

/**
 * An HTTP 403 whose code the SDK could not read — a HEAD answer has no body, so the SDK names it
 * "403" or "Unknown" (message "UnknownError") — is AccessDenied.
 */
const isBodiless403 = (code: string, status: number | undefined): boolean =>
  status === 403 && (code === "403" || code === "Unknown" || code === "UnknownError" || code === "Forbidden");

/**
 * The region S3 names when it answers 301 PermanentRedirect for a bucket addressed in another
 * region: the x-amz-bucket-region header, else the Endpoint (s3.<region>.amazonaws.com) of the
 * error body (docs/aws-behaviour.md, "A bucket in another region"). Null for any other error.
 */
export function redirectRegion(e: unknown): string | null {
  if (e === null || typeof e !== "object") return null;
  if (errorStatus(e) !== 301 && errorCode(e) !== "PermanentRedirect") return null;
  const o = e as { $response?: { headers?: Record<string, unknown> }; Endpoint?: unknown; BucketRegion?: unknown };
  const header = o.$response?.headers?.["x-amz-bucket-region"];
  if (typeof header === "string" && header !== "") return header;
  if (typeof o.BucketRegion === "string" && o.BucketRegion !== "") return o.BucketRegion;
  const m = typeof o.Endpoint === "string" ? /^s3[.-]([a-z0-9-]+)\.amazonaws\./.exec(o.Endpoint) : null;
  return m?.[1] ?? "another region";
}

/**
 * `region`: the region the client addressed (the target's). A 301 PermanentRedirect from S3 (the
 * bucket is in another region) becomes an error naming the bucket, its region and the target's.
 */
export function toAwsError(
  e: unknown,
  operation: string,
  resource: string,
  service?: string,
  region?: string,
): AwsError {
  if (e instanceof AwsError) return e;
  const status = errorStatus(e);
  const elsewhere = service === "s3" ? redirectRegion(e) : null;
  if (elsewhere !== null) {
    const bucket = resource.replace(/^s3:\/\//, "").split("/")[0];
    return new AwsError(
      operation,
      resource,
      "PermanentRedirect",
      `the bucket ${bucket} is in ${elsewhere}, not in the target's region${region === undefined ? "" : ` ${region}`}: Cordon reaches a target's bucket in the target's region. Name a bucket of ${region ?? "the target's region"} (with several targets, put {region} in the name: docs/targets.md)`,
      status,
    );
  }
  const bodiless403 = isBodiless403(errorCode(e), status);
  const code = bodiless403 ? "AccessDenied" : errorCode(e);
  let message = messageOf(e);
  if (bodiless403 && /^(UnknownError|Unknown|403|Forbidden|HTTP 403)?$/.test(message.trim())) {
    message = "HTTP 403 with an empty body";
  }
  if (code === "CredentialsProviderError" || /could not load credentials/i.test(message)) {
    return new AwsError(
      operation,
      resource,
      "NoCredentials",
      "no AWS credentials found (environment, AWS_PROFILE and the shared config, SSO, instance role); set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY — or try Cordon without AWS: `cordon sandbox` prints the exports to use",
    );
  }
  if (NETWORK_CODES.has(code)) {
    const endpoint = process.env["AWS_ENDPOINT_URL"];
    message = `cannot reach ${endpoint !== undefined && endpoint !== "" ? `the AWS endpoint ${endpoint} (AWS_ENDPOINT_URL)` : "AWS"}: ${message}`;
  }
  if (classifyCode(code, status) === "access-denied" && !/denied|not authorized/i.test(message)) {
    message = `access denied${message ? ` (${message})` : ""}`;
  }
  const action = PERMISSION_DENIED.has(code) ? iamActionOf(operation, service) : undefined;
  // Unless AWS's message names the refused action itself (e.g. s3:GetObject on a query's result,
  // which GetQueryResults reads with the caller's rights).
  if (action !== undefined && !message.includes(action) && !/not authorized to perform: \S/.test(message)) {
    message = `${message}: the credentials lack the permission ${action} on ${resource}`;
  }
  return new AwsError(operation, resource, code, message, status);
}
