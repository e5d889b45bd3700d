// Synthetic VPC flow-log delivery: for every flow log of the sandbox whose delivery would succeed,
// the records of a scenario's traffic over a window of simulated time, written to the flow log's
// S3 destination as AWS's log delivery writes them (docs/aws-behaviour.md, "Flow log files"):
// key layout (default or Hive-compatible, per day or per hour), file name, the flow log's fields
// in order with the header line (gzip plain text) or as Parquet columns, capture windows of the
// flow log's maximum aggregation interval, files per 5-minute delivery slot.
//
// Verdicts: a record is evaluated against the network ACL of its subnet as AWS does (entries of
// its direction in rule-number order, first match wins; outbound matches the destination address,
// inbound the source; protocol and destination port must match too). An entry created or replaced
// through the API counts from its `createdAt` on. WAF rules act on HTTP requests at the load
// balancer, after the TCP connection the flow log records was accepted: they change no verdict.
//
// Deterministic: the same seed and state give byte-identical objects. Nothing comes from the real
// clock: times are the window's, object hashes and addresses derive from the seed and ids.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { ByteWriter, parquetWrite } from "hyparquet-writer";
import { formatIpv4, parseIpv4, parseIpv4Cidr } from "./cidr.js";
import type { AclRecord, Ec2State, FlowLogRecord } from "./services/ec2.js";
import { DEFAULT_LOG_FORMAT, deliveryStatus } from "./services/ec2.js";
import { lookupBucket, storeObject } from "./services/s3.js";
import type { ServiceContext } from "./types.js";

export type TrafficScenario = "steady" | "cats-eyes" | "scale";
export const TRAFFIC_SCENARIOS: readonly TrafficScenario[] = ["steady", "cats-eyes", "scale"];

/** The outside address the cats-eyes instances flood (TEST-NET-3). */
export const FLOOD_TARGET = "203.0.113.66";
/** The outside address that port-scans the cats-eyes public subnet (TEST-NET-1). */
export const SCANNER = "192.0.2.200";

export interface TrafficOptions {
  readonly scenario: TrafficScenario;
  /** Default 1. */
  readonly seed?: number;
}

export interface DeliveredObject {
  readonly bucket: string;
  readonly key: string;
  readonly flowLogId: string;
  readonly records: number;
  readonly bytes: number;
}

export interface DeliveryReport {
  readonly objects: DeliveredObject[];
  readonly records: number;
}

/** Receives each file instead of the bucket (benchmarks); the default stores it in the sandbox's S3. */
export type DeliverySink = (file: DeliveredObject & { readonly data: Buffer; readonly lastModified: number }) => void;

/** Parquet physical type of each field (VPC User Guide, "Flow log records"), and its version. */
const FIELDS: Readonly<Record<string, { readonly version: number; readonly type: "INT32" | "INT64" | "STRING" }>> = {
  version: { version: 2, type: "INT32" },
  "account-id": { version: 2, type: "STRING" },
  "interface-id": { version: 2, type: "STRING" },
  srcaddr: { version: 2, type: "STRING" },
  dstaddr: { version: 2, type: "STRING" },
  srcport: { version: 2, type: "INT32" },
  dstport: { version: 2, type: "INT32" },
  protocol: { version: 2, type: "INT32" },
  packets: { version: 2, type: "INT64" },
  bytes: { version: 2, type: "INT64" },
  start: { version: 2, type: "INT64" },
  end: { version: 2, type: "INT64" },
  action: { version: 2, type: "STRING" },
  "log-status": { version: 2, type: "STRING" },
  "vpc-id": { version: 3, type: "STRING" },
  "subnet-id": { version: 3, type: "STRING" },
  "instance-id": { version: 3, type: "STRING" },
  "tcp-flags": { version: 3, type: "INT32" },
  type: { version: 3, type: "STRING" },
  "pkt-srcaddr": { version: 3, type: "STRING" },
  "pkt-dstaddr": { version: 3, type: "STRING" },
  region: { version: 4, type: "STRING" },
  "az-id": { version: 4, type: "STRING" },
  "sublocation-type": { version: 4, type: "STRING" },
  "sublocation-id": { version: 4, type: "STRING" },
  "pkt-src-aws-service": { version: 5, type: "STRING" },
  "pkt-dst-aws-service": { version: 5, type: "STRING" },
  "flow-direction": { version: 5, type: "STRING" },
  "traffic-path": { version: 5, type: "INT32" },
};

