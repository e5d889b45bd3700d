// S3 (REST-XML, path-style only). The bucket namespace is global: every bucket lives in the
// global slice "s3.buckets" with its owner account and region; the per-(account, region) slice
// is unused. Requests for a bucket in another region get 301 PermanentRedirect (except
// GetBucketLocation and CreateBucket); requests from another account get 403 AccessDenied
// (cross-account grants through bucket policies are not modelled).

import { createHash } from "node:crypto";
import { assertNever } from "../errors.js";
import {
  child,
  childrenNamed,
  childText,
  el,
  optEl,
  parseS3Body,
  s3ErrorResponse,
  s3Headers,
  s3Root,
  toXmlOut,
  type XmlElement,
  type XmlOut,
  xmlResponse,
} from "../protocols/restxml.js";
import {
  ApiError,
  type RegionEstate,
  type SandboxRequest,
  type SandboxResponse,
  type ServiceContext,
  type ServiceModule,
} from "../types.js";

export interface S3ObjectRecord {
  /** Base64 of the object's bytes. */
  readonly body: string;
  readonly etag: string;
  readonly size: number;
  readonly lastModified: number;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Base64 CRC32 when the writer sent one (verified). */
  readonly crc32?: string;
}

export interface PublicAccessBlock {
  readonly BlockPublicAcls: boolean;
  readonly IgnorePublicAcls: boolean;
  readonly BlockPublicPolicy: boolean;
  readonly RestrictPublicBuckets: boolean;
}

export interface EncryptionRule {
  readonly algorithm: string;
  readonly kmsKeyId?: string;
  readonly bucketKeyEnabled: boolean;
}

export interface BucketRecord {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly created: number;
  policy: string | null;
  tags: { Key: string; Value: string }[] | null;
  publicAccessBlock: PublicAccessBlock | null;
  /** null = the default (SSE-S3, AES256). */
  encryption: EncryptionRule | null;
  /** Lifecycle rules as sent (parsed XML), null when none. */
  lifecycle: XmlElement[] | null;
  ownership: string | null;
  objects: Record<string, S3ObjectRecord>;
}

export interface S3Global {
  buckets: Record<string, BucketRecord>;
}

const GLOBAL_KEY = "s3.buckets";
const MAX_BUCKETS_PER_ACCOUNT = 10_000;
const OWNERSHIP_VALUES = new Set(["BucketOwnerPreferred", "ObjectWriter", "BucketOwnerEnforced"]);
const SSE_ALGORITHMS = new Set(["AES256", "aws:kms", "aws:kms:dsse"]);
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function buckets(ctx: ServiceContext): S3Global {
  return ctx.global<S3Global>(GLOBAL_KEY, () => ({ buckets: {} }));
}

/** What other services may know of a bucket (EC2 flow logs check delivery with it); null when it does not exist. */
export function lookupBucket(
  ctx: ServiceContext,
  name: string,
): { account: string; region: string; policy: string | null } | null {
  const b = buckets(ctx).buckets[name];
  return b === undefined ? null : { account: b.account, region: b.region, policy: b.policy };
}

/**
 * Writes an object as a service would (log delivery): no request, no checks but the bucket's
 * existence. Returns false when the bucket does not exist.
 */
export function storeObject(
  ctx: ServiceContext,
  bucket: string,
  key: string,
  data: Buffer,
  contentType: string,
  lastModified: number,
): boolean {
  const b = buckets(ctx).buckets[bucket];
  if (b === undefined) return false;
  b.objects[key] = {
    body: data.toString("base64"),
    etag: md5(data),
    size: data.length,
    lastModified,
    contentType,
    metadata: {},
  };
  ctx.touch();
  return true;
}

type Op =
  | "ListBuckets"
  | "CreateBucket"
  | "DeleteBucket"
  | "HeadBucket"
  | "ListObjects"
  | "ListObjectsV2"
  | "GetBucketLocation"
  | "GetBucketPolicy"
  | "PutBucketPolicy"
  | "DeleteBucketPolicy"
  | "GetBucketTagging"
  | "PutBucketTagging"
  | "DeleteBucketTagging"
  | "GetPublicAccessBlock"
  | "PutPublicAccessBlock"
  | "DeletePublicAccessBlock"
  | "GetBucketEncryption"
  | "PutBucketEncryption"
  | "DeleteBucketEncryption"
  | "GetBucketLifecycleConfiguration"
  | "PutBucketLifecycleConfiguration"
  | "DeleteBucketLifecycle"
  | "GetBucketOwnershipControls"
  | "PutBucketOwnershipControls"
  | "DeleteBucketOwnershipControls"
  | "DeleteObjects"
  | "PutObject"
  | "GetObject"
  | "HeadObject"
  | "DeleteObject";

const IAM_ACTIONS: Readonly<Record<Op, string>> = {
  ListBuckets: "s3:ListAllMyBuckets",
  CreateBucket: "s3:CreateBucket",
  DeleteBucket: "s3:DeleteBucket",
  HeadBucket: "s3:ListBucket",
  ListObjects: "s3:ListBucket",
  ListObjectsV2: "s3:ListBucket",
  GetBucketLocation: "s3:GetBucketLocation",
  GetBucketPolicy: "s3:GetBucketPolicy",
  PutBucketPolicy: "s3:PutBucketPolicy",
  DeleteBucketPolicy: "s3:DeleteBucketPolicy",
  GetBucketTagging: "s3:GetBucketTagging",
  PutBucketTagging: "s3:PutBucketTagging",
  DeleteBucketTagging: "s3:PutBucketTagging",
  GetPublicAccessBlock: "s3:GetBucketPublicAccessBlock",
  PutPublicAccessBlock: "s3:PutBucketPublicAccessBlock",
  DeletePublicAccessBlock: "s3:PutBucketPublicAccessBlock",
  GetBucketEncryption: "s3:GetEncryptionConfiguration",
  PutBucketEncryption: "s3:PutEncryptionConfiguration",
  DeleteBucketEncryption: "s3:PutEncryptionConfiguration",
  GetBucketLifecycleConfiguration: "s3:GetLifecycleConfiguration",
  PutBucketLifecycleConfiguration: "s3:PutLifecycleConfiguration",
  DeleteBucketLifecycle: "s3:PutLifecycleConfiguration",
  GetBucketOwnershipControls: "s3:GetBucketOwnershipControls",
  PutBucketOwnershipControls: "s3:PutBucketOwnershipControls",
  DeleteBucketOwnershipControls: "s3:PutBucketOwnershipControls",
  DeleteObjects: "s3:DeleteObject",
  PutObject: "s3:PutObject",
  GetObject: "s3:GetObject",
  HeadObject: "s3:GetObject",
  DeleteObject: "s3:DeleteObject",
};

