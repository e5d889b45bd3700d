// EC2 (ec2 protocol): VPCs, subnets, network ACLs and their entries, flow logs to S3, tags.
// Semantics follow AWS's API reference and user guides: entries unique per (ACL, direction,
// number), numbers 1–32766, a per-direction and per-family quota, default entries 100/32767 (and
// 101/32768 with IPv6), canonical CIDRs; flow logs immutable, per-resource failures in
// `Unsuccessful` with HTTP 200, delivery status computed from the bucket policy. Lookups go
// through id-keyed records and per-VPC / per-subnet / per-resource indexes kept in the (plain
// JSON) state.
//
// A second flow log on a resource is refused with an `Unsuccessful` item FlowLogAlreadyExists
// ("There is an existing Flow Log with the same configuration and log destination."). AWS does
// not document which settings it compares, nor whether the refusal comes as an item or as an
// error of the whole call; config.flowLogRule picks the comparison: "strict" (default) refuses
// any second flow log to the same destination, "per-config" only one with every setting equal.
import { canonicalIpv4Cidr, canonicalIpv6Cidr } from "../cidr.js";
import { wildcardMatch } from "../identity.js";
import { evaluatePolicy } from "../policy-eval.js";
import { ec2Error, ec2Response, ec2Return } from "../protocols/ec2.js";
import { ec2Filters, type Filter, flatList, groups, parseBool, tagList } from "../protocols/form.js";
import type { XmlValue } from "../protocols/xml.js";
import {
  ApiError,
  type EstateNaclEntry,
  type RegionEstate,
  type SandboxRequest,
  type SandboxResponse,
  type ServiceContext,
  type ServiceModule,
} from "../types.js";

export interface VpcRecord {
  readonly id: string;
  readonly ownerId: string;
  readonly cidr: string;
  readonly cidrAssociationId: string;
  readonly ipv6Cidr?: string;
  readonly ipv6AssociationId?: string;
  readonly dhcpOptionsId: string;
  readonly isDefault: boolean;
  readonly defaultAclId: string;
}

export interface SubnetRecord {
  readonly id: string;
  readonly vpcId: string;
  readonly ownerId: string;
  readonly cidr: string;
  readonly ipv6Cidr?: string;
  readonly ipv6AssociationId?: string;
  readonly availabilityZone: string;
  readonly availabilityZoneId: string;
  readonly arn: string;
}

export interface AclEntry {
  readonly ruleNumber: number;
  readonly protocol: string;
  readonly ruleAction: "allow" | "deny";
  readonly egress: boolean;
  readonly cidrBlock?: string;
  readonly ipv6CidrBlock?: string;
  readonly portRange?: { readonly from: number; readonly to: number };
  readonly icmp?: { readonly code: number; readonly type: number };
  /**
   * When the entry was created or last replaced through the API (epoch ms of the sandbox clock);
   * absent for seeded and default entries, which have always existed. The traffic generator
   * (src/traffic.ts) applies an entry only to records that start at or after this moment.
   */
  readonly createdAt?: number;
}

export interface AclRecord {
  readonly id: string;
  readonly vpcId: string;
  readonly ownerId: string;
  readonly isDefault: boolean;
  /** Sorted: egress first, then by rule number. */
  entries: AclEntry[];
  associations: { readonly id: string; readonly subnetId: string }[];
}

export interface FlowLogRecord {
  readonly id: string;
  readonly creationTime: string;
  readonly resourceId: string;
  readonly resourceType: "VPC" | "Subnet";
  readonly trafficType: string;
  readonly logDestinationType: "s3";
  readonly logDestination: string;
  readonly bucket: string;
  /** "" or "sub/folder/" (always ending in "/"). */
  readonly subfolder: string;
  readonly logFormat: string;
  readonly maxAggregationInterval: number;
  readonly destinationOptions: {
    readonly fileFormat: string;
    readonly hiveCompatiblePartitions: boolean;
    readonly perHourPartition: boolean;
  };
}

interface Unsuccessful {
  readonly resourceId: string;
  readonly code: string;
  readonly message: string;
}

export interface Ec2State {
  vpcs: Record<string, VpcRecord>;
  subnets: Record<string, SubnetRecord>;
  acls: Record<string, AclRecord>;
  flowLogs: Record<string, FlowLogRecord>;
  /** Resource id → tags (any resource kind). */
  tags: Record<string, Record<string, string>>;
  aclsByVpc: Record<string, string[]>;
  subnetsByVpc: Record<string, string[]>;
  /** Subnet id → the id of the ACL it is associated with. */
  aclBySubnet: Record<string, string>;
  flowLogsByResource: Record<string, string[]>;
  /** CreateFlowLogs ClientToken → the answer given (idempotency). */
  clientTokens: Record<string, { flowLogIds: string[]; unsuccessful: Unsuccessful[] }>;
}

/** What the ec2 module needs to know about a bucket (provided by the s3 module's lookupBucket). */
export type BucketLookup = (
  ctx: ServiceContext,
  name: string,
) => { account: string; region: string; policy: string | null } | null;

export const DEFAULT_LOG_FORMAT =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: AWS's ${field} tokens, not a template.
  "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}";

const FLOW_LOG_FIELDS = new Set(
  (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status " +
    "vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id " +
    "pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path ecs-cluster-arn ecs-cluster-name " +
    "ecs-container-instance-arn ecs-container-instance-id ecs-container-id ecs-second-container-id ecs-service-name " +
    "ecs-task-definition-arn ecs-task-arn ecs-task-id reject-reason resource-id encryption-status"
  ).split(" "),
);

const DELIVERY_PRINCIPAL = "delivery.logs.amazonaws.com";
/** AWS's DeliverLogsErrorMessage when log delivery lacks permission. */
export const DELIVERY_ACCESS_ERROR = "Access error";
/** CreateFlowLogs' Unsuccessful message for a bucket of another account whose policy does not admit the creator. */
export const crossAccountDenied = (bucket: string): string =>
  `Access Denied for LogDestination: ${bucket}. Please check LogDestination permission.`;

const OPERATIONS = new Set([
  "DescribeVpcs",
  "DescribeSubnets",
  "DescribeNetworkAcls",
  "CreateNetworkAclEntry",
  "ReplaceNetworkAclEntry",
  "DeleteNetworkAclEntry",
  "DescribeFlowLogs",
  "CreateFlowLogs",
  "DeleteFlowLogs",
  "CreateTags",
  "DeleteTags",
]);

const initialState = (): Ec2State => ({
  vpcs: {},
  subnets: {},
  acls: {},
  flowLogs: {},
  tags: {},
  aclsByVpc: {},
  subnetsByVpc: {},
  aclBySubnet: {},
  flowLogsByResource: {},
  clientTokens: {},
});

// ---- small helpers ------------------------------------------------------------------------------

const bad = (message: string): ApiError => new ApiError("InvalidParameterValue", message);
const missing = (name: string): ApiError =>
  new ApiError("MissingParameter", `The request must contain the parameter ${name}`);

function required(form: URLSearchParams, key: string): string {
  const v = form.get(key);
  if (v === null || v === "") throw missing(key);
  return v;
}