/** The fields of a LogFormat (`${a} ${b}`), in order. */
export function logFormatFields(format: string): string[] {
  return [...format.matchAll(/\$\{([a-z0-9-]+)\}/g)].map((m) => m[1] as string);
}

/** The value of `version` in a record: the highest version among the format's fields (2 at least). */
export function recordVersion(fields: readonly string[]): number {
  return Math.max(2, ...fields.map((f) => FIELDS[f]?.version ?? 2));
}

/** The Parquet type of a field: the table's, STRING for fields the sandbox does not know. */
export function parquetType(field: string): "INT32" | "INT64" | "STRING" {
  return FIELDS[field]?.type ?? "STRING";
}

// ---- deterministic randomness ------------------------------------------------------------------

/** 32-bit FNV-1a of a string, mixed with a seed. */
function hash32(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32: a small seeded PRNG; `int(a, b)` is uniform in [a, b]. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1)) };
}

const hexId = (seed: number, text: string, length: number): string =>
  createHash("sha256").update(`${seed}:${text}`).digest("hex").slice(0, length);

// ---- the estate's network interfaces -----------------------------------------------------------

interface Eni {
  readonly id: string;
  readonly instanceId: string;
  readonly ip: string;
  readonly account: string;
  readonly region: string;
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly subnetId: string;
  readonly azId: string;
  readonly acl: CompiledAcl | undefined;
  readonly tier: string;
  readonly production: boolean;
}

/** Parsed addresses (the scenarios use a small set of them over and over). */
let addresses = new Map<string, number | null>();
function address(text: string): number | null {
  let n = addresses.get(text);
  if (n === undefined) {
    n = parseIpv4(text);
    addresses.set(text, n);
  }
  return n;
}

/** Compiled ACLs, per ACL record object (a delivery reads the state as it is at its start). */
let compiledAcls = new WeakMap<AclRecord, CompiledAcl>();
function compiled(acl: AclRecord): CompiledAcl {
  let c = compiledAcls.get(acl);
  if (c === undefined) {
    c = compileAcl(acl);
    compiledAcls.set(acl, c);
  }
  return c;
}

/** Interfaces per subnet: a few instances, or many at scale. */
const enisPerSubnet = (scenario: TrafficScenario): number => (scenario === "scale" ? 48 : 3);

/** The synthetic interfaces of one subnet: addresses from .10 up, ids derived from the seed. */
function subnetEnis(
  state: Ec2State,
  subnetId: string,
  account: string,
  region: string,
  options: Required<TrafficOptions>,
): Eni[] {
  const subnet = state.subnets[subnetId];
  if (subnet === undefined) return [];
  const vpc = state.vpcs[subnet.vpcId];
  const cidr = parseIpv4Cidr(subnet.cidr);
  if (vpc === undefined || cidr === null) return [];
  const tags = state.tags[subnetId] ?? {};
  const vpcTags = state.tags[vpc.id] ?? {};
  const size = 2 ** (32 - cidr.prefix);
  const count = Math.max(0, Math.min(enisPerSubnet(options.scenario), size - 15));
  const aclId = state.aclBySubnet[subnetId];
  const out: Eni[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      id: `eni-${hexId(options.seed, `${subnetId}/${i}`, 17)}`,
      instanceId: `i-${hexId(options.seed, `instance/${subnetId}/${i}`, 17)}`,
      ip: formatIpv4((cidr.network + 10 + i) >>> 0),
      account,
      region,
      vpcId: vpc.id,
      vpcCidr: vpc.cidr,
      subnetId,
      azId: subnet.availabilityZoneId,
      acl: aclId === undefined || state.acls[aclId] === undefined ? undefined : compiled(state.acls[aclId]),
      tier: tags.tier ?? (/public/i.test(tags.Name ?? "") ? "public" : "private"),
      production: vpcTags.Name === "production" || vpcTags.env === "production",
    });
  }
  return out;
}

