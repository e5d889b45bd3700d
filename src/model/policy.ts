// The policy language, as TypeScript types. One YAML document = one Policy = one target
// (account + region). schemas/policy.schema.json is the authoritative description of the
// same shape (with a description on every field); keep the two in step.
//
// Example (see examples/cats-eyes/policies/ for a complete one):
//
//   apiVersion: cordon.dev/v1
//   kind: Policy
//   metadata: { name: cats-eyes-production }
//   target: { account: "111122223333", region: eu-west-1 }
//   flowLogs: { bucket: { name: cats-eyes-flow-logs, create: true }, vpcs: { tags: { env: production } } }
//   athena: { database: network_logs, table: vpc_flow_logs, projectionStartDate: 2026-01-01 }
//   blockedAddresses: { networkAcls: { vpcs: { tags: { env: production } }, direction: outbound }, entries: [...] }
//   webAcl: { name: cats-eyes-edge, loadBalancers: { names: [cats-eyes-alb] } }
//   blockedCountries: { countries: [{ code: TV, reason: broadcast rights }] }

export const API_VERSION = "cordon.dev/v1";

/** enforce: converge; observe: report only, never change; no-delete: create and update, never delete. */
export type ManagementMode = "enforce" | "observe" | "no-delete";

export type TrafficType = "ALL" | "ACCEPT" | "REJECT";
export type FileFormat = "plain-text" | "parquet";
export type Direction = "inbound" | "outbound" | "both";

export interface Target {
  /** 12-digit AWS account id, as a string. */
  readonly account: string;
  readonly region: string;
  /** IAM role to assume for this target; absent = use the ambient credentials. */
  readonly roleArn?: string;
  /** Optional external id for the role assumption. */
  readonly externalId?: string;
}

/** Selects VPCs. Exactly one of ids / tags / all. */
export interface VpcSelector {
  readonly ids?: readonly string[];
  /** Every key must match (AND); a value of "*" matches any value. */
  readonly tags?: Readonly<Record<string, string>>;
  readonly all?: true;
}

/** Selects subnets (optionally narrows a VPC selection). ids or tags. */
export interface SubnetSelector {
  readonly ids?: readonly string[];
  readonly tags?: Readonly<Record<string, string>>;
}

export interface BucketSpec {
  readonly name: string;
  /** true: Cordon creates and configures the bucket; false: it already exists and Cordon only adds its policy statements. */
  readonly create?: boolean;
  /** Key prefix ("subfolder") for the logs, without leading or trailing slash. */
  readonly prefix?: string;
  /** Expire log objects after this many days (lifecycle rule). Only when create is true. */
  readonly retentionDays?: number;
  /** Take over a bucket of that name that exists and is not Cordon's (and its Cordon-prefixed bucket-policy statements). Only with create: true. */
  readonly adopt?: boolean;
  /** Turn on and hold all four S3 Block Public Access settings of the bucket. Only with create: false. */
  readonly blockPublicAccess?: boolean;
}

export interface FlowLogsSection {
  readonly mode?: ManagementMode;
  readonly bucket: BucketSpec;
  readonly vpcs: VpcSelector;
  /** When given, flow logs are attached to these subnets instead of the VPCs. */
  readonly subnets?: SubnetSelector;
  readonly trafficType?: TrafficType;
  /** "default" (AWS's version-2 format) or a list of field names. */
  readonly fields?: "default" | readonly string[];
  readonly fileFormat?: FileFormat;
  readonly hiveCompatiblePartitions?: boolean;
  readonly perHourPartitions?: boolean;
  /** Seconds: 60 or 600. */
  readonly maxAggregationInterval?: 60 | 600;
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Take over a flow log Cordon does not own that is already on a selected resource and writes to
   * the declared destination: tagged as Cordon's when it meets the policy, replaced when it does
   * not. Default false: one that meets the policy is left alone (it counts as coverage), one that
   * does not is a plan error.
   */
  readonly adopt?: boolean;
}

export interface AthenaSection {
  readonly mode?: ManagementMode;
  readonly database: string;
  readonly table: string;
  /** ISO date (YYYY-MM-DD): first day of the partition projection range; the end is always NOW. */
  readonly projectionStartDate: string;
  /** Take over a Glue database and table of these names that exist and are not Cordon's. */
  readonly adopt?: boolean;
}