function integer(value: string, name: string): number {
  if (!/^-?\d+$/.test(value)) throw bad(`Value (${value}) for parameter ${name} is invalid. Expected an integer.`);
  return Number(value);
}

const tagSet = (state: Ec2State, id: string): XmlValue[] =>
  Object.entries(state.tags[id] ?? {}).map(([key, value]) => ({ key, value }));

function push(index: Record<string, string[]>, key: string, id: string): void {
  const list = index[key];
  if (list === undefined) index[key] = [id];
  else list.push(id);
}

function pull(index: Record<string, string[]>, key: string, id: string): void {
  const list = index[key];
  if (list === undefined) return;
  const i = list.indexOf(id);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) delete index[key];
}

function valueMatches(pattern: string, value: string): boolean {
  return pattern.includes("*") || pattern.includes("?") ? wildcardMatch(pattern, value, false) : pattern === value;
}

/** Values of a resource for one filter name; undefined = the filter name is not valid here. */
type FilterValues<R> = (resource: R, name: string) => readonly string[] | undefined;

function tagFilterValues(state: Ec2State, id: string, name: string): readonly string[] | undefined {
  const tags = state.tags[id] ?? {};
  if (name.startsWith("tag:")) {
    const v = tags[name.slice(4)];
    return v === undefined ? [] : [v];
  }
  if (name === "tag-key") return Object.keys(tags);
  if (name === "tag-value") return Object.values(tags);
  return undefined;
}

function applyFilters<R>(items: readonly R[], filters: readonly Filter[], values: FilterValues<R>): R[] {
  if (filters.length === 0) return [...items];
  return items.filter((item) =>
    filters.every((f) => {
      const actual = values(item, f.name);
      if (actual === undefined) throw bad(`The filter '${f.name}' is invalid`);
      return f.values.some((p) => actual.some((a) => valueMatches(p, a)));
    }),
  );
}

/** Rejects filter names the resource kind does not have, whether or not any resource exists. */
function checkFilterNames<R>(sample: R, filters: readonly Filter[], values: FilterValues<R>): void {
  for (const f of filters) if (values(sample, f.name) === undefined) throw bad(`The filter '${f.name}' is invalid`);
}

/** Exact (wildcard-free) values of a filter, for index lookups; null when absent or wildcarded. */
function exactFilter(filters: readonly Filter[], name: string): readonly string[] | null {
  const f = filters.find((x) => x.name === name);
  if (f === undefined || f.values.some((v) => v.includes("*") || v.includes("?"))) return null;
  return f.values;
}

interface PageSpec {
  readonly min: number;
  readonly max: number;
  /** The name of the id list that may not be combined with MaxResults (null = may). */
  readonly idsParam: string | null;
}

function paginate<R>(
  items: readonly R[],
  form: URLSearchParams,
  idsGiven: boolean,
  spec: PageSpec,
): { page: R[]; next?: string } {
  const maxRaw = form.get("MaxResults");
  const token = form.get("NextToken");
  let offset = 0;
  if (token !== null && token !== "") {
    try {
      const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o?: unknown };
      if (typeof parsed.o !== "number" || !Number.isInteger(parsed.o) || parsed.o < 0) throw new Error("bad");
      offset = parsed.o;
    } catch {
      throw new ApiError("InvalidPaginationToken", `Invalid pagination token: ${token}`);
    }
  }
  if (maxRaw === null || maxRaw === "") return { page: items.slice(offset) };
  if (idsGiven && spec.idsParam !== null) {
    throw new ApiError(
      "InvalidParameterCombination",
      `The parameter ${spec.idsParam} cannot be used with the parameter maxResults`,
    );
  }
  const max = integer(maxRaw, "maxResults");
  if (max < spec.min || max > spec.max) {
    throw bad(
      `Value ( ${max} ) for parameter maxResults is invalid. Expecting a value between ${spec.min} and ${spec.max}.`,
    );
  }
  const page = items.slice(offset, offset + max);
  const end = offset + page.length;
  return end < items.length ? { page, next: Buffer.from(JSON.stringify({ o: end })).toString("base64url") } : { page };
}

// ---- rendering ----------------------------------------------------------------------------------

function renderVpc(state: Ec2State, v: VpcRecord): XmlValue {
  return {
    cidrBlock: v.cidr,
    dhcpOptionsId: v.dhcpOptionsId,
    state: "available",
    vpcId: v.id,
    ownerId: v.ownerId,
    instanceTenancy: "default",
    ipv6CidrBlockAssociationSet:
      v.ipv6Cidr === undefined
        ? undefined
        : [
            {
              associationId: v.ipv6AssociationId,
              ipv6CidrBlock: v.ipv6Cidr,
              ipv6CidrBlockState: { state: "associated" },
              networkBorderGroup: undefined,
              ipv6Pool: "Amazon",
            },
          ],
    cidrBlockAssociationSet: [
      { associationId: v.cidrAssociationId, cidrBlock: v.cidr, cidrBlockState: { state: "associated" } },
    ],
    isDefault: v.isDefault,
    tagSet: tagSet(state, v.id),
  };
}

function renderSubnet(state: Ec2State, s: SubnetRecord): XmlValue {
  return {
    subnetId: s.id,
    subnetArn: s.arn,
    state: "available",
    vpcId: s.vpcId,
    cidrBlock: s.cidr,
    ipv6CidrBlockAssociationSet:
      s.ipv6Cidr === undefined
        ? []
        : [
            {
              associationId: s.ipv6AssociationId,
              ipv6CidrBlock: s.ipv6Cidr,
              ipv6CidrBlockState: { state: "associated" },
            },
          ],
    availableIpAddressCount: availableAddresses(s.cidr),
    availabilityZone: s.availabilityZone,
    availabilityZoneId: s.availabilityZoneId,
    defaultForAz: false,
    mapPublicIpOnLaunch: false,
    assignIpv6AddressOnCreation: false,
    ownerId: s.ownerId,
    tagSet: tagSet(state, s.id),
  };
}

function availableAddresses(cidr: string): number {
  const prefix = Number(cidr.split("/")[1] ?? 32);
  return Math.max(0, 2 ** (32 - prefix) - 5);
}

function renderEntry(e: AclEntry): XmlValue {
  return {
    cidrBlock: e.cidrBlock,
    ipv6CidrBlock: e.ipv6CidrBlock,
    egress: e.egress,
    icmpTypeCode: e.icmp === undefined ? undefined : { code: e.icmp.code, type: e.icmp.type },
    portRange: e.portRange === undefined ? undefined : { from: e.portRange.from, to: e.portRange.to },
    protocol: e.protocol,
    ruleAction: e.ruleAction,
    ruleNumber: e.ruleNumber,
  };
}

function renderAcl(state: Ec2State, a: AclRecord): XmlValue {
  return {
    associationSet: a.associations.map((x) => ({
      networkAclAssociationId: x.id,
      networkAclId: a.id,
      subnetId: x.subnetId,
    })),
    entrySet: a.entries.map(renderEntry),
    default: a.isDefault,
    networkAclId: a.id,
    tagSet: tagSet(state, a.id),
    vpcId: a.vpcId,
    ownerId: a.ownerId,
  };
}