/** Bucket subresources: query key → operation per method. */
const SUBRESOURCES: Readonly<Record<string, Readonly<Record<string, Op>>>> = {
  location: { GET: "GetBucketLocation" },
  policy: { GET: "GetBucketPolicy", PUT: "PutBucketPolicy", DELETE: "DeleteBucketPolicy" },
  tagging: { GET: "GetBucketTagging", PUT: "PutBucketTagging", DELETE: "DeleteBucketTagging" },
  publicAccessBlock: { GET: "GetPublicAccessBlock", PUT: "PutPublicAccessBlock", DELETE: "DeletePublicAccessBlock" },
  encryption: { GET: "GetBucketEncryption", PUT: "PutBucketEncryption", DELETE: "DeleteBucketEncryption" },
  lifecycle: {
    GET: "GetBucketLifecycleConfiguration",
    PUT: "PutBucketLifecycleConfiguration",
    DELETE: "DeleteBucketLifecycle",
  },
  ownershipControls: {
    GET: "GetBucketOwnershipControls",
    PUT: "PutBucketOwnershipControls",
    DELETE: "DeleteBucketOwnershipControls",
  },
  delete: { POST: "DeleteObjects" },
};

/** Query keys that name subresources this sandbox does not model (answered 501 NotImplemented). */
const UNMODELLED = [
  "acl",
  "versioning",
  "cors",
  "website",
  "logging",
  "notification",
  "replication",
  "object-lock",
  "policyStatus",
  "analytics",
  "metrics",
  "inventory",
  "intelligent-tiering",
  "accelerate",
  "requestPayment",
  "uploads",
  "uploadId",
  "restore",
  "select",
  "attributes",
  "legal-hold",
  "retention",
  "torrent",
  "versions",
  "tagging",
];

function notImplemented(what: string): ApiError {
  return new ApiError(
    "NotImplemented",
    `A header you provided implies functionality that is not implemented (${what} is not modelled by the sandbox)`,
    501,
  );
}

/** Splits "/bucket/key/with/slashes" into bucket and key ("" for a bucket-level request). */
function splitPath(path: string): { bucket: string; key: string } {
  const trimmed = path.startsWith("/") ? path.slice(1) : path;
  const slash = trimmed.indexOf("/");
  return slash < 0 ? { bucket: trimmed, key: "" } : { bucket: trimmed.slice(0, slash), key: trimmed.slice(slash + 1) };
}

function resolveOperation(req: SandboxRequest): Op {
  const { bucket, key } = splitPath(req.path);
  const method = req.method.toUpperCase();
  if (bucket === "") {
    if (method === "GET") return "ListBuckets";
    throw new ApiError("MethodNotAllowed", "The specified method is not allowed against this resource.", 405);
  }
  if (key !== "") {
    if (req.headers["x-amz-copy-source"] !== undefined) throw notImplemented("CopyObject");
    for (const name of UNMODELLED) if (req.query.has(name)) throw notImplemented(`object ?${name}`);
    switch (method) {
      case "PUT":
        return "PutObject";
      case "GET":
        return "GetObject";
      case "HEAD":
        return "HeadObject";
      case "DELETE":
        return "DeleteObject";
      default:
        throw new ApiError("MethodNotAllowed", "The specified method is not allowed against this resource.", 405);
    }
  }
  for (const [sub, byMethod] of Object.entries(SUBRESOURCES)) {
    if (!req.query.has(sub)) continue;
    const op = byMethod[method];
    if (op === undefined) {
      throw new ApiError("MethodNotAllowed", "The specified method is not allowed against this resource.", 405);
    }
    return op;
  }
  for (const name of UNMODELLED) if (req.query.has(name)) throw notImplemented(`bucket ?${name}`);
  switch (method) {
    case "PUT":
      return "CreateBucket";
    case "DELETE":
      return "DeleteBucket";
    case "HEAD":
      return "HeadBucket";
    case "GET":
      return req.query.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects";
    default:
      throw new ApiError("MethodNotAllowed", "The specified method is not allowed against this resource.", 405);
  }
}

function header(req: SandboxRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function noSuchBucket(name: string): ApiError {
  return new ApiError("NoSuchBucket", "The specified bucket does not exist", 404, { BucketName: name });
}

/**
 * The bucket a request addresses, checked as S3 does: it exists (404 NoSuchBucket), it is in the
 * request's region (301 PermanentRedirect with x-amz-bucket-region) and it belongs to the caller's
 * account and to x-amz-expected-bucket-owner when sent (403 AccessDenied).
 */
function ownedBucket(req: SandboxRequest, ctx: ServiceContext, name: string, anyRegion = false): BucketRecord {
  const b = buckets(ctx).buckets[name];
  if (b === undefined) throw noSuchBucket(name);
  if (!anyRegion && b.region !== req.region) {
    throw new ApiError(
      "PermanentRedirect",
      "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
      301,
      { BucketName: name, Endpoint: `s3.${b.region}.amazonaws.com`, headers: { "x-amz-bucket-region": b.region } },
    );
  }
  const expectedOwner = header(req, "x-amz-expected-bucket-owner");
  if (b.account !== req.account || (expectedOwner !== undefined && expectedOwner !== b.account)) {
    throw new ApiError("AccessDenied", "Access Denied", 403, { headers: { "x-amz-bucket-region": b.region } });
  }
  return b;
}

const IPV4_LIKE = /^\d{1,3}(\.\d{1,3}){3}$/;

/** S3's general-purpose bucket naming rules; null when valid, else the reason. */
export function bucketNameProblem(name: string): string | null {
  if (name.length < 3 || name.length > 63) return "must be between 3 and 63 characters long";
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) {
    return "may contain only lower-case letters, numbers, dots and hyphens, and must begin and end with a letter or number";
  }
  if (name.includes("..")) return "must not contain two adjacent periods";
  if (IPV4_LIKE.test(name)) return "must not be formatted as an IP address";
  for (const prefix of ["xn--", "sthree-", "amzn-s3-demo-"])
    if (name.startsWith(prefix)) return `must not start with ${prefix}`;
  for (const suffix of ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]) {
    if (name.endsWith(suffix)) return `must not end with ${suffix}`;
  }
  return null;
}

const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

function invalidLocation(): ApiError {
  return new ApiError("InvalidLocationConstraint", "The specified location-constraint is not valid", 400);
}

