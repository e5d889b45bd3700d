// Kind-specific specs: the plain-JSON shape of each kind, desired and live (normalised), so that
// diff is a comparison of two values of the same type, and the target inventory they are resolved
// against. Display-only data never goes in here. Monitoring kinds (s3.bucket, s3.bucketPolicy,
// ec2.flowLog, glue.database, glue.table) first, then blocking kinds (ec2.naclEntries, wafv2.ipSet,
// wafv2.webAcl, wafv2.association).

import type { Address } from "./resource.js";

/** Tag, Sid and name markers of what Cordon owns (docs/architecture.md, "Ownership lives in AWS"). */
export const OWNERSHIP = {
  /** Tag on taggable resources (bucket, flow log, web ACL, IP set). */
  tagKey: "cordon:managed-by",
  tagValue: "cordon",
  /** Tag naming the policy document that declared the resource ("file#doc" is not stable; the metadata.name is). */
  policyTagKey: "cordon:policy",
  /** Tag naming the policy set (cordon.yaml metadata.name) of that policy; absent: no set (or an older Cordon). */
  setTagKey: "cordon:set",
  /** Sid prefix of Cordon's statements in a bucket policy. */
  sidPrefix: "Cordon",
} as const;

export type Tags = Readonly<Record<string, string>>;

/** s3.bucket — only when the policy says Cordon creates the bucket. name = bucket name. */
export interface BucketSpec {
  readonly name: string;
  readonly region: string;
  /** All four Block Public Access settings on. */
  readonly blockPublicAccess: boolean;
  /** Default encryption algorithm ("AES256" = SSE-S3). */
  readonly encryption: "AES256" | "aws:kms";
  /** Expiration of log objects in days; null = keep forever (no Cordon lifecycle rule). */
  readonly retentionDays: number | null;
  /**
   * The key prefix Cordon's lifecycle rule expires (its Filter.Prefix): the flow-log files only,
   * "<prefix>/AWSLogs/" (or "AWSLogs/" without a prefix) — never the bucket's other objects, never
   * Cordon's own records under cordon/. null when retentionDays is null (live: no Cordon rule).
   */
  readonly retentionPrefix: string | null;
  readonly tags: Tags;
}

export interface IamStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/**
 * s3.bucketPolicy — Cordon's statements only (Sid starts with OWNERSHIP.sidPrefix), in canonical
 * form (sorted, single-element arrays collapsed). Foreign statements are kept in LiveMeta.extra and
 * written back untouched. name = bucket name.
 */
export interface BucketPolicySpec {
  readonly bucket: string;
  readonly statements: readonly IamStatement[];
}

/** ec2.flowLog — one per VPC or subnet. name = resource id (vpc-… / subnet-…). */
export interface FlowLogSpec {
  readonly resourceId: string;
  readonly resourceType: "VPC" | "Subnet";
  readonly trafficType: "ALL" | "ACCEPT" | "REJECT";
  /** Normalised S3 destination ARN: "arn:aws:s3:::bucket" or "arn:aws:s3:::bucket/prefix/" (trailing slash). */
  readonly logDestination: string;
  /** Space-separated ${field} tokens; the default v2 format spelled out (never empty). */
  readonly logFormat: string;
  readonly maxAggregationInterval: 60 | 600;
  readonly fileFormat: "plain-text" | "parquet";
  readonly hiveCompatiblePartitions: boolean;
  readonly perHourPartition: boolean;
  readonly tags: Tags;
  /**
   * Present (true) only when the policy sets flowLogs.adopt: a flow log Cordon does not own, on
   * this resource and to this destination, may be taken over (tagged when it meets the policy,
   * replaced when it does not). Not a setting of the flow log: never diffed, never in the applied digest.
   */
  readonly adopt?: true;
}

/** glue.database. name = database name (lower case). */
export interface GlueDatabaseSpec {
  readonly name: string;
  readonly description: string;
}

export interface GlueColumn {
  readonly Name: string;
  readonly Type: string;
}

/** glue.table. name = "database.table" (lower case). The TableInput subset Cordon manages. */
export interface GlueTableSpec {
  readonly database: string;
  readonly name: string;
  /** Always "EXTERNAL_TABLE" when desired; a live table may be of another type (then it is drift). */
  readonly tableType: string;
  readonly columns: readonly GlueColumn[];
  readonly partitionKeys: readonly GlueColumn[];
  /** s3:// URI, trailing slash. */
  readonly location: string;
  readonly inputFormat: string;
  readonly outputFormat: string;
  readonly serializationLibrary: string;
  readonly serdeParameters: Readonly<Record<string, string>>;
  /** Table parameters Cordon sets (EXTERNAL, skip.header.line.count, projection.*, storage.location.template). */
  readonly parameters: Readonly<Record<string, string>>;
}