function renderFlowLog(
  state: Ec2State,
  f: FlowLogRecord,
  delivery: { status: "SUCCESS" | "FAILED"; message?: string },
): XmlValue {
  return {
    creationTime: f.creationTime,
    deliverLogsErrorMessage: delivery.message,
    deliverLogsStatus: delivery.status,
    flowLogId: f.id,
    flowLogStatus: "ACTIVE",
    resourceId: f.resourceId,
    trafficType: f.trafficType,
    logDestinationType: f.logDestinationType,
    logDestination: f.logDestination,
    logFormat: f.logFormat,
    tagSet: tagSet(state, f.id),
    maxAggregationInterval: f.maxAggregationInterval,
    destinationOptions: {
      fileFormat: f.destinationOptions.fileFormat,
      hiveCompatiblePartitions: f.destinationOptions.hiveCompatiblePartitions,
      perHourPartition: f.destinationOptions.perHourPartition,
    },
  };
}

// ---- network ACL entries ------------------------------------------------------------------------

function sortEntries(entries: AclEntry[]): void {
  entries.sort((a, b) => (a.egress === b.egress ? a.ruleNumber - b.ruleNumber : a.egress ? -1 : 1));
}

function defaultEntries(isDefault: boolean, ipv6: boolean): AclEntry[] {
  const out: AclEntry[] = [];
  for (const egress of [true, false]) {
    if (isDefault) {
      out.push({ ruleNumber: 100, protocol: "-1", ruleAction: "allow", egress, cidrBlock: "0.0.0.0/0" });
      if (ipv6) out.push({ ruleNumber: 101, protocol: "-1", ruleAction: "allow", egress, ipv6CidrBlock: "::/0" });
    }
    out.push({ ruleNumber: 32767, protocol: "-1", ruleAction: "deny", egress, cidrBlock: "0.0.0.0/0" });
    if (ipv6) out.push({ ruleNumber: 32768, protocol: "-1", ruleAction: "deny", egress, ipv6CidrBlock: "::/0" });
  }
  sortEntries(out);
  return out;
}

const PROTOCOL_NAMES: Readonly<Record<string, string>> = { all: "-1", tcp: "6", udp: "17", icmp: "1", icmpv6: "58" };

function normaliseProtocol(raw: string): string {
  const p = PROTOCOL_NAMES[raw.toLowerCase()] ?? raw;
  if (p === "-1") return p;
  if (!/^\d{1,3}$/.test(p) || Number(p) > 255) {
    throw bad(`Value (${raw}) for parameter protocol is invalid. Expected a protocol number from 0 to 255 or -1.`);
  }
  return String(Number(p));
}

function ruleNumberOf(form: URLSearchParams): number {
  const n = integer(required(form, "RuleNumber"), "ruleNumber");
  if (n < 1 || n > 32766) {
    throw bad(`Value (${n}) for parameter ruleNumber is invalid. Must be between 1 and 32766.`);
  }
  return n;
}

/** Parses Create/ReplaceNetworkAclEntry parameters into a canonical entry. */
function entryFromForm(form: URLSearchParams): AclEntry {
  const ruleNumber = ruleNumberOf(form);
  const protocol = normaliseProtocol(required(form, "Protocol"));
  const action = required(form, "RuleAction");
  if (action !== "allow" && action !== "deny") {
    throw bad(`Value (${action}) for parameter ruleAction is invalid. Expected 'allow' or 'deny'.`);
  }
  const egress = parseBool(form.get("Egress")) ?? false;
  const v4 = form.get("CidrBlock");
  const v6 = form.get("Ipv6CidrBlock");
  if ((v4 === null || v4 === "") && (v6 === null || v6 === "")) throw missing("cidrBlock or ipv6CidrBlock");
  if (v4 && v6) {
    throw new ApiError("InvalidParameterCombination", "Only one of cidrBlock or ipv6CidrBlock may be specified");
  }
  let cidrBlock: string | undefined;
  let ipv6CidrBlock: string | undefined;
  if (v4) {
    const c = canonicalIpv4Cidr(v4);
    if (c === null) throw bad(`Value (${v4}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`);
    cidrBlock = c;
  } else if (v6) {
    const c = canonicalIpv6Cidr(v6);
    if (c === null)
      throw bad(`Value (${v6}) for parameter ipv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.`);
    ipv6CidrBlock = c;
  }
  let portRange: AclEntry["portRange"];
  let icmp: AclEntry["icmp"];
  if (protocol === "6" || protocol === "17") {
    const from = form.get("PortRange.From");
    const to = form.get("PortRange.To");
    if (!from || !to) throw missing("portRange");
    const f = integer(from, "portRange.from");
    const t = integer(to, "portRange.to");
    if (f < 0 || t > 65535 || f > t) {
      throw bad(`Invalid port range ${f}-${t}: ports must be between 0 and 65535 and from must not exceed to.`);
    }
    portRange = { from: f, to: t };
  } else if (protocol === "1" || (protocol === "58" && ipv6CidrBlock !== undefined)) {
    const type = form.get("Icmp.Type");
    const code = form.get("Icmp.Code");
    if (!type || !code) throw missing("icmpTypeCode");
    icmp = { code: integer(code, "icmpTypeCode.code"), type: integer(type, "icmpTypeCode.type") };
  }
  return {
    ruleNumber,
    protocol,
    ruleAction: action,
    egress,
    ...(cidrBlock !== undefined ? { cidrBlock } : {}),
    ...(ipv6CidrBlock !== undefined ? { ipv6CidrBlock } : {}),
    ...(portRange !== undefined ? { portRange } : {}),
    ...(icmp !== undefined ? { icmp } : {}),
  };
}

function findAcl(state: Ec2State, id: string): AclRecord {
  const acl = state.acls[id];
  if (acl === undefined) throw new ApiError("InvalidNetworkAclID.NotFound", `The networkAcl ID '${id}' does not exist`);
  return acl;
}

const family = (e: AclEntry): "v4" | "v6" => (e.ipv6CidrBlock !== undefined ? "v6" : "v4");

/** Throws NetworkAclEntryLimitExceeded when adding `entry` (replacing `replaced`) would exceed the quota. */
function checkQuota(acl: AclRecord, entry: AclEntry, quota: number, replaced?: AclEntry): void {
  let count = 0;
  for (const e of acl.entries) {
    if (e === replaced || e.egress !== entry.egress || e.ruleNumber > 32766) continue;
    if (family(e) === family(entry)) count++;
  }
  if (count >= quota) {
    throw new ApiError("NetworkAclEntryLimitExceeded", "The maximum number of network acl entries has been reached.");
  }
}

// ---- flow logs ----------------------------------------------------------------------------------

function parseS3Destination(dest: string): { bucket: string; subfolder: string } {
  const m = /^arn:aws[a-z-]*:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/.*)?$/.exec(dest);
  if (!m) {
    throw bad(
      `LogDestination: ${dest} is not a valid S3 bucket ARN (arn:aws:s3:::bucket or arn:aws:s3:::bucket/folder/)`,
    );
  }
  let sub = (m[2] ?? "").replace(/^\/+/, "");
  if (sub !== "" && !sub.endsWith("/")) sub += "/";
  if (sub.split("/")[0] === "AWSLogs") {
    throw bad(`LogDestination: the subfolder name "AWSLogs" is reserved and cannot be used (${dest})`);
  }
  return { bucket: m[1] as string, subfolder: sub };
}