/** The region a CreateBucket request creates its bucket in, by S3's location-constraint rules. */
function creationRegion(req: SandboxRequest): string {
  let constraint: string | undefined;
  if (req.body.length > 0 && req.body.toString("utf8").trim() !== "") {
    const doc = parseS3Body(req.body);
    if (doc.name !== "CreateBucketConfiguration") throw malformedXml();
    const text = childText(doc, "LocationConstraint");
    if (text !== undefined && text !== "") constraint = text;
  }
  const endpoint = req.region;
  if (constraint === undefined) {
    if (endpoint === "us-east-1") return "us-east-1";
    throw new ApiError(
      "IllegalLocationConstraintException",
      "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.",
      400,
    );
  }
  const region = constraint === "EU" ? "eu-west-1" : constraint;
  if (constraint === "us-east-1" || !REGION_NAME.test(region)) throw invalidLocation();
  if (endpoint !== "us-east-1" && region !== endpoint) {
    throw new ApiError(
      "IllegalLocationConstraintException",
      `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`,
      400,
    );
  }
  return region;
}

function newBucket(name: string, account: string, region: string, created: number, ownership: string): BucketRecord {
  return {
    name,
    account,
    region,
    created,
    policy: null,
    tags: null,
    publicAccessBlock: {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    },
    encryption: null,
    lifecycle: null,
    ownership,
    objects: {},
  };
}

function createBucket(req: SandboxRequest, ctx: ServiceContext, name: string): SandboxResponse {
  const problem = bucketNameProblem(name);
  if (problem !== null) {
    throw new ApiError("InvalidBucketName", `The specified bucket is not valid. (${problem})`, 400, {
      BucketName: name,
    });
  }
  const region = creationRegion(req);
  const ownership = header(req, "x-amz-object-ownership") ?? "BucketOwnerEnforced";
  if (!OWNERSHIP_VALUES.has(ownership)) {
    throw new ApiError("InvalidArgument", `Invalid x-amz-object-ownership header: ${ownership}`, 400, {
      ArgumentName: "x-amz-object-ownership",
      ArgumentValue: ownership,
    });
  }
  const acl = header(req, "x-amz-acl");
  if (acl !== undefined && acl !== "private" && ownership === "BucketOwnerEnforced") {
    throw new ApiError(
      "InvalidBucketAclWithObjectOwnership",
      "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
      400,
    );
  }
  if (header(req, "x-amz-bucket-object-lock-enabled") === "true") throw notImplemented("object lock");
  const all = buckets(ctx);
  const existing = all.buckets[name];
  if (existing !== undefined) {
    if (existing.account !== req.account) {
      throw new ApiError(
        "BucketAlreadyExists",
        "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
        409,
        { BucketName: name },
      );
    }
    // us-east-1 answers 200 to re-creating your own bucket there (legacy behaviour).
    if (!(existing.region === "us-east-1" && region === "us-east-1")) {
      throw new ApiError(
        "BucketAlreadyOwnedByYou",
        "Your previous request to create the named bucket succeeded and you already own it.",
        409,
        { BucketName: name },
      );
    }
  } else {
    let owned = 0;
    for (const b of Object.values(all.buckets)) if (b.account === req.account) owned++;
    if (owned >= MAX_BUCKETS_PER_ACCOUNT) {
      throw new ApiError("TooManyBuckets", "You have attempted to create more buckets than allowed", 400);
    }
    all.buckets[name] = newBucket(name, req.account, region, ctx.now().getTime(), ownership);
    ctx.touch();
  }
  return {
    status: 200,
    headers: {
      ...s3Headers(req),
      location: region === "us-east-1" ? `/${name}` : `http://${name}.s3.amazonaws.com/`,
      "x-amz-bucket-arn": `arn:aws:s3:::${name}`,
    },
  };
}

function empty(req: SandboxRequest, status = 204, extra: Record<string, string> = {}): SandboxResponse {
  return { status, headers: { ...s3Headers(req), ...extra } };
}

// ---------------------------------------------------------------- bucket policy

function malformedPolicy(message: string): ApiError {
  return new ApiError("MalformedPolicy", message, 400);
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

const AWS_PRINCIPAL =
  /^(\*|\d{12}|arn:aws[a-z-]*:(iam|sts)::\d{12}:(root|user\/.+|role\/.+|assumed-role\/.+|federated-user\/.+))$/;

function checkPrincipal(principal: unknown): void {
  if (principal === "*") return;
  if (typeof principal !== "object" || principal === null || Array.isArray(principal)) {
    throw malformedPolicy("Invalid principal in policy");
  }
  const entries = Object.entries(principal);
  if (entries.length === 0) throw malformedPolicy("Invalid principal in policy");
  for (const [kind, value] of entries) {
    const values = asList(value);
    if (values.length === 0 || values.some((v) => typeof v !== "string" || v === "")) {
      throw malformedPolicy("Invalid principal in policy");
    }
    if (kind === "AWS") {
      for (const v of values)
        if (!AWS_PRINCIPAL.test(v as string)) throw malformedPolicy("Invalid principal in policy");
    } else if (kind !== "Service" && kind !== "Federated" && kind !== "CanonicalUser") {
      throw malformedPolicy("Invalid principal in policy");
    }
  }
}

function isPublicPrincipal(principal: unknown): boolean {
  if (principal === "*") return true;
  if (typeof principal !== "object" || principal === null) return false;
  const aws = (principal as Record<string, unknown>)["AWS"];
  return aws !== undefined && asList(aws).includes("*");
}

/**
 * Validates a bucket policy as S3 does (MalformedPolicy with S3's messages) and tells whether it
 * is public (an Allow to "*" without any Condition), which BlockPublicPolicy refuses.
 */
export function checkBucketPolicy(text: string, bucket: string): { isPublic: boolean } {
  if (Buffer.byteLength(text, "utf8") > 20 * 1024) throw malformedPolicy("Policies must be less than 20 KB");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformedPolicy("Policies must be valid JSON and the first byte must be '{'");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw malformedPolicy("Policies must be valid JSON and the first byte must be '{'");
  }
  const policy = doc as Record<string, unknown>;
  for (const key of Object.keys(policy)) {
    if (key !== "Version" && key !== "Id" && key !== "Statement") throw malformedPolicy(`Unknown field ${key}`);
  }
  if (policy["Version"] !== undefined && policy["Version"] !== "2012-10-17" && policy["Version"] !== "2008-10-17") {
    throw malformedPolicy("Invalid policy version");
  }
  if (policy["Statement"] === undefined) throw malformedPolicy("Missing required field Statement");
  const statements = asList(policy["Statement"]);
  if (statements.length === 0) throw malformedPolicy("Could not parse the policy: Statement is empty!");
  const sids = new Set<string>();
  let isPublic = false;
  for (const s of statements) {
    if (typeof s !== "object" || s === null || Array.isArray(s)) throw malformedPolicy("Statement is not an object");
    const st = s as Record<string, unknown>;
    const sid = st["Sid"];
    if (sid !== undefined) {
      if (typeof sid !== "string") throw malformedPolicy("Invalid Sid");
      if (sids.has(sid)) throw malformedPolicy("Statement IDs (SID) in a single policy must be unique.");
      sids.add(sid);
    }
    if (st["Effect"] === undefined) throw malformedPolicy("Missing required field Effect");
    if (st["Effect"] !== "Allow" && st["Effect"] !== "Deny")
      throw malformedPolicy(`Invalid effect: ${String(st["Effect"])}`);
    const principal = st["Principal"] ?? st["NotPrincipal"];
    if (principal === undefined) throw malformedPolicy("Missing required field Principal");
    checkPrincipal(principal);
    const actions = st["Action"] ?? st["NotAction"];
    if (actions === undefined) throw malformedPolicy("Missing required field Action");
    for (const a of asList(actions)) {
      if (typeof a !== "string" || !(a === "*" || /^s3:[A-Za-z*?]+$/.test(a)))
        throw malformedPolicy("Policy has invalid action");
    }
    const resources = st["Resource"] ?? st["NotResource"];
    if (resources === undefined) throw malformedPolicy("Missing required field Resource");
    for (const r of asList(resources)) {
      if (typeof r !== "string" || !(r === `arn:aws:s3:::${bucket}` || r.startsWith(`arn:aws:s3:::${bucket}/`))) {
        throw malformedPolicy("Policy has invalid resource");
      }
    }
    const condition = st["Condition"];
    if (condition !== undefined && (typeof condition !== "object" || condition === null || Array.isArray(condition))) {
      throw malformedPolicy("Invalid Condition");
    }
    if (st["Effect"] === "Allow" && st["Principal"] !== undefined && isPublicPrincipal(st["Principal"]) && !condition) {
      isPublic = true;
    }
  }
  return { isPublic };
}

