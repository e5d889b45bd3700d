// Resources: what the engine reconciles. A desired resource is derived from the policies
// (src/policy/desired/, one builder per policy section); an observation is what a handler read from AWS.

/** The AWS services Cordon's kinds live in (a kind on a new service adds it here). */
export type AwsService = "s3" | "ec2" | "glue" | "wafv2";

/**
 * A resource kind, "<service>.<resource>" ("s3.bucket", "ec2.flowLog", "wafv2.ipSet", ...). The
 * kinds that exist are the descriptors listed once in src/handlers/registry.ts; nothing else
 * enumerates them, so a kind on a service Cordon already uses adds no line here.
 */
export type Kind = `${AwsService}.${string}`;

/** The AWS account + region a resource lives in, and how to reach it. */
export interface TargetRef {
  readonly account: string;
  readonly region: string;
  readonly roleArn?: string;
  readonly externalId?: string;
}

/**
 * A stable, human-readable address, unique within a plan:
 *   "111122223333/eu-west-1/ec2.flowLog/vpc-0abc"   (account/region/kind/name)
 * `name` is the kind-specific key (bucket name, VPC id, "db.table", ACL id, web ACL name, ALB name).
 */
export type Address = string;

export const makeAddress = (t: TargetRef, kind: Kind, name: string): Address =>
  `${t.account}/${t.region}/${kind}/${name}`;

export type ManagementMode = "enforce" | "observe" | "no-delete";

export interface Origin {
  /** Policy file and document that declared this resource. */
  readonly file: string;
  readonly document: number;
  /** The policy section (flowLogs, athena, blockedAddresses, webAcl, blockedCountries). */
  readonly section: string;
}

/** A policy entry behind a blocking rule, in the policy's words (display only). */
export interface DeclaredEntry {
  /** As the policy writes it: "203.0.113.10", "TV". */
  readonly value: string;
  readonly reason: string;
  readonly ticket?: string;
  /** YYYY-MM-DD: the last day the block applies. */
  readonly expires?: string;
}

/**
 * One rule a change enforces — a CIDR as written to AWS (after aggregation), a country code — and
 * the declared entries it covers: `203.0.113.10/31 ← 203.0.113.10 (INC-1), 203.0.113.11 (INC-2)`.
 */
export interface RuleOrigin {
  readonly rule: string;
  readonly entries: readonly DeclaredEntry[];
}

/** A resource as the policies want it. `spec` is kind-specific, plain JSON. */
export interface DesiredResource<S = unknown> {
  readonly address: Address;
  readonly kind: Kind;
  readonly name: string;
  readonly target: TargetRef;
  readonly spec: S;
  readonly mode: ManagementMode;
  readonly origin: Origin;
  /** Addresses this resource needs to exist first (bucket policy before flow logs, IP sets before web ACL...). */
  readonly dependsOn: readonly Address[];
  /**
   * The policy says `adopt: true` for this resource: something found in place at its address that
   * is not Cordon's may be taken over (its handler then changes it and marks it as Cordon's).
   * Absent or false: never; the plan refuses instead (see `inPlace`).
   */
  readonly adopt?: boolean;
  /**
   * For the plan error when something that is not Cordon's is found in place and `adopt` is not
   * set: the JSON pointer of the policy field to report at, and what the author can do
   * ("set flowLogs.bucket.create: false to use it as is, or ..."). Absent: a generic hint.
   */
  readonly inPlace?: { readonly pointer: string; readonly choices: string };
  /** Display only: shown beside the name (a VPC's Name tag); the plan's Change.label. */
  readonly label?: string;
  /** The policy entries behind each blocking rule of `spec` (display only; copied onto its change). */
  readonly declared?: readonly RuleOrigin[];
}

/** Live facts needed to act on a resource: ids, ARNs, lock tokens. Never used for display decisions. */
export interface LiveMeta {
  readonly id?: string;
  readonly arn?: string;
  readonly lockToken?: string;
  /** sha256 (hex) of the canonical JSON of the normalised live spec (+ the ids it acts on). */
  readonly fingerprint: string;
  /** Tags as read (for ownership checks). */
  readonly tags?: Readonly<Record<string, string>>;
  /** True when the resource carries Cordon's ownership marker (tag, Sid prefix, rule prefix, band). */
  readonly owned: boolean;
  /**
   * For the reviewer: what the handler found that the plan should say (a flow log Cordon does not
   * own counted as coverage, an adoption). The planner adds them to the change's notes; display only.
   */
  readonly notes?: readonly string[];
  /** Anything else the handler needs later (e.g. the full web ACL document to read-modify-write). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export type Observation<S = unknown> =
  | { readonly exists: false; readonly fingerprint: string }
  | { readonly exists: true; readonly live: S; readonly meta: LiveMeta };

/** The fingerprint used for "does not exist". */
export const ABSENT_FINGERPRINT = "absent";