/** The S3 key of one delivered log object, as log delivery would write it now. */
export function flowLogObjectKey(f: FlowLogRecord, account: string, region: string, now: Date): string {
  const p2 = (n: number) => String(n).padStart(2, "0");
  const [y, mo, d, h] = [now.getUTCFullYear(), p2(now.getUTCMonth() + 1), p2(now.getUTCDate()), p2(now.getUTCHours())];
  const hourly = f.destinationOptions.perHourPartition;
  const prefix = f.destinationOptions.hiveCompatiblePartitions
    ? `AWSLogs/aws-account-id=${account}/aws-service=vpcflowlogs/aws-region=${region}/year=${y}/month=${mo}/day=${d}/${hourly ? `hour=${h}/` : ""}`
    : `AWSLogs/${account}/vpcflowlogs/${region}/${y}/${mo}/${d}/${hourly ? `${h}/` : ""}`;
  const suffix = f.destinationOptions.fileFormat === "parquet" ? "log.parquet" : "log.gz";
  return `${f.subfolder}${prefix}${account}_vpcflowlogs_${region}_${f.id}_${y}${mo}${d}T${h}${p2(Math.floor(now.getUTCMinutes() / 5) * 5)}Z_0f1e2d3c.${suffix}`;
}

/** SUCCESS when the bucket exists and its policy lets log delivery put this flow log's objects. */
export function deliveryStatus(
  ctx: ServiceContext,
  lookup: BucketLookup,
  f: FlowLogRecord,
  account: string,
  region: string,
): { status: "SUCCESS" | "FAILED"; message?: string } {
  const bucket = lookup(ctx, f.bucket);
  if (bucket === null) return { status: "FAILED", message: DELIVERY_ACCESS_ERROR };
  const decision = evaluatePolicy(bucket.policy, {
    service: DELIVERY_PRINCIPAL,
    action: "s3:PutObject",
    resource: `arn:aws:s3:::${f.bucket}/${flowLogObjectKey(f, account, region, ctx.now())}`,
    context: {
      "aws:SourceAccount": account,
      "aws:SourceArn": `arn:aws:logs:${region}:${account}:*`,
      "s3:x-amz-acl": "bucket-owner-full-control",
    },
  });
  return decision === "allow" ? { status: "SUCCESS" } : { status: "FAILED", message: DELIVERY_ACCESS_ERROR };
}

/** The strict rule: one flow log per resource and log destination, whatever its other settings. */
function sameDestination(a: FlowLogRecord, b: Omit<FlowLogRecord, "id" | "creationTime">): boolean {
  return a.resourceId === b.resourceId && a.bucket === b.bucket && a.subfolder === b.subfolder;
}

/** The per-config rule: a second flow log is refused only when every setting is the same. */
function sameConfiguration(a: FlowLogRecord, b: Omit<FlowLogRecord, "id" | "creationTime">): boolean {
  return (
    a.resourceId === b.resourceId &&
    a.trafficType === b.trafficType &&
    a.bucket === b.bucket &&
    a.subfolder === b.subfolder &&
    a.logFormat === b.logFormat &&
    a.maxAggregationInterval === b.maxAggregationInterval &&
    a.destinationOptions.fileFormat === b.destinationOptions.fileFormat &&
    a.destinationOptions.hiveCompatiblePartitions === b.destinationOptions.hiveCompatiblePartitions &&
    a.destinationOptions.perHourPartition === b.destinationOptions.perHourPartition
  );
}

// ---- tags ---------------------------------------------------------------------------------------

function resourceExists(state: Ec2State, id: string): void {
  const kinds: [string, Record<string, unknown>, string, string][] = [
    ["vpc-", state.vpcs, "InvalidVpcID.NotFound", "vpc"],
    ["subnet-", state.subnets, "InvalidSubnetID.NotFound", "subnet"],
    ["acl-", state.acls, "InvalidNetworkAclID.NotFound", "networkAcl"],
    ["fl-", state.flowLogs, "InvalidFlowLogId.NotFound", "flowLog"],
  ];
  for (const [prefix, records, code, noun] of kinds) {
    if (id.startsWith(prefix)) {
      if (records[id] === undefined) throw new ApiError(code, `The ${noun} ID '${id}' does not exist`);
      return;
    }
  }
  throw new ApiError("InvalidID", `The ID '${id}' is not valid (the sandbox models vpc-, subnet-, acl- and fl- ids)`);
}

// ---- the module ---------------------------------------------------------------------------------