function putBucketPolicy(req: SandboxRequest, ctx: ServiceContext, b: BucketRecord): SandboxResponse {
  const text = req.body.toString("utf8");
  const { isPublic } = checkBucketPolicy(text, b.name);
  if (isPublic && b.publicAccessBlock?.BlockPublicPolicy) {
    throw new ApiError(
      "AccessDenied",
      `User: ${req.callerArn} is not authorized to perform: s3:PutBucketPolicy on resource: "arn:aws:s3:::${b.name}" because public policies are blocked by the BlockPublicPolicy block public access setting.`,
      403,
    );
  }
  b.policy = text;
  ctx.touch();
  return empty(req);
}

// ---------------------------------------------------------------- tagging

function invalidTag(message: string): ApiError {
  return new ApiError("InvalidTag", message, 400);
}

function malformedXml(): ApiError {
  return new ApiError(
    "MalformedXML",
    "The XML you provided was not well-formed or did not validate against our published schema",
    400,
  );
}

function putBucketTagging(req: SandboxRequest, ctx: ServiceContext, b: BucketRecord): SandboxResponse {
  const doc = parseS3Body(req.body);
  const tagSet = child(doc, "TagSet");
  if (doc.name !== "Tagging" || tagSet === undefined) throw malformedXml();
  const tags: { Key: string; Value: string }[] = [];
  const seen = new Set<string>();
  for (const t of childrenNamed(tagSet, "Tag")) {
    const key = child(t, "Key")?.text;
    const value = child(t, "Value")?.text;
    if (key === undefined || value === undefined) throw malformedXml();
    if (key.length === 0 || key.length > 128) throw invalidTag("The TagKey you have provided is too long, max 128");
    if (value.length > 256) throw invalidTag("The TagValue you have provided is too long, max 256");
    if (!TAG_CHARS.test(key)) throw invalidTag("The TagKey you have provided is invalid");
    if (!TAG_CHARS.test(value)) throw invalidTag("The TagValue you have provided is invalid");
    if (key.toLowerCase().startsWith("aws:")) throw invalidTag("Your TagKey cannot be prefixed with aws:");
    if (seen.has(key)) throw invalidTag("Cannot provide multiple Tags with the same key");
    seen.add(key);
    tags.push({ Key: key, Value: value });
  }
  if (tags.length > 50) throw invalidTag("Bucket tag count cannot be greater than 50");
  b.tags = tags.length === 0 ? null : tags;
  ctx.touch();
  return empty(req);
}

// ---------------------------------------------------------------- public access block, encryption, ownership

const PAB_FIELDS = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] as const;

function readBoolean(node: XmlElement, name: string): boolean {
  const text = childText(node, name);
  if (text === undefined) return false;
  if (text === "true") return true;
  if (text === "false") return false;
  throw malformedXml();
}

function putPublicAccessBlock(req: SandboxRequest, ctx: ServiceContext, b: BucketRecord): SandboxResponse {
  const doc = parseS3Body(req.body);
  if (doc.name !== "PublicAccessBlockConfiguration") throw malformedXml();
  b.publicAccessBlock = {
    BlockPublicAcls: readBoolean(doc, "BlockPublicAcls"),
    IgnorePublicAcls: readBoolean(doc, "IgnorePublicAcls"),
    BlockPublicPolicy: readBoolean(doc, "BlockPublicPolicy"),
    RestrictPublicBuckets: readBoolean(doc, "RestrictPublicBuckets"),
  };
  ctx.touch();
  return empty(req, 200);
}

function putBucketEncryption(req: SandboxRequest, ctx: ServiceContext, b: BucketRecord): SandboxResponse {
  const doc = parseS3Body(req.body);
  const rules = childrenNamed(doc, "Rule");
  if (doc.name !== "ServerSideEncryptionConfiguration" || rules.length !== 1) throw malformedXml();
  const rule = rules[0]!;
  const byDefault = child(rule, "ApplyServerSideEncryptionByDefault");
  const algorithm = byDefault === undefined ? undefined : childText(byDefault, "SSEAlgorithm");
  if (byDefault === undefined || algorithm === undefined) throw malformedXml();
  if (!SSE_ALGORITHMS.has(algorithm)) throw malformedXml();
  const kmsKeyId = childText(byDefault, "KMSMasterKeyID");
  if (kmsKeyId !== undefined && algorithm === "AES256") {
    throw new ApiError(
      "InvalidArgument",
      "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse",
      400,
    );
  }
  b.encryption = {
    algorithm,
    ...(kmsKeyId === undefined ? {} : { kmsKeyId }),
    bucketKeyEnabled: readBoolean(rule, "BucketKeyEnabled"),
  };
  ctx.touch();
  return empty(req, 200);
}

