// The sandbox's internal contract: one module per AWS service (src/services/<name>.ts)
// behind the same interface, so the core (server, router, IAM allow-lists, faults, counters,
// persistence) is written once. Service modules never format errors themselves from scratch:
// they throw ApiError and their `errorResponse` renders it in their protocol.
import type { IncomingHttpHeaders } from "node:http";

export type ServiceName = "ec2" | "elbv2" | "sts" | "s3" | "glue" | "wafv2" | "athena";
export type Protocol = "ec2" | "query" | "rest-xml" | "json";

export interface SandboxRequest {
  readonly method: string;
  /** Decoded path, e.g. "/my-bucket/some/key" (S3) or "/" (everything else). */
  readonly path: string;
  /** The path as received, still percent-encoded and without the query string (set by the server). */
  readonly rawPath?: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Form fields for ec2/query protocols (parsed from the url-encoded body), empty otherwise. */
  readonly form: URLSearchParams;
  /** Parsed JSON body for json protocol, {} otherwise. */
  readonly json: Record<string, unknown>;
  /** From the SigV4 Authorization header credential scope (or the X-Amz-Credential query param). */
  readonly accessKeyId: string;
  readonly region: string;
  /** The caller's account: from the access key, or the assumed role's account. */
  readonly account: string;
  /** The caller's ARN, for STS GetCallerIdentity. */
  readonly callerArn: string;
  readonly requestId: string;
}

export interface SandboxResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

/** An AWS error, protocol-agnostic. `code` is the wire code (e.g. "InvalidNetworkAclID.NotFound"). */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  /** Extra members for JSON errors (e.g. WAF's Field/Parameter/Reason) or S3 (BucketName). */
  readonly extra: Readonly<Record<string, unknown>>;
  constructor(code: string, message: string, status = 400, extra: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.status = status;
    this.extra = extra;
  }
}

export interface SandboxConfig {
  /** NACL entries allowed per direction per ACL (AWS default 20). */
  naclEntryQuota: number;
  /** WAF List* calls return a NextMarker even on the last page (a real AWS quirk). */
  wafAlwaysNextMarker: boolean;
  /** A newly created web ACL is unavailable for association for this many ms (WAFUnavailableEntityException). */
  webAclAssociationDelayMs: number;
  /** Default page size for list calls without an explicit MaxResults / Limit. */
  defaultPageSize: number;
  /**
   * When CreateFlowLogs refuses a new flow log as FlowLogAlreadyExists. "strict": a resource
   * already has a flow log to the same log destination, whatever its other settings (the rule
   * other AWS emulators apply; AWS does not document which fields it compares). "per-config": a
   * flow log with the same configuration (every setting) and destination.
   */
  flowLogRule: FlowLogRule;
  /** Athena: a query stays RUNNING this many ms after it has scanned its data (polling tests). */
  athenaQueryDelayMs: number;
  /** Athena: queries stay RUNNING until StopQueryExecution (cancellation tests). */
  athenaQueriesHang: boolean;
}

export type FlowLogRule = "strict" | "per-config";
export const FLOW_LOG_RULES: readonly FlowLogRule[] = ["strict", "per-config"];

/**
 * What a service sees of the store. State slices are plain JSON values (persisted as they are),
 * keyed by service and by (account, region); some services (S3's bucket namespace) also use a
 * global slice.
 */
export interface ServiceContext {
  readonly config: SandboxConfig;
  /** The state slice of `service` for (account, region); created with the module's initialState() on first use. */
  state<S>(service: ServiceName, account: string, region: string): S;
  /** A global (cross-account, cross-region) slice, created with `init` on first use. */
  global<S>(key: string, init: () => S): S;
  /** Fresh id with AWS's shape: prefix + 17 hex digits (e.g. "vpc-0a1b2c..."), or a UUID for prefix "uuid". */
  newId(prefix: string): string;
  now(): Date;
  /** Marks the store dirty so it is persisted (when --state is set). */
  touch(): void;
  /** Fault-injection hooks a module queries itself (set by the server; absent in bare unit-test contexts). */
  readonly faults?: FaultHooks;
}

/** Faults that only a service module can apply, because they happen inside an operation. */
export interface FaultHooks {
  /**
   * True when a configured `lockConflict` fault fires for this wafv2 operation (e.g. "UpdateWebACL"):
   * the module then answers WAFOptimisticLockException as for a stale lock token. Each call counts
   * as one matching call for `nth`/`times`.
   */
  shouldForceLockConflict(operation: string): boolean;
}