export function createEc2Module(lookupBucket: BucketLookup): ServiceModule<Ec2State> {
  const vpcValues =
    (state: Ec2State): FilterValues<VpcRecord> =>
    (v, name) => {
      switch (name) {
        case "vpc-id":
          return [v.id];
        case "is-default":
          return [String(v.isDefault)];
        case "cidr":
        case "cidr-block-association.cidr-block":
          return [v.cidr];
        case "cidr-block-association.association-id":
          return [v.cidrAssociationId];
        case "cidr-block-association.state":
          return ["associated"];
        case "ipv6-cidr-block-association.ipv6-cidr-block":
          return v.ipv6Cidr === undefined ? [] : [v.ipv6Cidr];
        case "dhcp-options-id":
          return [v.dhcpOptionsId];
        case "owner-id":
          return [v.ownerId];
        case "state":
          return ["available"];
        default:
          return tagFilterValues(state, v.id, name);
      }
    };

  const subnetValues =
    (state: Ec2State): FilterValues<SubnetRecord> =>
    (s, name) => {
      switch (name) {
        case "subnet-id":
          return [s.id];
        case "vpc-id":
          return [s.vpcId];
        case "cidr":
        case "cidr-block":
        case "cidrBlock":
          return [s.cidr];
        case "ipv6-cidr-block-association.ipv6-cidr-block":
          return s.ipv6Cidr === undefined ? [] : [s.ipv6Cidr];
        case "availability-zone":
        case "availabilityZone":
          return [s.availabilityZone];
        case "availability-zone-id":
          return [s.availabilityZoneId];
        case "default-for-az":
          return ["false"];
        case "owner-id":
          return [s.ownerId];
        case "state":
          return ["available"];
        case "subnet-arn":
          return [s.arn];
        default:
          return tagFilterValues(state, s.id, name);
      }
    };

  const aclValues =
    (state: Ec2State): FilterValues<AclRecord> =>
    (a, name) => {
      const entries = (f: (e: AclEntry) => string | undefined): string[] =>
        a.entries.map(f).filter((x): x is string => x !== undefined);
      switch (name) {
        case "network-acl-id":
          return [a.id];
        case "vpc-id":
          return [a.vpcId];
        case "default":
          return [String(a.isDefault)];
        case "owner-id":
          return [a.ownerId];
        case "association.subnet-id":
          return a.associations.map((x) => x.subnetId);
        case "association.association-id":
          return a.associations.map((x) => x.id);
        case "association.network-acl-id":
          return a.associations.length > 0 ? [a.id] : [];
        case "entry.rule-number":
          return entries((e) => String(e.ruleNumber));
        case "entry.egress":
          return entries((e) => String(e.egress));
        case "entry.cidr":
          return entries((e) => e.cidrBlock);
        case "entry.ipv6-cidr":
          return entries((e) => e.ipv6CidrBlock);
        case "entry.protocol":
          return entries((e) => e.protocol);
        case "entry.rule-action":
          return entries((e) => e.ruleAction);
        case "entry.port-range.from":
          return entries((e) => (e.portRange ? String(e.portRange.from) : undefined));
        case "entry.port-range.to":
          return entries((e) => (e.portRange ? String(e.portRange.to) : undefined));
        case "entry.icmp.code":
          return entries((e) => (e.icmp ? String(e.icmp.code) : undefined));
        case "entry.icmp.type":
          return entries((e) => (e.icmp ? String(e.icmp.type) : undefined));
        default:
          return tagFilterValues(state, a.id, name);
      }
    };

  const idsOrNotFound = <R>(records: Record<string, R>, ids: readonly string[], code: string, noun: string): R[] => {
    const missingIds = ids.filter((id) => records[id] === undefined);
    if (missingIds.length > 0) {
      const list = missingIds.map((id) => `'${id}'`).join(", ");
      throw new ApiError(
        code,
        `The ${noun} ID${missingIds.length > 1 ? "s" : ""} ${list} ${missingIds.length > 1 ? "do" : "does"} not exist`,
      );
    }
    return [...new Set(ids)].map((id) => records[id] as R);
  };

  const byIndex = <R>(records: Record<string, R>, index: Record<string, string[]>, keys: readonly string[]): R[] => {
    const out: R[] = [];
    for (const k of keys) for (const id of index[k] ?? []) out.push(records[id] as R);
    return out;
  };

  const describeVpcs = (req: SandboxRequest, state: Ec2State): SandboxResponse => {
    const ids = flatList(req.form, "VpcId");
    const filters = ec2Filters(req.form);
    const values = vpcValues(state);
    checkFilterNames(placeholderVpc, filters, values);
    let candidates: VpcRecord[];
    const exact = exactFilter(filters, "vpc-id");
    if (ids.length > 0) candidates = idsOrNotFound(state.vpcs, ids, "InvalidVpcID.NotFound", "vpc");
    else if (exact !== null)
      candidates = exact.map((id) => state.vpcs[id]).filter((v): v is VpcRecord => v !== undefined);
    else candidates = Object.values(state.vpcs);
    const { page, next } = paginate(applyFilters(candidates, filters, values), req.form, ids.length > 0, {
      min: 5,
      max: 1000,
      idsParam: "vpcIds",
    });
    return ec2Response("DescribeVpcs", req.requestId, {
      vpcSet: page.map((v) => renderVpc(state, v)),
      nextToken: next,
    });
  };

  const describeSubnets = (req: SandboxRequest, state: Ec2State): SandboxResponse => {
    const ids = flatList(req.form, "SubnetId");
    const filters = ec2Filters(req.form);
    const values = subnetValues(state);
    checkFilterNames(placeholderSubnet, filters, values);
    let candidates: SubnetRecord[];
    const byVpc = exactFilter(filters, "vpc-id");
    const bySubnet = exactFilter(filters, "subnet-id");
    if (ids.length > 0) candidates = idsOrNotFound(state.subnets, ids, "InvalidSubnetID.NotFound", "subnet");
    else if (bySubnet !== null)
      candidates = bySubnet.map((id) => state.subnets[id]).filter((s): s is SubnetRecord => s !== undefined);
    else if (byVpc !== null) candidates = byIndex(state.subnets, state.subnetsByVpc, byVpc);
    else candidates = Object.values(state.subnets);
    const { page, next } = paginate(applyFilters(candidates, filters, values), req.form, ids.length > 0, {
      min: 5,
      max: 1000,
      idsParam: "subnetIds",
    });
    return ec2Response("DescribeSubnets", req.requestId, {
      subnetSet: page.map((s) => renderSubnet(state, s)),
      nextToken: next,
    });
  };

  const describeNetworkAcls = (req: SandboxRequest, state: Ec2State): SandboxResponse => {
    const ids = flatList(req.form, "NetworkAclId");
    const filters = ec2Filters(req.form);
    const values = aclValues(state);
    checkFilterNames(placeholderAcl, filters, values);
    let candidates: AclRecord[];
    const byVpc = exactFilter(filters, "vpc-id");
    const byId = exactFilter(filters, "network-acl-id");
    const bySubnet = exactFilter(filters, "association.subnet-id");
    if (ids.length > 0) candidates = idsOrNotFound(state.acls, ids, "InvalidNetworkAclID.NotFound", "networkAcl");
    else if (byId !== null)
      candidates = byId.map((id) => state.acls[id]).filter((a): a is AclRecord => a !== undefined);
    else if (bySubnet !== null) {
      const aclIds = new Set(bySubnet.map((s) => state.aclBySubnet[s]).filter((a): a is string => a !== undefined));
      candidates = [...aclIds].map((id) => state.acls[id] as AclRecord);
    } else if (byVpc !== null) candidates = byIndex(state.acls, state.aclsByVpc, byVpc);
    else candidates = Object.values(state.acls);
    const { page, next } = paginate(applyFilters(candidates, filters, values), req.form, ids.length > 0, {
      min: 5,
      max: 1000,
      idsParam: "networkAclIds",
    });
    return ec2Response("DescribeNetworkAcls", req.requestId, {
      networkAclSet: page.map((a) => renderAcl(state, a)),
      nextToken: next,
    });
  };

  const createEntry = (req: SandboxRequest, state: Ec2State, ctx: ServiceContext): SandboxResponse => {
    const acl = findAcl(state, required(req.form, "NetworkAclId"));
    const entry = entryFromForm(req.form);
    if (acl.entries.some((e) => e.egress === entry.egress && e.ruleNumber === entry.ruleNumber)) {
      throw new ApiError(
        "NetworkAclEntryAlreadyExists",
        `The network acl entry identified by ${entry.ruleNumber} already exists.`,
      );
    }
    checkQuota(acl, entry, ctx.config.naclEntryQuota);
    acl.entries.push({ ...entry, createdAt: ctx.now().getTime() });
    sortEntries(acl.entries);
    ctx.touch();
    return ec2Return("CreateNetworkAclEntry", req.requestId);
  };

  const replaceEntry = (req: SandboxRequest, state: Ec2State, ctx: ServiceContext): SandboxResponse => {
    const acl = findAcl(state, required(req.form, "NetworkAclId"));
    const entry = entryFromForm(req.form);
    const i = acl.entries.findIndex((e) => e.egress === entry.egress && e.ruleNumber === entry.ruleNumber);
    if (i < 0) {
      throw new ApiError(
        "InvalidNetworkAclEntry.NotFound",
        `The network acl entry identified by ${entry.ruleNumber} does not exist.`,
      );
    }
    checkQuota(acl, entry, ctx.config.naclEntryQuota, acl.entries[i]);
    acl.entries[i] = { ...entry, createdAt: ctx.now().getTime() };
    ctx.touch();
    return ec2Return("ReplaceNetworkAclEntry", req.requestId);
  };

  const deleteEntry = (req: SandboxRequest, state: Ec2State, ctx: ServiceContext): SandboxResponse => {
    const acl = findAcl(state, required(req.form, "NetworkAclId"));
    const ruleNumber = ruleNumberOf(req.form);
    const egress = parseBool(req.form.get("Egress")) ?? false;
    const i = acl.entries.findIndex((e) => e.egress === egress && e.ruleNumber === ruleNumber);
    if (i < 0) {
      throw new ApiError(
        "InvalidNetworkAclEntry.NotFound",
        `The network acl entry identified by ${ruleNumber} does not exist.`,
      );
    }
    acl.entries.splice(i, 1);
    ctx.touch();
    return ec2Return("DeleteNetworkAclEntry", req.requestId);
  };

  const flowLogValues =
    (state: Ec2State, status: (f: FlowLogRecord) => string): FilterValues<FlowLogRecord> =>
    (f, name) => {
      switch (name) {
        case "resource-id":
          return [f.resourceId];
        case "flow-log-id":
          return [f.id];
        case "log-destination-type":
          return [f.logDestinationType];
        case "traffic-type":
          return [f.trafficType];
        case "deliver-log-status":
          return [status(f)];
        case "log-group-name":
          return [];
        default:
          return tagFilterValues(state, f.id, name);
      }
    };

  const describeFlowLogs = (req: SandboxRequest, state: Ec2State, ctx: ServiceContext): SandboxResponse => {
    const ids = flatList(req.form, "FlowLogId");
    const filters = ec2Filters(req.form);
    const statusCache = new Map<string, { status: "SUCCESS" | "FAILED"; message?: string }>();
    const status = (f: FlowLogRecord) => {
      let s = statusCache.get(f.id);
      if (s === undefined) {
        s = deliveryStatus(ctx, lookupBucket, f, req.account, req.region);
        statusCache.set(f.id, s);
      }
      return s;
    };
    const values = flowLogValues(state, (f) => status(f).status);
    checkFilterNames(placeholderFlowLog, filters, values);
    let candidates: FlowLogRecord[];
    const byResource = exactFilter(filters, "resource-id");
    const byId = exactFilter(filters, "flow-log-id");
    // Unknown flow-log ids are silently absent from DescribeFlowLogs (no NotFound error).
    if (ids.length > 0)
      candidates = [...new Set(ids)].map((id) => state.flowLogs[id]).filter((f): f is FlowLogRecord => f !== undefined);
    else if (byId !== null)
      candidates = byId.map((id) => state.flowLogs[id]).filter((f): f is FlowLogRecord => f !== undefined);
    else if (byResource !== null) candidates = byIndex(state.flowLogs, state.flowLogsByResource, byResource);
    else candidates = Object.values(state.flowLogs);
    const { page, next } = paginate(applyFilters(candidates, filters, values), req.form, false, {
      min: 1,
      max: 1000,
      idsParam: null,
    });
    return ec2Response("DescribeFlowLogs", req.requestId, {
      flowLogSet: page.map((f) => renderFlowLog(state, f, status(f))),
      nextToken: next,
    });
  };

  const createFlowLogs = (req: SandboxRequest, state: Ec2State, ctx: ServiceContext): SandboxResponse => {
    const form = req.form;
    const clientToken = form.get("ClientToken") ?? undefined;
    if (clientToken !== undefined && clientToken !== "") {
      const previous = state.clientTokens[clientToken];
      if (previous !== undefined)
        return createFlowLogsResponse(req, clientToken, previous.flowLogIds, previous.unsuccessful);
    }
    const resourceIds = flatList(form, "ResourceId");
    if (resourceIds.length === 0) throw missing("ResourceIds");
    if (resourceIds.length > 1000) throw bad("ResourceIds: at most 1000 resources per request");
    const resourceType = required(form, "ResourceType");
    if (
      ![
        "VPC",
        "Subnet",
        "NetworkInterface",
        "TransitGateway",
        "TransitGatewayAttachment",
        "RegionalNatGateway",
      ].includes(resourceType)
    ) {
      throw bad(`Value (${resourceType}) for parameter ResourceType is invalid.`);
    }
    if (resourceType !== "VPC" && resourceType !== "Subnet") {
      throw bad(`ResourceType ${resourceType}: the Cordon sandbox models flow logs for VPC and Subnet resources only`);
    }
    const trafficType = form.get("TrafficType");
    if (trafficType === null || trafficType === "") throw missing("TrafficType");
    if (!["ACCEPT", "REJECT", "ALL"].includes(trafficType)) {
      throw bad(`Value (${trafficType}) for parameter TrafficType is invalid. Expected ACCEPT, REJECT or ALL.`);
    }
    const destinationType = form.get("LogDestinationType") || "cloud-watch-logs";
    if (destinationType !== "s3") {
      if (!["cloud-watch-logs", "kinesis-data-firehose"].includes(destinationType)) {
        throw bad(`Value (${destinationType}) for parameter LogDestinationType is invalid.`);
      }
      throw bad(
        `LogDestinationType ${destinationType} is not supported by the Cordon sandbox: it models flow logs delivered to s3 only`,
      );
    }
    const logDestination = form.get("LogDestination");
    if (logDestination === null || logDestination === "") throw missing("LogDestination");
    const { bucket, subfolder } = parseS3Destination(logDestination);
    if (form.get("DeliverLogsPermissionArn") || form.get("LogGroupName")) {
      throw new ApiError(
        "InvalidParameter",
        "DeliverLogsPermissionArn and LogGroupName apply only to CloudWatch Logs destinations",
      );
    }
    const logFormatRaw = form.get("LogFormat");
    let logFormat = DEFAULT_LOG_FORMAT;
    if (logFormatRaw !== null && logFormatRaw !== "") {
      const tokens = logFormatRaw.trim().split(/\s+/);
      const unknown = tokens.filter((t) => {
        const m = /^\$\{([a-z0-9-]+)\}$/.exec(t);
        return m === null || !FLOW_LOG_FIELDS.has(m[1] as string);
      });
      if (unknown.length > 0) throw bad(`LogFormat: unknown or malformed fields: ${unknown.join(", ")}`);
      logFormat = tokens.join(" ");
    }
    const intervalRaw = form.get("MaxAggregationInterval");
    const maxAggregationInterval = intervalRaw ? integer(intervalRaw, "MaxAggregationInterval") : 600;
    if (maxAggregationInterval !== 60 && maxAggregationInterval !== 600) {
      throw bad(
        `Value (${maxAggregationInterval}) for parameter MaxAggregationInterval is invalid. Expected 60 or 600.`,
      );
    }
    const fileFormat = form.get("DestinationOptions.FileFormat") || "plain-text";
    if (fileFormat !== "plain-text" && fileFormat !== "parquet") {
      throw bad(
        `Value (${fileFormat}) for parameter DestinationOptions.FileFormat is invalid. Expected plain-text or parquet.`,
      );
    }
    const destinationOptions = {
      fileFormat,
      hiveCompatiblePartitions: parseBool(form.get("DestinationOptions.HiveCompatiblePartitions")) ?? false,
      perHourPartition: parseBool(form.get("DestinationOptions.PerHourPartition")) ?? false,
    };
    const tagsOnCreate: Record<string, string> = {};
    for (const spec of groups(form, "TagSpecification")) {
      if (spec["ResourceType"] !== "vpc-flow-log") {
        throw bad(
          `TagSpecification: resource type '${spec["ResourceType"] ?? ""}' is not valid for CreateFlowLogs (expected vpc-flow-log)`,
        );
      }
      for (const t of tagList(new URLSearchParams(Object.entries(spec)), "Tag")) tagsOnCreate[t.key] = t.value ?? "";
    }

    const flowLogIds: string[] = [];
    const unsuccessful: Unsuccessful[] = [];
    const bucketInfo = lookupBucket(ctx, bucket);
    for (const resourceId of [...new Set(resourceIds)]) {
      const exists = resourceType === "VPC" ? state.vpcs[resourceId] : state.subnets[resourceId];
      if (exists === undefined) {
        const [code, noun] =
          resourceType === "VPC" ? ["InvalidVpcID.NotFound", "vpc"] : ["InvalidSubnetID.NotFound", "subnet"];
        unsuccessful.push({ resourceId, code, message: `The ${noun} ID '${resourceId}' does not exist` });
        continue;
      }
      if (bucketInfo === null) {
        unsuccessful.push({ resourceId, code: "400", message: `LogDestination: ${bucket} does not exist` });
        continue;
      }
      const candidate = {
        resourceId,
        resourceType: resourceType as "VPC" | "Subnet",
        trafficType,
        logDestinationType: "s3" as const,
        logDestination,
        bucket,
        subfolder,
        logFormat,
        maxAggregationInterval,
        destinationOptions,
      };
      // A bucket of another account: the creator cannot write its policy, so AWS refuses the flow
      // log unless the policy already lets log delivery write for this account and region.
      if (
        bucketInfo.account !== req.account &&
        deliveryStatus(ctx, lookupBucket, { ...candidate, id: "fl-check", creationTime: "" }, req.account, req.region)
          .status !== "SUCCESS"
      ) {
        unsuccessful.push({ resourceId, code: "400", message: crossAccountDenied(bucket) });
        continue;
      }
      const duplicate = (state.flowLogsByResource[resourceId] ?? []).some((id) => {
        const f = state.flowLogs[id];
        if (f === undefined) return false;
        return ctx.config.flowLogRule === "strict" ? sameDestination(f, candidate) : sameConfiguration(f, candidate);
      });
      if (duplicate) {
        unsuccessful.push({
          resourceId,
          code: "FlowLogAlreadyExists",
          message: "Error. There is an existing Flow Log with the same configuration and log destination.",
        });
        continue;
      }
      const id = ctx.newId("fl-");
      state.flowLogs[id] = { ...candidate, id, creationTime: ctx.now().toISOString() };
      push(state.flowLogsByResource, resourceId, id);
      if (Object.keys(tagsOnCreate).length > 0) state.tags[id] = { ...tagsOnCreate };
      flowLogIds.push(id);
    }
    if (clientToken !== undefined && clientToken !== "") state.clientTokens[clientToken] = { flowLogIds, unsuccessful };
    ctx.touch();
    return createFlowLogsResponse(req, clientToken, flowLogIds, unsuccessful);
  };

  const createFlowLogsResponse = (
    req: SandboxRequest,
    clientToken: string | undefined,
    flowLogIds: readonly string[],
    unsuccessful: readonly Unsuccessful[],
  ): SandboxResponse =>
    ec2Response("CreateFlowLogs", req.requestId, {
      clientToken: clientToken || undefined,
      flowLogIdSet: [...flowLogIds],
      unsuccessful: unsuccessful.map((u) => ({
        error: { code: u.code, message: u.message },
        resourceId: u.resourceId,
      })),
    });

  const deleteFlowLogs = (req: SandboxRequest, state: Ec2State, ctx: ServiceContext): SandboxResponse => {
    const ids = flatList(req.form, "FlowLogId");
    if (ids.length === 0) throw missing("FlowLogIds");
    if (ids.length > 1000) throw bad("FlowLogIds: at most 1000 flow logs per request");
    const unsuccessful: XmlValue[] = [];
    for (const id of ids) {
      const f = state.flowLogs[id];
      if (f === undefined) {
        unsuccessful.push({
          error: { code: "InvalidFlowLogId.NotFound", message: `Flow log ID '${id}' does not exist` },
          resourceId: id,
        });
        continue;
      }
      delete state.flowLogs[id];
      delete state.tags[id];
      pull(state.flowLogsByResource, f.resourceId, id);
    }
    ctx.touch();
    return ec2Response("DeleteFlowLogs", req.requestId, { unsuccessful });
  };

  const createTags = (req: SandboxRequest, state: Ec2State, ctx: ServiceContext): SandboxResponse => {
    const resources = flatList(req.form, "ResourceId");
    if (resources.length === 0) throw missing("ResourceIds");
    const tags = tagList(req.form, "Tag");
    if (tags.length === 0) throw missing("Tags");
    for (const t of tags) {
      if (t.key === "" || t.key.length > 127) throw bad(`Tag key '${t.key}' is invalid: 1 to 127 characters`);
      if (t.key.toLowerCase().startsWith("aws:")) throw bad(`Tag keys starting with 'aws:' are reserved for AWS use`);
      if ((t.value ?? "").length > 255) throw bad(`Tag value for key '${t.key}' is too long: at most 255 characters`);
    }
    for (const id of resources) resourceExists(state, id);
    for (const id of resources) {
      const current = { ...(state.tags[id] ?? {}) };
      for (const t of tags) current[t.key] = t.value ?? "";
      if (Object.keys(current).length > 50) {
        throw new ApiError("TagLimitExceeded", `The maximum number of tags (50) for resource ${id} has been reached.`);
      }
    }
    for (const id of resources) {
      const current = state.tags[id] ?? {};
      for (const t of tags) current[t.key] = t.value ?? "";
      state.tags[id] = current;
    }
    ctx.touch();
    return ec2Return("CreateTags", req.requestId);
  };

  const deleteTags = (req: SandboxRequest, state: Ec2State, ctx: ServiceContext): SandboxResponse => {
    const resources = flatList(req.form, "ResourceId");
    if (resources.length === 0) throw missing("ResourceIds");
    const tags = tagList(req.form, "Tag");
    for (const id of resources) resourceExists(state, id);
    for (const id of resources) {
      const current = state.tags[id];
      if (current === undefined) continue;
      if (tags.length === 0) {
        delete state.tags[id];
        continue;
      }
      for (const t of tags) {
        // A value given (even empty) deletes only on match; no value deletes whatever the value.
        if (t.value === undefined || current[t.key] === t.value) delete current[t.key];
      }
      if (Object.keys(current).length === 0) delete state.tags[id];
    }
    ctx.touch();
    return ec2Return("DeleteTags", req.requestId);
  };

  return {
    name: "ec2",
    protocol: "ec2",
    iamPrefix: "ec2",
    throttle: { code: "RequestLimitExceeded", status: 503 },
    operation(req) {
      const action = req.form.get("Action") ?? "";
      if (!OPERATIONS.has(action)) {
        throw new ApiError(
          "InvalidAction",
          `The action ${action || "(none)"} is not valid for this web service (the Cordon sandbox models: ${[...OPERATIONS].join(", ")})`,
        );
      }
      return action;
    },
    handle(operation, req, ctx) {
      if (parseBool(req.form.get("DryRun")) === true) {
        throw new ApiError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412);
      }
      const state = ctx.state<Ec2State>("ec2", req.account, req.region);
      switch (operation) {
        case "DescribeVpcs":
          return describeVpcs(req, state);
        case "DescribeSubnets":
          return describeSubnets(req, state);
        case "DescribeNetworkAcls":
          return describeNetworkAcls(req, state);
        case "CreateNetworkAclEntry":
          return createEntry(req, state, ctx);
        case "ReplaceNetworkAclEntry":
          return replaceEntry(req, state, ctx);
        case "DeleteNetworkAclEntry":
          return deleteEntry(req, state, ctx);
        case "DescribeFlowLogs":
          return describeFlowLogs(req, state, ctx);
        case "CreateFlowLogs":
          return createFlowLogs(req, state, ctx);
        case "DeleteFlowLogs":
          return deleteFlowLogs(req, state, ctx);
        case "CreateTags":
          return createTags(req, state, ctx);
        case "DeleteTags":
          return deleteTags(req, state, ctx);
        default:
          throw new ApiError("InvalidAction", `The action ${operation} is not valid for this web service`);
      }
    },
    errorResponse: (error, req) => ec2Error(error, req.requestId),
    initialState,
    seed(estate, account, region, ctx) {
      seedEc2(ctx.state<Ec2State>("ec2", account, region), estate, account, region, ctx);
    },
  };
}