function encryptionXml(b: BucketRecord): XmlOut {
  const rule = b.encryption ?? { algorithm: "AES256", bucketKeyEnabled: false };
  return s3Root("ServerSideEncryptionConfiguration", [
    el("Rule", [
      el("ApplyServerSideEncryptionByDefault", [
        el("SSEAlgorithm", rule.algorithm),
        optEl("KMSMasterKeyID", rule.kmsKeyId),
      ]),
      el("BucketKeyEnabled", rule.bucketKeyEnabled),
    ]),
  ]);
}

function putOwnershipControls(req: SandboxRequest, ctx: ServiceContext, b: BucketRecord): SandboxResponse {
  const doc = parseS3Body(req.body);
  const rules = childrenNamed(doc, "Rule");
  const value = rules.length === 1 ? childText(rules[0]!, "ObjectOwnership") : undefined;
  if (doc.name !== "OwnershipControls" || value === undefined || !OWNERSHIP_VALUES.has(value)) throw malformedXml();
  b.ownership = value;
  ctx.touch();
  return empty(req, 200);
}

// ---------------------------------------------------------------- lifecycle

const LIFECYCLE_ACTIONS = [
  "Expiration",
  "Transition",
  "NoncurrentVersionExpiration",
  "NoncurrentVersionTransition",
  "AbortIncompleteMultipartUpload",
];

function invalidArgument(message: string): ApiError {
  return new ApiError("InvalidArgument", message, 400);
}

function positiveInt(text: string | undefined): boolean {
  return text !== undefined && /^\d+$/.test(text) && Number(text) > 0;
}

function putLifecycle(req: SandboxRequest, ctx: ServiceContext, b: BucketRecord): SandboxResponse {
  const doc = parseS3Body(req.body);
  if (doc.name !== "LifecycleConfiguration") throw malformedXml();
  const rules = childrenNamed(doc, "Rule");
  if (rules.length === 0 || rules.length > 1000) throw malformedXml();
  const ids = new Set<string>();
  for (const rule of rules) {
    const status = childText(rule, "Status");
    if (status !== "Enabled" && status !== "Disabled") throw malformedXml();
    const id = childText(rule, "ID");
    if (id !== undefined) {
      if (id.length > 255) throw invalidArgument("ID length should not exceed allowed limit of 255");
      if (ids.has(id)) throw invalidArgument("Rule ID must be unique. Found same ID for more than one rule");
      ids.add(id);
    }
    if (child(rule, "Filter") !== undefined && child(rule, "Prefix") !== undefined) throw malformedXml();
    if (!rule.children.some((c) => LIFECYCLE_ACTIONS.includes(c.name))) {
      throw invalidArgument("At least one action needs to be specified in a rule");
    }
    const expiration = child(rule, "Expiration");
    if (expiration !== undefined) {
      const days = childText(expiration, "Days");
      if (days !== undefined && !positiveInt(days)) {
        throw invalidArgument("'Days' for Expiration action must be a positive integer");
      }
    }
  }
  b.lifecycle = rules;
  ctx.touch();
  return empty(req, 200, { "x-amz-transition-default-minimum-object-size": "all_storage_classes_128K" });
}

// ---------------------------------------------------------------- objects

function md5(data: Buffer): string {
  return createHash("md5").update(data).digest("hex");
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC32 (IEEE) as S3's x-amz-checksum-crc32 carries it: base64 of the big-endian 4 bytes. */
export function crc32Base64(data: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString("base64");
}

function incompleteBody(): ApiError {
  return new ApiError("IncompleteBody", "The request body terminated unexpectedly", 400);
}

/**
 * Decodes an `aws-chunked` body (`<hex-size>[;chunk-signature=…]\r\n<data>\r\n` … `0…\r\n`
 * then optional trailer lines): returns the payload and the trailers (e.g. x-amz-checksum-crc32).
 */
export function decodeAwsChunked(body: Buffer): { data: Buffer; trailers: Record<string, string> } {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = body.indexOf("\r\n", pos);
    if (eol < 0) throw incompleteBody();
    const line = body.subarray(pos, eol).toString("latin1");
    const size = Number.parseInt(line.split(";")[0]!.trim(), 16);
    if (!Number.isInteger(size) || size < 0) throw incompleteBody();
    pos = eol + 2;
    if (size === 0) break;
    if (pos + size + 2 > body.length) throw incompleteBody();
    parts.push(body.subarray(pos, pos + size));
    pos += size;
    if (body.subarray(pos, pos + 2).toString("latin1") !== "\r\n") throw incompleteBody();
    pos += 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of body.subarray(pos).toString("latin1").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(parts), trailers };
}

function isAwsChunked(req: SandboxRequest): boolean {
  const encoding = header(req, "content-encoding") ?? "";
  const sha = header(req, "x-amz-content-sha256") ?? "";
  return encoding.split(",").some((e) => e.trim() === "aws-chunked") || sha.startsWith("STREAMING-");
}

function preconditionFailed(condition: string): ApiError {
  return new ApiError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412, {
    Condition: condition,
  });
}

function noSuchKey(key: string): ApiError {
  return new ApiError("NoSuchKey", "The specified key does not exist.", 404, { Key: key });
}

