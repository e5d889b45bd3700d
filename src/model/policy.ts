// The policy language, as TypeScript types. One YAML document = one Policy = one target
// (account + region). The shape is declared once, in schemas/policy.schema.json (with a
// description on every field); the types are generated from it.
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

import type { CordonPolicy } from "./policy-schema.gen.js";

export const API_VERSION = "cordon.dev/v1";

/** A generated (mutable, JSON-Schema-shaped) type made read-only all the way down. */
type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/**
 * One policy document, as schemas/policy.schema.json describes it: the type is generated from the
 * schema (scripts/gen-policy-types.mjs), so a field is declared once, in the schema. The names
 * below are views of it.
 */
export type Policy = DeepReadonly<
  Omit<CordonPolicy, "target" | "targets"> & { target: NonNullable<CordonPolicy["target"]> }
>;

/**
 * A policy document as written: `target` or `targets` (exactly one; docs/targets.md). Loading
 * expands it into one Policy per target (src/policy/targets.ts), so nothing past the loader sees it.
 */
export type PolicyDocument = DeepReadonly<CordonPolicy>;
/** A policy's `targets`: the name of a target list of cordon.yaml, or the list itself. */
export type TargetsSpec = NonNullable<PolicyDocument["targets"]>;

/** enforce: converge; observe: report only, never change; no-delete: create and update, never delete. */
export type ManagementMode = NonNullable<FlowLogsSection["mode"]>;
export type Target = Policy["target"];
export type FlowLogsSection = NonNullable<Policy["flowLogs"]>;
export type BucketSpec = FlowLogsSection["bucket"];
/** Selects VPCs. Exactly one of ids / tags / all. */
export type VpcSelector = NonNullable<FlowLogsSection["vpcs"]>;
/** Selects subnets (optionally narrows a VPC selection). ids or tags. */
export type SubnetSelector = NonNullable<FlowLogsSection["subnets"]>;
export type TrafficType = NonNullable<FlowLogsSection["trafficType"]>;
export type FileFormat = NonNullable<FlowLogsSection["fileFormat"]>;
export type AthenaSection = NonNullable<Policy["athena"]>;
export type AllowEntry = NonNullable<Policy["allowlist"]>[number];
export type BlockedAddressesSection = NonNullable<Policy["blockedAddresses"]>;
export type AddressEntry = BlockedAddressesSection["entries"][number];
export type NetworkAclEnforcement = NonNullable<BlockedAddressesSection["networkAcls"]>;
export type Direction = NonNullable<NetworkAclEnforcement["direction"]>;
export type RuleNumberBand = NonNullable<NetworkAclEnforcement["ruleNumbers"]>;
export type WebAclSection = NonNullable<Policy["webAcl"]>;
export type LoadBalancerSelector = NonNullable<WebAclSection["loadBalancers"]>;
export type BlockedCountriesSection = NonNullable<Policy["blockedCountries"]>;
export type CountryEntry = BlockedCountriesSection["countries"][number];

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