// Placeholders against which filter names are validated (AWS rejects a bad filter name even with no match).
const placeholderVpc: VpcRecord = {
  id: "",
  ownerId: "",
  cidr: "",
  cidrAssociationId: "",
  dhcpOptionsId: "",
  isDefault: false,
  defaultAclId: "",
};
const placeholderSubnet: SubnetRecord = {
  id: "",
  vpcId: "",
  ownerId: "",
  cidr: "",
  availabilityZone: "",
  availabilityZoneId: "",
  arn: "",
};
const placeholderAcl: AclRecord = { id: "", vpcId: "", ownerId: "", isDefault: false, entries: [], associations: [] };
const placeholderFlowLog: FlowLogRecord = {
  id: "",
  creationTime: "",
  resourceId: "",
  resourceType: "VPC",
  trafficType: "",
  logDestinationType: "s3",
  logDestination: "",
  bucket: "",
  subfolder: "",
  logFormat: "",
  maxAggregationInterval: 600,
  destinationOptions: { fileFormat: "plain-text", hiveCompatiblePartitions: false, perHourPartition: false },
};

function estateEntry(e: EstateNaclEntry): AclEntry {
  const v6 = e.cidr.includes(":");
  const protocol = e.protocol ?? "-1";
  return {
    ruleNumber: e.ruleNumber,
    protocol,
    ruleAction: e.action,
    egress: e.egress,
    ...(v6 ? { ipv6CidrBlock: e.cidr } : { cidrBlock: e.cidr }),
    ...(e.portRange !== undefined && (protocol === "6" || protocol === "17") ? { portRange: e.portRange } : {}),
  };
}