function flowLogEnis(state: Ec2State, f: FlowLogRecord, account: string, region: string, o: Required<TrafficOptions>) {
  const subnets = f.resourceType === "VPC" ? (state.subnetsByVpc[f.resourceId] ?? []) : [f.resourceId];
  return subnets.flatMap((s) => subnetEnis(state, s, account, region, o));
}

// ---- flows and verdicts ------------------------------------------------------------------------

interface Flow {
  readonly eni: Eni;
  readonly direction: "ingress" | "egress";
  readonly srcaddr: string;
  readonly dstaddr: string;
  readonly srcport: number;
  readonly dstport: number;
  readonly protocol: number;
  readonly packets: number;
  readonly bytes: number;
  readonly tcpFlags: number;
}

const TCP = 6;
const UDP = 17;
/** Outside services instances talk to (TEST-NET-2) and clients of the public tier (TEST-NET-1). */
const SERVICES = Array.from({ length: 16 }, (_, i) => `198.51.100.${10 + i}`);
const CLIENTS = Array.from({ length: 64 }, (_, i) => `192.0.2.${20 + i}`);

/** An entry ready for matching: its network and mask as numbers. */
interface CompiledEntry {
  readonly allow: boolean;
  readonly network: number;
  readonly mask: number;
  /** -1 = every protocol. */
  readonly protocol: number;
  readonly from: number;
  readonly to: number;
  /** Epoch ms from which it applies (0 = always). */
  readonly since: number;
}

/** An ACL's IPv4 entries per direction, in rule-number order. */
export type CompiledAcl = { readonly ingress: CompiledEntry[]; readonly egress: CompiledEntry[] };

export function compileAcl(acl: AclRecord): CompiledAcl {
  const out: CompiledAcl = { ingress: [], egress: [] };
  for (const e of [...acl.entries].sort((a, b) => a.ruleNumber - b.ruleNumber)) {
    const c = e.cidrBlock === undefined ? null : parseIpv4Cidr(e.cidrBlock);
    if (c === null) continue;
    out[e.egress ? "egress" : "ingress"].push({
      allow: e.ruleAction === "allow",
      network: c.network,
      mask: c.prefix === 0 ? 0 : (0xffffffff << (32 - c.prefix)) >>> 0,
      protocol: Number(e.protocol),
      from: e.portRange?.from ?? 0,
      to: e.portRange?.to ?? 65535,
      since: e.createdAt ?? 0,
    });
  }
  return out;
}

/**
 * The network ACL's verdict on a flow at `at` (epoch ms): entries of the flow's direction in
 * rule-number order, the first that matches (address, protocol, destination port for TCP/UDP, and
 * existing at `at`) decides; no ACL = ACCEPT, no matching entry = REJECT.
 */
export function naclVerdict(
  acl: CompiledAcl | undefined,
  direction: "ingress" | "egress",
  remoteAddr: string,
  protocol: number,
  dstport: number,
  at: number,
): "ACCEPT" | "REJECT" {
  if (acl === undefined) return "ACCEPT";
  const remote = address(remoteAddr);
  if (remote === null) return "ACCEPT";
  const ported = protocol === TCP || protocol === UDP;
  for (const e of acl[direction]) {
    if (e.since > at) continue;
    if (e.protocol !== -1 && e.protocol !== protocol) continue;
    if (ported && (dstport < e.from || dstport > e.to)) continue;
    if ((remote & e.mask) >>> 0 !== e.network) continue;
    return e.allow ? "ACCEPT" : "REJECT";
  }
  return "REJECT";
}