export interface AddressEntry {
  /** An IPv4 or IPv6 address or CIDR. A bare address means a single host (/32 or /128). */
  readonly cidr: string;
  readonly reason: string;
  readonly ticket?: string;
  /** ISO date (YYYY-MM-DD); the entry is removed from enforcement after that day. */
  readonly expires?: string;
}

export interface RuleNumberBand {
  readonly first: number;
  readonly last: number;
}

export interface NetworkAclEnforcement {
  readonly vpcs: VpcSelector;
  /** Narrows to the ACLs associated with these subnets. */
  readonly subnets?: SubnetSelector;
  readonly direction?: Direction;
  /** The rule numbers Cordon owns in every targeted ACL. Default 1–99. */
  readonly ruleNumbers?: RuleNumberBand;
  /** Entries per direction the account allows (AWS default 20, raisable to 40). */
  readonly entryQuota?: number;
  /** Take over the band in ACLs where it holds entries Cordon did not write: they are replaced or removed. */
  readonly adopt?: boolean;
}

export interface BlockedAddressesSection {
  readonly mode?: ManagementMode;
  /** Enforce as deny entries in network ACLs. */
  readonly networkAcls?: NetworkAclEnforcement;
  /** Enforce as IP sets referenced by block rules in the policy's web ACL (see `webAcl`). */
  readonly webAcl?: boolean;
  readonly entries: readonly AddressEntry[];
}

export interface CountryEntry {
  /** ISO 3166-1 alpha-2 code, as WAF accepts it (GB, not UK). */
  readonly code: string;
  readonly reason: string;
  readonly ticket?: string;
  readonly expires?: string;
}

export interface BlockedCountriesSection {
  readonly mode?: ManagementMode;
  readonly countries: readonly CountryEntry[];
}

export interface LoadBalancerSelector {
  readonly arns?: readonly string[];
  readonly names?: readonly string[];
  readonly tags?: Readonly<Record<string, string>>;
}

export interface WebAclSection {
  readonly mode?: ManagementMode;
  readonly name: string;
  /** owned: Cordon creates and owns the whole web ACL. shared: it exists; Cordon manages only rules named with rulePrefix. */
  readonly ownership?: "owned" | "shared";
  /** Prefix of the rule names Cordon owns inside a shared web ACL. Default "cordon-". */
  readonly rulePrefix?: string;
  readonly loadBalancers?: LoadBalancerSelector;
  /** Replace a web ACL that is not Cordon's on a selected load balancer. Default false: report and leave alone. */
  readonly takeOverLoadBalancers?: boolean;
  /** Take over a web ACL of this name and IP sets of the derived names that exist and are not Cordon's. Only with ownership owned. */
  readonly adopt?: boolean;
}

export interface AllowEntry {
  readonly cidr: string;
  readonly reason: string;
}

export interface Policy {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: "Policy";
  readonly metadata: { readonly name: string; readonly description?: string; readonly owner?: string };
  readonly target: Target;
  readonly flowLogs?: FlowLogsSection;
  readonly athena?: AthenaSection;
  readonly allowlist?: readonly AllowEntry[];
  readonly blockedAddresses?: BlockedAddressesSection;
  readonly webAcl?: WebAclSection;
  readonly blockedCountries?: BlockedCountriesSection;
}

/** Where a policy came from: file + document index, for messages and for "two files claim one resource". */
export interface PolicySource {
  readonly file: string;
  readonly document: number;
}

export interface LoadedPolicy {
  readonly policy: Policy;
  readonly source: PolicySource;
  /** The policy set (cordon.yaml metadata.name) it belongs to, recorded as the cordon:set tag; absent: none. */
  readonly set?: string;
}

/** Defaults applied when a field is absent. */
export const POLICY_DEFAULTS = {
  mode: "enforce",
  trafficType: "ALL",
  fields: "default",
  fileFormat: "plain-text",
  hiveCompatiblePartitions: false,
  perHourPartitions: false,
  maxAggregationInterval: 600,
  direction: "both",
  ruleNumbers: { first: 1, last: 99 },
  entryQuota: 20,
  ownership: "owned",
  rulePrefix: "cordon-",
  takeOverLoadBalancers: false,
  bucketCreate: true,
} as const;