/** Seeds VPCs, their default and custom ACLs and subnets (ids already filled by the estate loader). */
function seedEc2(state: Ec2State, estate: RegionEstate, account: string, region: string, ctx: ServiceContext): void {
  const azIds: Record<string, string> = {};
  for (const v of estate.vpcs ?? []) {
    const vpcId = v.id as string;
    if (state.vpcs[vpcId] !== undefined)
      throw new ApiError("InvalidVpcID.Duplicate", `The vpc ID '${vpcId}' already exists`);
    const ipv6 = v.ipv6Cidr !== undefined;
    const defaultAclId = ctx.newId("acl-");
    state.vpcs[vpcId] = {
      id: vpcId,
      ownerId: account,
      cidr: v.cidr,
      cidrAssociationId: ctx.newId("vpc-cidr-assoc-"),
      ...(ipv6 ? { ipv6Cidr: v.ipv6Cidr as string, ipv6AssociationId: ctx.newId("vpc-cidr-assoc-") } : {}),
      dhcpOptionsId: ctx.newId("dopt-"),
      isDefault: false,
      defaultAclId,
    };
    if (v.tags) state.tags[vpcId] = { ...v.tags };
    const defaultAcl: AclRecord = {
      id: defaultAclId,
      vpcId,
      ownerId: account,
      isDefault: true,
      entries: defaultEntries(true, ipv6),
      associations: [],
    };
    for (const e of v.defaultNetworkAclEntries ?? []) {
      const entry = estateEntry(e);
      defaultAcl.entries = defaultAcl.entries.filter(
        (x) => x.egress !== entry.egress || x.ruleNumber !== entry.ruleNumber,
      );
      defaultAcl.entries.push(entry);
    }
    sortEntries(defaultAcl.entries);
    state.acls[defaultAclId] = defaultAcl;
    push(state.aclsByVpc, vpcId, defaultAclId);
    for (const a of v.networkAcls ?? []) {
      const aclId = a.id as string;
      if (state.acls[aclId] !== undefined) {
        throw new ApiError("InvalidNetworkAclID.Duplicate", `The networkAcl ID '${aclId}' already exists`);
      }
      const entries = [...defaultEntries(false, ipv6), ...(a.entries ?? []).map(estateEntry)];
      sortEntries(entries);
      state.acls[aclId] = { id: aclId, vpcId, ownerId: account, isDefault: false, entries, associations: [] };
      if (a.tags) state.tags[aclId] = { ...a.tags };
      push(state.aclsByVpc, vpcId, aclId);
    }
    for (const s of v.subnets ?? []) {
      const subnetId = s.id as string;
      if (state.subnets[subnetId] !== undefined) {
        throw new ApiError("InvalidSubnetID.Duplicate", `The subnet ID '${subnetId}' already exists`);
      }
      const az = s.availabilityZone ?? `${region}a`;
      azIds[az] ??= `${regionCode(region)}-az${Object.keys(azIds).length + 1}`;
      state.subnets[subnetId] = {
        id: subnetId,
        vpcId,
        ownerId: account,
        cidr: s.cidr,
        ...(s.ipv6Cidr !== undefined
          ? { ipv6Cidr: s.ipv6Cidr, ipv6AssociationId: ctx.newId("subnet-cidr-assoc-") }
          : {}),
        availabilityZone: az,
        availabilityZoneId: azIds[az] as string,
        arn: `arn:aws:ec2:${region}:${account}:subnet/${subnetId}`,
      };
      if (s.tags) state.tags[subnetId] = { ...s.tags };
      push(state.subnetsByVpc, vpcId, subnetId);
      const aclId = s.networkAcl ?? defaultAclId;
      (state.acls[aclId] as AclRecord).associations.push({ id: ctx.newId("aclassoc-"), subnetId });
      state.aclBySubnet[subnetId] = aclId;
    }
  }
}

/** "eu-west-1" → "euw1", the prefix of AWS's zone ids ("euw1-az1"). */
function regionCode(region: string): string {
  const [geo, dir, n] = region.split("-");
  return `${geo ?? ""}${(dir ?? "").charAt(0)}${n ?? ""}`;
}