/** The flows of one interface in one capture window (`window` = its index since the epoch). */
function flowsOf(eni: Eni, peers: readonly Eni[], window: number, o: Required<TrafficOptions>): Flow[] {
  const r = rng(hash32(`${eni.id}/${window}`, o.seed));
  const flows: Flow[] = [];
  const ephemeral = () => r.int(32768, 60999);
  const resolver = formatIpv4(((parseIpv4Cidr(eni.vpcCidr)?.network ?? 0) + 2) >>> 0);
  const rounds = o.scenario === "scale" ? 12 : 1;
  for (let k = 0; k < rounds; k++) {
    // HTTPS to an outside service.
    const packets = r.int(8, 400);
    flows.push({
      eni,
      direction: "egress",
      srcaddr: eni.ip,
      dstaddr: SERVICES[r.int(0, SERVICES.length - 1)] as string,
      srcport: ephemeral(),
      dstport: 443,
      protocol: TCP,
      packets,
      bytes: packets * r.int(60, 1400),
      tcpFlags: 3,
    });
    // DNS to the VPC resolver.
    const q = r.int(1, 6);
    flows.push({
      eni,
      direction: "egress",
      srcaddr: eni.ip,
      dstaddr: resolver,
      srcport: ephemeral(),
      dstport: 53,
      protocol: UDP,
      packets: q,
      bytes: q * r.int(60, 120),
      tcpFlags: 0,
    });
    // A peer of the VPC calls this interface's service.
    const peer = peers[r.int(0, peers.length - 1)];
    if (peer !== undefined && peer.id !== eni.id) {
      const p = r.int(4, 120);
      flows.push({
        eni,
        direction: "ingress",
        srcaddr: peer.ip,
        dstaddr: eni.ip,
        srcport: ephemeral(),
        dstport: eni.tier === "data" ? 5432 : 8080,
        protocol: TCP,
        packets: p,
        bytes: p * r.int(60, 900),
        tcpFlags: 19,
      });
    }
    // Clients of the public tier.
    if (eni.tier === "public") {
      const p = r.int(6, 200);
      flows.push({
        eni,
        direction: "ingress",
        srcaddr: CLIENTS[r.int(0, CLIENTS.length - 1)] as string,
        dstaddr: eni.ip,
        srcport: ephemeral(),
        dstport: 443,
        protocol: TCP,
        packets: p,
        bytes: p * r.int(60, 1200),
        tcpFlags: 19,
      });
    }
  }
  if (o.scenario === "cats-eyes" && eni.production) {
    // The flood: every production instance sends UDP to one outside address.
    for (let k = 0; k < 3; k++) {
      const p = r.int(20_000, 60_000);
      flows.push({
        eni,
        direction: "egress",
        srcaddr: eni.ip,
        dstaddr: FLOOD_TARGET,
        srcport: ephemeral(),
        dstport: 80,
        protocol: UDP,
        packets: p,
        bytes: p * r.int(1000, 1400),
        tcpFlags: 0,
      });
    }
    // The scan: SYNs from one outside address to 16 successive ports per window.
    if (eni.tier === "public") {
      for (let k = 0; k < 16; k++) {
        flows.push({
          eni,
          direction: "ingress",
          srcaddr: SCANNER,
          dstaddr: eni.ip,
          srcport: r.int(40000, 65000),
          dstport: ((window * 16 + k) % 1024) + 1,
          protocol: TCP,
          packets: 1,
          bytes: 44,
          tcpFlags: 2,
        });
      }
    }
  }
  return flows;
}

// ---- records and files -------------------------------------------------------------------------

type Value = string | number | null;