function stripQuotes(etag: string): string {
  return etag.trim().replace(/^W\//, "").replace(/^"|"$/g, "");
}

function etagMatches(headerValue: string, etag: string): boolean {
  return headerValue.split(",").some((v) => v.trim() === "*" || stripQuotes(v) === etag);
}

function putObject(req: SandboxRequest, ctx: ServiceContext, b: BucketRecord, key: string): SandboxResponse {
  if (Buffer.byteLength(key, "utf8") > 1024) {
    throw new ApiError("KeyTooLongError", "Your key is too long", 400, { Key: key });
  }
  let data = req.body;
  let trailers: Record<string, string> = {};
  if (isAwsChunked(req)) {
    ({ data, trailers } = decodeAwsChunked(req.body));
    const declared = header(req, "x-amz-decoded-content-length");
    if (declared !== undefined && Number(declared) !== data.length) throw incompleteBody();
  }
  const contentMd5 = header(req, "content-md5");
  if (contentMd5 !== undefined) {
    const given = Buffer.from(contentMd5, "base64");
    if (given.length !== 16) throw new ApiError("InvalidDigest", "The Content-MD5 you specified was invalid.", 400);
    if (given.toString("hex") !== md5(data)) {
      throw new ApiError("BadDigest", "The Content-MD5 you specified did not match what we received.", 400);
    }
  }
  const crc = header(req, "x-amz-checksum-crc32") ?? trailers["x-amz-checksum-crc32"];
  if (crc !== undefined && crc !== crc32Base64(data)) {
    throw new ApiError("BadDigest", "The CRC32 you specified did not match the calculated checksum.", 400);
  }
  const existing = b.objects[key];
  const ifNoneMatch = header(req, "if-none-match");
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== "*") {
      throw new ApiError("NotImplemented", "A header you provided implies functionality that is not implemented", 501, {
        Header: "If-None-Match",
      });
    }
    if (existing !== undefined) throw preconditionFailed("If-None-Match");
  }
  const ifMatch = header(req, "if-match");
  if (ifMatch !== undefined) {
    if (existing === undefined) throw noSuchKey(key);
    if (!etagMatches(ifMatch, existing.etag)) throw preconditionFailed("If-Match");
  }
  const acl = header(req, "x-amz-acl");
  if (
    acl !== undefined &&
    b.ownership === "BucketOwnerEnforced" &&
    acl !== "bucket-owner-full-control" &&
    acl !== "private"
  ) {
    throw new ApiError("AccessControlListNotSupported", "The bucket does not allow ACLs", 400);
  }
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith("x-amz-meta-") && value !== undefined) {
      metadata[name.slice(11)] = Array.isArray(value) ? value.join(",") : value;
    }
  }
  const etag = md5(data);
  b.objects[key] = {
    body: data.toString("base64"),
    etag,
    size: data.length,
    lastModified: ctx.now().getTime(),
    contentType: header(req, "content-type") ?? "binary/octet-stream",
    metadata,
    ...(crc === undefined ? {} : { crc32: crc }),
  };
  ctx.touch();
  return empty(req, 200, {
    etag: `"${etag}"`,
    "x-amz-server-side-encryption": b.encryption?.algorithm ?? "AES256",
    ...(crc === undefined ? {} : { "x-amz-checksum-crc32": crc }),
  });
}

function objectHeaders(b: BucketRecord, o: S3ObjectRecord): Record<string, string> {
  const headers: Record<string, string> = {
    etag: `"${o.etag}"`,
    "last-modified": new Date(o.lastModified).toUTCString(),
    "content-type": o.contentType,
    "accept-ranges": "bytes",
    "x-amz-server-side-encryption": b.encryption?.algorithm ?? "AES256",
  };
  for (const [k, v] of Object.entries(o.metadata)) headers[`x-amz-meta-${k}`] = v;
  return headers;
}

/** Evaluates GET/HEAD conditional headers: a 304 response, or throws 412, or null to continue. */
function readConditions(req: SandboxRequest, o: S3ObjectRecord, base: Record<string, string>): SandboxResponse | null {
  const ifMatch = header(req, "if-match");
  if (ifMatch !== undefined && !etagMatches(ifMatch, o.etag)) throw preconditionFailed("If-Match");
  const ifUnmodified = header(req, "if-unmodified-since");
  if (ifMatch === undefined && ifUnmodified !== undefined) {
    const t = Date.parse(ifUnmodified);
    if (!Number.isNaN(t) && Math.floor(o.lastModified / 1000) > Math.floor(t / 1000)) {
      throw preconditionFailed("If-Unmodified-Since");
    }
  }
  const ifNoneMatch = header(req, "if-none-match");
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, o.etag)) {
    return { status: 304, headers: { ...base, etag: `"${o.etag}"` } };
  }
  const ifModified = header(req, "if-modified-since");
  if (ifNoneMatch === undefined && ifModified !== undefined) {
    const t = Date.parse(ifModified);
    if (!Number.isNaN(t) && Math.floor(o.lastModified / 1000) <= Math.floor(t / 1000)) {
      return { status: 304, headers: { ...base, etag: `"${o.etag}"` } };
    }
  }
  return null;
}

/** Parses a single `bytes=` range against `size`; null when absent; throws 416 InvalidRange when unsatisfiable. */
function parseRange(value: string | undefined, size: number): { start: number; end: number } | null {
  if (value === undefined) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null;
  let start: number;
  let end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || end < start) {
    throw new ApiError("InvalidRange", "The requested range is not satisfiable", 416, {
      ActualObjectSize: String(size),
      RangeRequested: value,
    });
  }
  return { start, end };
}

function getObject(req: SandboxRequest, b: BucketRecord, key: string, head: boolean): SandboxResponse {
  const o = b.objects[key];
  if (o === undefined) throw noSuchKey(key);
  const base = s3Headers(req);
  const notModified = readConditions(req, o, base);
  if (notModified !== null) return notModified;
  const headers: Record<string, string> = { ...base, ...objectHeaders(b, o) };
  const data = Buffer.from(o.body, "base64");
  const range = parseRange(header(req, "range"), o.size);
  if (range !== null) {
    headers["content-range"] = `bytes ${range.start}-${range.end}/${o.size}`;
    headers["content-length"] = String(range.end - range.start + 1);
    return { status: 206, headers, ...(head ? {} : { body: data.subarray(range.start, range.end + 1) }) };
  }
  headers["content-length"] = String(o.size);
  if (o.crc32 !== undefined && header(req, "x-amz-checksum-mode") === "ENABLED") {
    headers["x-amz-checksum-crc32"] = o.crc32;
    headers["x-amz-checksum-type"] = "FULL_OBJECT";
  }
  return head ? { status: 200, headers } : { status: 200, headers, body: data };
}

function deleteObject(req: SandboxRequest, ctx: ServiceContext, b: BucketRecord, key: string): SandboxResponse {
  const existing = b.objects[key];
  const ifMatch = header(req, "if-match");
  if (ifMatch !== undefined) {
    if (existing === undefined) throw noSuchKey(key);
    if (!etagMatches(ifMatch, existing.etag)) throw preconditionFailed("If-Match");
  }
  if (existing !== undefined) {
    delete b.objects[key];
    ctx.touch();
  }
  return empty(req);
}

function deleteObjects(req: SandboxRequest, ctx: ServiceContext, b: BucketRecord): SandboxResponse {
  const doc = parseS3Body(req.body);
  if (doc.name !== "Delete") throw malformedXml();
  const objects = childrenNamed(doc, "Object");
  if (objects.length === 0 || objects.length > 1000) throw malformedXml();
  const quiet = childText(doc, "Quiet") === "true";
  const deleted: XmlOut[] = [];
  for (const o of objects) {
    const key = child(o, "Key")?.text;
    if (key === undefined) throw malformedXml();
    if (b.objects[key] !== undefined) {
      delete b.objects[key];
      ctx.touch();
    }
    if (!quiet) deleted.push(el("Deleted", [el("Key", key)]));
  }
  return xmlResponse(req, s3Root("DeleteResult", deleted));
}