export interface ServiceModule<S = unknown> {
  readonly name: ServiceName;
  readonly protocol: Protocol;
  /** Prefix of IAM actions, e.g. "ec2", "s3", "glue", "wafv2", "elasticloadbalancing", "sts". */
  readonly iamPrefix: string;
  /** The service's own throttling error (code + HTTP status), used by fault injection. */
  readonly throttle: { readonly code: string; readonly status: number };
  /** The operation name (for IAM, faults, counters); throws ApiError for an unknown operation. */
  operation(req: SandboxRequest): string;
  /** IAM action for an operation, when it is not `${iamPrefix}:${operation}` (S3's are not always). */
  iamAction?(operation: string, req: SandboxRequest): string;
  handle(operation: string, req: SandboxRequest, ctx: ServiceContext): SandboxResponse | Promise<SandboxResponse>;
  /** Renders an ApiError in the service's protocol (ec2: <Response><Errors>, query: <ErrorResponse>, S3: <Error>, JSON: __type). */
  errorResponse(error: ApiError, req: SandboxRequest): SandboxResponse;
  initialState(): S;
  /** Seeds this service's part of one region of the estate (see estate.ts). */
  seed?(estate: RegionEstate, account: string, region: string, ctx: ServiceContext): void;
}

/** One region of an estate file (YAML). Every list is optional. */
export interface RegionEstate {
  readonly vpcs?: readonly EstateVpc[];
  readonly loadBalancers?: readonly EstateLoadBalancer[];
  readonly buckets?: readonly EstateBucket[];
  readonly webAcls?: readonly EstateWebAcl[];
  readonly ipSets?: readonly EstateIpSet[];
}

export interface EstateVpc {
  readonly id?: string;
  readonly cidr: string;
  readonly ipv6Cidr?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly subnets?: readonly {
    readonly id?: string;
    readonly cidr: string;
    readonly ipv6Cidr?: string;
    readonly availabilityZone?: string;
    readonly tags?: Readonly<Record<string, string>>;
    /** Name (tag Name) or id of a custom ACL of this VPC; absent = the default ACL. */
    readonly networkAcl?: string;
  }[];
  /** Custom network ACLs; the default ACL is always created. */
  readonly networkAcls?: readonly {
    readonly id?: string;
    readonly tags?: Readonly<Record<string, string>>;
    readonly entries?: readonly EstateNaclEntry[];
  }[];
  /** Extra entries for the default ACL (on top of AWS's 100 allow / 32767 deny). */
  readonly defaultNetworkAclEntries?: readonly EstateNaclEntry[];
}

export interface EstateNaclEntry {
  readonly ruleNumber: number;
  readonly egress: boolean;
  readonly action: "allow" | "deny";
  readonly cidr: string;
  /** "-1" (all), "6", "17", ... Default "-1". */
  readonly protocol?: string;
  readonly portRange?: { readonly from: number; readonly to: number };
}

export interface EstateLoadBalancer {
  readonly name: string;
  /** VPC id (or index into vpcs as "vpc#0"). */
  readonly vpc?: string;
  readonly type?: "application" | "network";
  readonly scheme?: "internet-facing" | "internal";
  readonly tags?: Readonly<Record<string, string>>;
}

export interface EstateBucket {
  readonly name: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** A bucket policy document (object) already in place. */
  readonly policy?: Readonly<Record<string, unknown>>;
}

export interface EstateWebAcl {
  readonly name: string;
  readonly defaultAction?: "allow" | "block";
  /** WAFv2 Rule objects as in CreateWebACL (JSON shape). */
  readonly rules?: readonly Readonly<Record<string, unknown>>[];
  readonly tags?: Readonly<Record<string, string>>;
  /** Load balancer names this web ACL is associated with. */
  readonly loadBalancers?: readonly string[];
}

export interface EstateIpSet {
  readonly name: string;
  readonly ipAddressVersion: "IPV4" | "IPV6";
  readonly addresses: readonly string[];
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * An estate file:
 *   accounts:
 *     "111122223333":
 *       regions:
 *         eu-west-1: { vpcs: [...], loadBalancers: [...], buckets: [...], webAcls: [...] }
 *   accessKeys:                # optional; unknown keys act for defaultAccount (or the 12-digit key itself)
 *     AKIAREADONLY: { account: "111122223333", allow: ["ec2:Describe*", "s3:Get*"] }
 *     "arn:aws:iam::222233334444:role/cordon-plan":   # a role: its sessions' allow-list and trust
 *       account: "222233334444"
 *       trust: { principals: ["111122223333"], externalId: "cordon" }
 *   defaultAccount: "111122223333"
 */
export interface Estate {
  readonly defaultAccount?: string;
  readonly accessKeys?: Readonly<
    Record<
      string,
      {
        readonly account: string;
        readonly allow?: readonly string[];
        readonly trust?: { readonly principals: readonly string[]; readonly externalId?: string };
      }
    >
  >;
  readonly accounts?: Readonly<Record<string, { readonly regions?: Readonly<Record<string, RegionEstate>> }>>;
}