function fieldValue(field: string, flow: Flow, start: number, end: number, action: string, version: number): Value {
  const f = flow;
  switch (field) {
    case "version":
      return version;
    case "account-id":
      return f.eni.account;
    case "interface-id":
      return f.eni.id;
    case "srcaddr":
    case "pkt-srcaddr":
      return f.srcaddr;
    case "dstaddr":
    case "pkt-dstaddr":
      return f.dstaddr;
    case "srcport":
      return f.srcport;
    case "dstport":
      return f.dstport;
    case "protocol":
      return f.protocol;
    case "packets":
      return f.packets;
    case "bytes":
      return f.bytes;
    case "start":
      return start;
    case "end":
      return end;
    case "action":
      return action;
    case "log-status":
      return "OK";
    case "vpc-id":
      return f.eni.vpcId;
    case "subnet-id":
      return f.eni.subnetId;
    case "instance-id":
      return f.eni.instanceId;
    case "tcp-flags":
      return f.protocol === TCP ? f.tcpFlags : 0;
    case "type":
      return "IPv4";
    case "region":
      return f.eni.region;
    case "az-id":
      return f.eni.azId;
    case "flow-direction":
      return f.direction;
    case "traffic-path": {
      // Egress only: 1 = within the VPC, 8 = through an internet gateway (Nitro).
      if (f.direction !== "egress") return null;
      const c = parseIpv4Cidr(f.eni.vpcCidr);
      const d = address(f.dstaddr);
      if (c === null || d === null) return null;
      const mask = c.prefix === 0 ? 0 : (0xffffffff << (32 - c.prefix)) >>> 0;
      return (d & mask) >>> 0 === c.network ? 1 : 8;
    }
    default:
      return null;
  }
}

const pad2 = (n: number): string => String(n).padStart(2, "0");

/** The key of the file of delivery slot `slot` (epoch seconds, a multiple of 300). */
export function deliveryKey(f: FlowLogRecord, account: string, region: string, slot: number, seed: number): string {
  const t = new Date(slot * 1000);
  const [y, mo, d, h, mi] = [
    t.getUTCFullYear(),
    pad2(t.getUTCMonth() + 1),
    pad2(t.getUTCDate()),
    pad2(t.getUTCHours()),
    pad2(t.getUTCMinutes()),
  ];
  const hourly = f.destinationOptions.perHourPartition;
  const prefix = f.destinationOptions.hiveCompatiblePartitions
    ? `AWSLogs/aws-account-id=${account}/aws-service=vpcflowlogs/aws-region=${region}/year=${y}/month=${mo}/day=${d}/${hourly ? `hour=${h}/` : ""}`
    : `AWSLogs/${account}/vpcflowlogs/${region}/${y}/${mo}/${d}/${hourly ? `${h}/` : ""}`;
  const suffix = f.destinationOptions.fileFormat === "parquet" ? "log.parquet" : "log.gz";
  const hash = hexId(seed, `${f.id}/${slot}`, 8);
  return `${f.subfolder}${prefix}${account}_vpcflowlogs_${region}_${f.id}_${y}${mo}${d}T${h}${mi}Z_${hash}.${suffix}`;
}

/** Gzip level: zlib's default, or its fastest for the `scale` scenario (benchmarks want records fast). */
const gzipLevel = (scenario: TrafficScenario): number => (scenario === "scale" ? 1 : 6);

/** One file's bytes: gzip text with the header line, or Parquet (GZIP pages) with one column per field. */
function encodeFile(fields: readonly string[], rows: readonly Value[][], parquet: boolean, level: number): Buffer {
  if (!parquet) {
    const lines = [fields.join(" ")];
    for (const row of rows) lines.push(row.map((v) => (v === null ? "-" : String(v))).join(" "));
    return gzipSync(`${lines.join("\n")}\n`, { level });
  }
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    codec: "GZIP",
    compressors: { GZIP: (input: Uint8Array): Uint8Array => gzipSync(input, { level }) },
    createdBy: "cordon-sandbox",
    columnData: fields.map((name, i) => {
      const type = parquetType(name);
      const data = rows.map((r) => {
        const v = r[i] ?? null;
        if (v === null) return null;
        return type === "INT64" ? BigInt(v) : type === "INT32" ? Number(v) : String(v);
      });
      return { name: name.replace(/-/g, "_"), data, type };
    }),
  });
  return Buffer.from(writer.getBuffer());
}