// ---------------------------------------------------------------- listing

interface ListPage {
  readonly keys: readonly string[];
  readonly prefixes: readonly string[];
  readonly truncated: boolean;
  /** Resume position when truncated: the last key, or the last common prefix (prefix "p:"). */
  readonly next?: string;
}

/**
 * One page of a listing in key order: keys after `after` (a key, or "p:<common prefix>" meaning
 * everything under that prefix was already returned), grouped by `delimiter`, at most `max` entries.
 */
function listPage(
  b: BucketRecord,
  prefix: string,
  delimiter: string,
  max: number,
  after: string | undefined,
): ListPage {
  const all = Object.keys(b.objects)
    .filter((k) => k.startsWith(prefix))
    .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const keys: string[] = [];
  const prefixes: string[] = [];
  let skipPrefix: string | undefined;
  let afterKey: string | undefined;
  if (after?.startsWith("p:")) skipPrefix = after.slice(2);
  else if (after?.startsWith("k:")) afterKey = after.slice(2);
  let last: string | undefined;
  for (const k of all) {
    if (afterKey !== undefined && k <= afterKey) continue;
    if (skipPrefix !== undefined && (k <= skipPrefix || k.startsWith(skipPrefix))) continue;
    let common: string | undefined;
    if (delimiter !== "") {
      const i = k.indexOf(delimiter, prefix.length);
      if (i >= 0) common = k.slice(0, i + delimiter.length);
    }
    if (common !== undefined && prefixes[prefixes.length - 1] === common) continue;
    if (keys.length + prefixes.length >= max)
      return { keys, prefixes, truncated: true, ...(last ? { next: last } : {}) };
    if (common !== undefined) {
      prefixes.push(common);
      last = `p:${common}`;
    } else {
      keys.push(k);
      last = `k:${k}`;
    }
  }
  return { keys, prefixes, truncated: false };
}

function maxKeys(req: SandboxRequest): number {
  const raw = req.query.get("max-keys");
  if (raw === null || raw === "") return 1000;
  if (!/^\d+$/.test(raw)) {
    throw new ApiError("InvalidArgument", "Provided max-keys not an integer or within integer range", 400, {
      ArgumentName: "max-keys",
      ArgumentValue: raw,
    });
  }
  return Math.min(Number(raw), 1000);
}

function encodeKey(req: SandboxRequest, key: string): string {
  return req.query.get("encoding-type") === "url" ? encodeURIComponent(key).replace(/%2F/g, "/") : key;
}

function contentsXml(req: SandboxRequest, b: BucketRecord, keys: readonly string[]): XmlOut[] {
  return keys.map((k) => {
    const o = b.objects[k]!;
    return el("Contents", [
      el("Key", encodeKey(req, k)),
      el("LastModified", new Date(o.lastModified).toISOString()),
      el("ETag", `"${o.etag}"`),
      el("Size", o.size),
      el("StorageClass", "STANDARD"),
    ]);
  });
}

function listObjectsV2(req: SandboxRequest, b: BucketRecord): SandboxResponse {
  const prefix = req.query.get("prefix") ?? "";
  const delimiter = req.query.get("delimiter") ?? "";
  const max = maxKeys(req);
  const token = req.query.get("continuation-token");
  const startAfter = req.query.get("start-after");
  let after: string | undefined;
  if (token !== null) {
    const decoded = Buffer.from(token, "base64url").toString("utf8");
    if (!/^[kp]:/.test(decoded) || token === "") {
      throw new ApiError("InvalidArgument", "The continuation token provided is incorrect", 400, {
        ArgumentName: "continuation-token",
      });
    }
    after = decoded;
  } else if (startAfter !== null && startAfter !== "") {
    after = `k:${startAfter}`;
  }
  const page = listPage(b, prefix, delimiter, max, after);
  const root = s3Root("ListBucketResult", [
    el("Name", b.name),
    el("Prefix", encodeKey(req, prefix)),
    delimiter === "" ? undefined : el("Delimiter", encodeKey(req, delimiter)),
    el("MaxKeys", max),
    el("KeyCount", page.keys.length + page.prefixes.length),
    el("IsTruncated", page.truncated),
    req.query.get("encoding-type") === "url" ? el("EncodingType", "url") : undefined,
    token === null ? undefined : el("ContinuationToken", token),
    page.next === undefined ? undefined : el("NextContinuationToken", Buffer.from(page.next).toString("base64url")),
    startAfter === null ? undefined : el("StartAfter", encodeKey(req, startAfter)),
    ...contentsXml(req, b, page.keys),
    ...page.prefixes.map((p) => el("CommonPrefixes", [el("Prefix", encodeKey(req, p))])),
  ]);
  return xmlResponse(req, root);
}

function listObjectsV1(req: SandboxRequest, b: BucketRecord): SandboxResponse {
  const prefix = req.query.get("prefix") ?? "";
  const delimiter = req.query.get("delimiter") ?? "";
  const max = maxKeys(req);
  const marker = req.query.get("marker") ?? "";
  const page = listPage(b, prefix, delimiter, max, marker === "" ? undefined : `k:${marker}`);
  const nextMarker = page.truncated && delimiter !== "" && page.next !== undefined ? page.next.slice(2) : undefined;
  const root = s3Root("ListBucketResult", [
    el("Name", b.name),
    el("Prefix", encodeKey(req, prefix)),
    el("Marker", encodeKey(req, marker)),
    optEl("NextMarker", nextMarker === undefined ? undefined : encodeKey(req, nextMarker)),
    delimiter === "" ? undefined : el("Delimiter", encodeKey(req, delimiter)),
    el("MaxKeys", max),
    el("IsTruncated", page.truncated),
    ...contentsXml(req, b, page.keys),
    ...page.prefixes.map((p) => el("CommonPrefixes", [el("Prefix", encodeKey(req, p))])),
  ]);
  return xmlResponse(req, root);
}

function canonicalUserId(account: string): string {
  return createHash("sha256").update(`sandbox-canonical-user:${account}`).digest("hex");
}

function listBuckets(req: SandboxRequest, ctx: ServiceContext): SandboxResponse {
  const mine = Object.values(buckets(ctx).buckets)
    .filter((b) => b.account === req.account)
    .sort((x, y) => (x.name < y.name ? -1 : 1));
  const root = s3Root("ListAllMyBucketsResult", [
    el("Owner", [el("ID", canonicalUserId(req.account))]),
    el(
      "Buckets",
      mine.map((b) =>
        el("Bucket", [
          el("Name", b.name),
          el("CreationDate", new Date(b.created).toISOString()),
          el("BucketRegion", b.region),
        ]),
      ),
    ),
  ]);
  return xmlResponse(req, root);
}