/** What a target's network looks like: read once per (account, region) to resolve selectors. */
export interface Inventory {
  readonly vpcs: readonly {
    readonly id: string;
    readonly cidrs: readonly string[];
    readonly ipv6Cidrs: readonly string[];
    readonly tags: Tags;
    readonly isDefault: boolean;
  }[];
  readonly subnets: readonly {
    readonly id: string;
    readonly vpcId: string;
    readonly cidr: string;
    readonly ipv6Cidr?: string;
    readonly tags: Tags;
  }[];
}

// ---------------------------------------------------------------------------------------------
// Network ACLs
// ---------------------------------------------------------------------------------------------

/** A network ACL entry as DescribeNetworkAcls returns it (protocol as the IANA number string). */
export interface NaclEntry {
  readonly ruleNumber: number;
  /** true = outbound. Inbound and outbound are separate number spaces. */
  readonly egress: boolean;
  readonly action: "allow" | "deny";
  /** "-1" = all protocols, otherwise the IANA number ("6", "17", "1", "58"). */
  readonly protocol: string;
  /** Exactly one of cidr / ipv6Cidr, canonical (host bits zero, RFC 5952 for IPv6). */
  readonly cidr?: string;
  readonly ipv6Cidr?: string;
  readonly portRange?: { readonly from: number; readonly to: number };
  readonly icmpTypeCode?: { readonly type: number; readonly code: number };
}

/** The rule numbers Cordon owns in an ACL, both ends inclusive, within 1–32766. */
export interface NaclBand {
  readonly first: number;
  readonly last: number;
}

/**
 * An entry inside the band. `cidr` is IPv4 or IPv6 canonical text. Desired entries are always
 * deny, protocol "-1" (all traffic), without ports; a live band may hold anything someone put
 * there by hand, which the diff shows and the transition replaces or removes.
 */
export interface NaclBandEntry {
  readonly ruleNumber: number;
  readonly egress: boolean;
  readonly cidr: string;
  readonly action: "allow" | "deny";
  readonly protocol: string;
  readonly portRange?: { readonly from: number; readonly to: number };
  readonly icmpTypeCode?: { readonly type: number; readonly code: number };
}

/**
 * ec2.naclEntries — Cordon's band in one network ACL. name = ACL id.
 *
 * `entries` is the whole content of the band in both directions (the band is Cordon's in both
 * directions: a direction the policy does not enforce has an empty band), sorted by
 * (egress: inbound first, ruleNumber). `others` are the ACL's entries outside the band as observed
 * (including the catch-all 32767/32768); they are context for the capacity and order checks and
 * the fingerprint, never written, and never compared by the diff.
 */
export interface NaclEntriesSpec {
  readonly aclId: string;
  readonly vpcId: string;
  readonly band: NaclBand;
  /** Entries per direction and per address family the account allows, catch-all included. */
  readonly entryQuota: number;
  readonly entries: readonly NaclBandEntry[];
  readonly others: readonly NaclEntry[];
  /**
   * Desired only: the declaring policy's name, written as the ACL's cordon:policy tag so that a
   * band no policy declares any more keeps that policy's mode (no-delete, observe). Never diffed.
   */
  readonly policy?: string;
  /** Desired only: the declaring policy's set, written as the ACL's cordon:set tag beside cordon:policy. Never diffed. */
  readonly set?: string;
}

// ---------------------------------------------------------------------------------------------
// WAFv2
// ---------------------------------------------------------------------------------------------

export type WafScope = "REGIONAL";

/** wafv2.ipSet — name = IP set name ("<webAcl>-blocked-ipv4" / "-ipv6"). */
export interface IpSetSpec {
  readonly name: string;
  readonly scope: WafScope;
  readonly ipAddressVersion: "IPV4" | "IPV6";
  /** Aggregated, canonical CIDR text with prefix, sorted (IPv4 numerically, IPv6 numerically). */
  readonly addresses: readonly string[];
  readonly tags: Tags;
}