/**
 * Delivers the traffic of [from, to) (epoch ms) for every flow log whose delivery succeeds: one
 * capture window of the flow log's aggregation interval after another (whole windows inside the
 * range), records grouped into files by the 5-minute slot their capture ends in.
 */
export function deliverTraffic(
  ctx: ServiceContext,
  scopes: readonly { account: string; region: string }[],
  options: TrafficOptions,
  from: number,
  to: number,
  sink?: DeliverySink,
): DeliveryReport {
  const o: Required<TrafficOptions> = { scenario: options.scenario, seed: options.seed ?? 1 };
  compiledAcls = new WeakMap();
  addresses = new Map();
  const objects: DeliveredObject[] = [];
  let total = 0;
  const sorted = [...scopes].sort((a, b) => `${a.account}/${a.region}`.localeCompare(`${b.account}/${b.region}`));
  for (const { account, region } of sorted) {
    const state = ctx.state<Ec2State>("ec2", account, region);
    for (const f of Object.values(state.flowLogs).sort((a, b) => a.id.localeCompare(b.id))) {
      if (deliveryStatus(ctx, lookupBucket, f, account, region).status !== "SUCCESS") continue;
      const fields = logFormatFields(f.logFormat || DEFAULT_LOG_FORMAT);
      const version = recordVersion(fields);
      const enis = flowLogEnis(state, f, account, region, o);
      const byVpc = new Map<string, Eni[]>();
      for (const e of enis) byVpc.set(e.vpcId, [...(byVpc.get(e.vpcId) ?? []), e]);
      const interval = f.maxAggregationInterval === 60 ? 60 : 600;
      const first = Math.ceil(from / 1000 / interval);
      const last = Math.floor(to / 1000 / interval);
      const slots = new Map<number, Value[][]>();
      // Files are written as soon as no later capture window can add to them: memory stays flat
      // over days of traffic.
      const flush = (before: number): void => {
        for (const slot of [...slots.keys()].sort((a, b) => a - b)) {
          if (slot >= before) continue;
          const rows = slots.get(slot) as Value[][];
          slots.delete(slot);
          const data = encodeFile(fields, rows, f.destinationOptions.fileFormat === "parquet", gzipLevel(o.scenario));
          const key = deliveryKey(f, account, region, slot, o.seed);
          const file = { bucket: f.bucket, key, flowLogId: f.id, records: rows.length, bytes: data.length };
          // Delivered a little after the slot closes (AWS: about 10 minutes later, best effort).
          const lastModified = (slot + 300 + 60) * 1000;
          if (sink !== undefined) sink({ ...file, data, lastModified });
          else storeObject(ctx, f.bucket, key, data, contentTypeOf(f), lastModified);
          objects.push(file);
          total += rows.length;
        }
      };
      for (let w = first; w < last; w++) {
        const windowStart = w * interval;
        for (const eni of enis) {
          const r = rng(hash32(`${eni.id}/${w}/times`, o.seed));
          for (const flow of flowsOf(eni, byVpc.get(eni.vpcId) ?? [], w, o)) {
            const start = windowStart + r.int(0, Math.min(interval - 2, 50));
            const end = Math.min(windowStart + interval, start + r.int(1, interval - 1));
            const remote = flow.direction === "egress" ? flow.dstaddr : flow.srcaddr;
            const action = naclVerdict(eni.acl, flow.direction, remote, flow.protocol, flow.dstport, start * 1000);
            if (f.trafficType !== "ALL" && f.trafficType !== action) continue;
            const slot = Math.floor((end - 1) / 300) * 300;
            let rows = slots.get(slot);
            if (rows === undefined) {
              rows = [];
              slots.set(slot, rows);
            }
            rows.push(fields.map((name) => fieldValue(name, flow, start, end, action, version)));
          }
        }
        flush((w + 1) * interval);
      }
      flush(Number.POSITIVE_INFINITY);
    }
  }
  return { objects, records: total };
}

const contentTypeOf = (f: FlowLogRecord): string =>
  f.destinationOptions.fileFormat === "parquet" ? "application/octet-stream" : "application/x-gzip";