// ---------------------------------------------------------------- dispatch

function handle(op: Op, req: SandboxRequest, ctx: ServiceContext): SandboxResponse {
  const { bucket: name, key } = splitPath(req.path);
  switch (op) {
    case "ListBuckets":
      return listBuckets(req, ctx);
    case "CreateBucket":
      return createBucket(req, ctx, name);
    case "GetBucketLocation": {
      const b = ownedBucket(req, ctx, name, true);
      const constraint = b.region === "us-east-1" ? "" : b.region;
      return xmlResponse(req, s3Root("LocationConstraint", constraint));
    }
    default:
      break;
  }
  const b = ownedBucket(req, ctx, name);
  switch (op) {
    case "HeadBucket":
      return empty(req, 200, { "x-amz-bucket-region": b.region, "x-amz-access-point-alias": "false" });
    case "DeleteBucket":
      if (Object.keys(b.objects).length > 0) {
        throw new ApiError("BucketNotEmpty", "The bucket you tried to delete is not empty", 409, { BucketName: name });
      }
      delete buckets(ctx).buckets[name];
      ctx.touch();
      return empty(req);
    case "ListObjectsV2":
      return listObjectsV2(req, b);
    case "ListObjects":
      return listObjectsV1(req, b);
    case "GetBucketPolicy":
      if (b.policy === null) {
        throw new ApiError("NoSuchBucketPolicy", "The bucket policy does not exist", 404, { BucketName: name });
      }
      return { status: 200, headers: { ...s3Headers(req), "content-type": "application/json" }, body: b.policy };
    case "PutBucketPolicy":
      return putBucketPolicy(req, ctx, b);
    case "DeleteBucketPolicy":
      b.policy = null;
      ctx.touch();
      return empty(req);
    case "GetBucketTagging":
      if (b.tags === null) throw new ApiError("NoSuchTagSet", "The TagSet does not exist", 404, { BucketName: name });
      return xmlResponse(
        req,
        s3Root("Tagging", [
          el(
            "TagSet",
            b.tags.map((t) => el("Tag", [el("Key", t.Key), el("Value", t.Value)])),
          ),
        ]),
      );
    case "PutBucketTagging":
      return putBucketTagging(req, ctx, b);
    case "DeleteBucketTagging":
      b.tags = null;
      ctx.touch();
      return empty(req);
    case "GetPublicAccessBlock": {
      const pab = b.publicAccessBlock;
      if (pab === null) {
        throw new ApiError(
          "NoSuchPublicAccessBlockConfiguration",
          "The public access block configuration was not found",
          404,
          { BucketName: name },
        );
      }
      return xmlResponse(
        req,
        s3Root(
          "PublicAccessBlockConfiguration",
          PAB_FIELDS.map((f) => el(f, pab[f])),
        ),
      );
    }
    case "PutPublicAccessBlock":
      return putPublicAccessBlock(req, ctx, b);
    case "DeletePublicAccessBlock":
      b.publicAccessBlock = null;
      ctx.touch();
      return empty(req);
    case "GetBucketEncryption":
      return xmlResponse(req, encryptionXml(b));
    case "PutBucketEncryption":
      return putBucketEncryption(req, ctx, b);
    case "DeleteBucketEncryption":
      b.encryption = null;
      ctx.touch();
      return empty(req);
    case "GetBucketLifecycleConfiguration":
      if (b.lifecycle === null) {
        throw new ApiError("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", 404, {
          BucketName: name,
        });
      }
      return {
        ...xmlResponse(req, s3Root("LifecycleConfiguration", b.lifecycle.map(toXmlOut))),
        headers: {
          "content-type": "application/xml",
          ...s3Headers(req),
          "x-amz-transition-default-minimum-object-size": "all_storage_classes_128K",
        },
      };
    case "PutBucketLifecycleConfiguration":
      return putLifecycle(req, ctx, b);
    case "DeleteBucketLifecycle":
      b.lifecycle = null;
      ctx.touch();
      return empty(req);
    case "GetBucketOwnershipControls":
      if (b.ownership === null) {
        throw new ApiError("OwnershipControlsNotFoundError", "The bucket ownership controls were not found", 404, {
          BucketName: name,
        });
      }
      return xmlResponse(req, s3Root("OwnershipControls", [el("Rule", [el("ObjectOwnership", b.ownership)])]));
    case "PutBucketOwnershipControls":
      return putOwnershipControls(req, ctx, b);
    case "DeleteBucketOwnershipControls":
      b.ownership = null;
      ctx.touch();
      return empty(req);
    case "DeleteObjects":
      return deleteObjects(req, ctx, b);
    case "PutObject":
      return putObject(req, ctx, b, key);
    case "GetObject":
      return getObject(req, b, key, false);
    case "HeadObject":
      return getObject(req, b, key, true);
    case "DeleteObject":
      return deleteObject(req, ctx, b, key);
    default:
      return assertNever(op, "operation");
  }
}

function seed(estate: RegionEstate, account: string, region: string, ctx: ServiceContext): void {
  const all = buckets(ctx);
  for (const eb of estate.buckets ?? []) {
    const problem = bucketNameProblem(eb.name);
    if (problem !== null) throw new Error(`estate bucket "${eb.name}": invalid bucket name (${problem})`);
    const existing = all.buckets[eb.name];
    if (existing !== undefined) {
      throw new Error(
        `estate bucket "${eb.name}" is declared twice (account ${existing.account} ${existing.region} and account ${account} ${region})`,
      );
    }
    const b = newBucket(eb.name, account, region, ctx.now().getTime(), "BucketOwnerEnforced");
    const tags = Object.entries(eb.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    b.tags = tags.length === 0 ? null : tags;
    if (eb.policy !== undefined) {
      const text = JSON.stringify(eb.policy);
      try {
        checkBucketPolicy(text, eb.name);
      } catch (e) {
        throw new Error(`estate bucket "${eb.name}": ${e instanceof Error ? e.message : String(e)}`);
      }
      b.policy = text;
    }
    all.buckets[eb.name] = b;
  }
  ctx.touch();
}

export const s3: ServiceModule<Record<string, never>> = {
  name: "s3",
  protocol: "rest-xml",
  iamPrefix: "s3",
  throttle: { code: "SlowDown", status: 503 },
  operation: resolveOperation,
  iamAction: (operation) => IAM_ACTIONS[operation as Op] ?? `s3:${operation}`,
  handle: (operation, req, ctx) => handle(operation as Op, req, ctx),
  errorResponse: s3ErrorResponse,
  initialState: () => ({}),
  seed,
};