export interface WafVisibilityConfig {
  readonly SampledRequestsEnabled: boolean;
  readonly CloudWatchMetricsEnabled: boolean;
  readonly MetricName: string;
}

/**
 * The statements Cordon writes, in WAF's JSON shape. An IP-set reference written by Cordon
 * carries, until execution, the placeholder ARN `cordon-ref:<address of the wafv2.ipSet>` (see
 * IP_SET_REF_PREFIX); the executor resolves it with resolveIpSetRefs() once the IP set's ARN is
 * known (after observe or create). Live statements always carry real ARNs.
 */
export type WafStatement =
  | { readonly GeoMatchStatement: { readonly CountryCodes: readonly string[] } }
  | { readonly IPSetReferenceStatement: { readonly ARN: string } }
  | { readonly OrStatement: { readonly Statements: readonly WafStatement[] } };

/** A rule Cordon owns (always a block rule). Foreign rules are kept as opaque JSON (WafForeignRule). */
export interface WafRule {
  readonly Name: string;
  readonly Priority: number;
  readonly Statement: WafStatement;
  readonly Action: { readonly Block: Readonly<Record<string, never>> };
  readonly VisibilityConfig: WafVisibilityConfig;
}

/** Any rule as GetWebACL returns it; kept verbatim when it is not Cordon's. */
export type WafForeignRule = Readonly<Record<string, unknown>> & { readonly Name: string; readonly Priority: number };

export const IP_SET_REF_PREFIX = "cordon-ref:";

/**
 * wafv2.webAcl — name = web ACL name.
 *
 * owned:  Cordon owns the whole ACL: defaultAction, visibilityConfig, rules (absolute priorities
 *         0, 1, 2…) and tags are compared and written.
 * shared: the ACL exists and is someone else's; Cordon owns only the rules whose Name starts with
 *         rulePrefix. defaultAction / visibilityConfig / tags are null (never compared, never
 *         written). Desired rule priorities are Cordon's relative order (0..n-1); the absolute
 *         priorities are assigned against the live foreign rules by mergeSharedRules().
 *
 * Live specs (from observe) also carry `foreignRules` (the ACL's other rules, verbatim) and
 * `capacity` (WebACL.Capacity as reported); desired specs leave them out.
 */
export interface WebAclSpec {
  readonly name: string;
  readonly scope: WafScope;
  readonly ownership: "owned" | "shared";
  readonly rulePrefix: string;
  readonly defaultAction: { readonly Allow: Readonly<Record<string, never>> } | null;
  readonly visibilityConfig: WafVisibilityConfig | null;
  readonly rules: readonly WafRule[];
  readonly tags: Tags | null;
  readonly foreignRules?: readonly WafForeignRule[];
  readonly capacity?: number;
}

/** wafv2.association — name = load balancer name. */
export interface AssociationSpec {
  readonly loadBalancerName: string;
  readonly loadBalancerArn: string;
  readonly webAclName: string;
  /** Address of the wafv2.webAcl resource; its ARN is resolved at execution (like IP-set refs). */
  readonly webAclAddress: Address;
}

// ---------------------------------------------------------------------------------------------
// Inventory (additive to specs.ts Inventory)
// ---------------------------------------------------------------------------------------------

export interface NetworkAclInfo {
  readonly id: string;
  readonly vpcId: string;
  readonly isDefault: boolean;
  /** Subnets associated with the ACL. */
  readonly associations: readonly string[];
  readonly entries: readonly NaclEntry[];
  /** The ACL's tags (its Name, Cordon's band tag); absent when not read. */
  readonly tags?: Tags;
}

export interface LoadBalancerInfo {
  readonly arn: string;
  readonly name: string;
  readonly type: "application" | "network" | "gateway";
  readonly vpcId: string;
  readonly tags: Tags;
  /** The web ACL currently protecting it (GetWebACLForResource), null when none. */
  readonly webAclArn: string | null;
}

/** What the blocking kinds need to know about a target, read once per (account, region). */
export interface BlockingInventory extends Inventory {
  readonly networkAcls: readonly NetworkAclInfo[];
  readonly loadBalancers: readonly LoadBalancerInfo[];
}

/** WAF limits and prices used by the plan checks (docs/aws-behaviour.md, "IP sets", "Country codes", "Capacity and limits"). */
export const WAF_LIMITS = {
  addressesPerIpSet: 10_000,
  countriesPerGeoStatement: 50,
  maxCapacity: 5_000,
  baseCapacity: 1_500,
} as const;
