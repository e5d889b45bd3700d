// Kind-specific specs: the plain-JSON shape of each kind, desired and live (normalised), so that
// diff is a comparison of two values of the same type. Display-only data never goes in here.

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
