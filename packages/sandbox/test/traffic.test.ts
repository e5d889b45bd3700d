// Synthetic flow-log delivery (src/traffic.ts): files in AWS's layout and format, read back with
// gunzip or a Parquet reader and checked against the flow log's declared fields, options and
// aggregation interval; verdicts from network ACL entries added through the EC2 API; determinism.
import { gunzipSync } from "node:zlib";
import {
  CreateFlowLogsCommand,
  type CreateFlowLogsCommandInput,
  CreateNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
} from "@aws-sdk/client-ec2";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
} from "@aws-sdk/client-s3";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { afterEach, describe, expect, it } from "vitest";
import type { SandboxHandle, SandboxOptions } from "../src/server.js";
import { startSandbox } from "../src/server.js";
import { FLOOD_TARGET, SCANNER } from "../src/traffic.js";
import { ACCOUNT, clients, REGION } from "./helpers.js";
import { s3Client } from "./sdk-helpers.js";

const ESTATE = "examples/cats-eyes/estate.yaml";
const PROD = "vpc-0c47e5a1f3d2b0001";
const BUCKET = "traffic-flow-logs";
const DEFAULT_FIELDS =
  "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status".split(
    " ",
  );
const HOUR = "2026-12-05T10:00:00Z";
/** A LogFormat of these fields (`${field}` tokens). */
const logFormat = (...fields: string[]): string => fields.map((f) => `\${${f}}`).join(" ");
const HOUR_END = "2026-12-05T11:00:00Z";

const open: SandboxHandle[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.stop()));
});

async function sandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const sb = await startSandbox({ seed: ESTATE, traffic: "cats-eyes", clock: "2026-12-05T09:00:00Z", ...options });
  open.push(sb);
  const s3 = s3Client(sb.url);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }));
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: BUCKET,
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AWSLogDeliveryWrite",
            Effect: "Allow",
            Principal: { Service: "delivery.logs.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `arn:aws:s3:::${BUCKET}/*`,
          },
        ],
      }),
    }),
  );
  return sb;
}

async function flowLog(sb: SandboxHandle, extra: Partial<CreateFlowLogsCommandInput> = {}): Promise<string> {
  const out = await clients(sb, { accessKeyId: ACCOUNT }).ec2.send(
    new CreateFlowLogsCommand({
      ResourceIds: [PROD],
      ResourceType: "VPC",
      TrafficType: "ALL",
      LogDestinationType: "s3",
      LogDestination: `arn:aws:s3:::${BUCKET}/flow/`,
      ...extra,
    }),
  );
  expect(out.Unsuccessful ?? []).toEqual([]);
  return out.FlowLogIds?.[0] as string;
}

async function objects(sb: SandboxHandle): Promise<Map<string, Buffer>> {
  const s3 = s3Client(sb.url);
  const list = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 1000 }));
  const out = new Map<string, Buffer>();
  for (const o of list.Contents ?? []) {
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key }));
    out.set(
      o.Key as string,
      Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()),
    );
  }
  return out;
}

/** A text file's header and rows (fields by name). */
function readText(data: Buffer): { header: string[]; rows: Record<string, string>[] } {
  const lines = gunzipSync(data).toString("utf8").trimEnd().split("\n");
  const header = (lines[0] as string).split(" ");
  const rows = lines.slice(1).map((l) => {
    const values = l.split(" ");
    expect(values).toHaveLength(header.length);
    return Object.fromEntries(header.map((h, i) => [h, values[i] as string]));
  });
  return { header, rows };
}

const gunzipPage = (input: Uint8Array): Uint8Array => gunzipSync(input);

async function readParquet(data: Buffer): Promise<{ columns: string[]; rows: Record<string, unknown>[] }> {
  const file = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  const meta = parquetMetadata(file);
  const columns = meta.schema.slice(1).map((s) => s.name);
  const rows = (await parquetReadObjects({ file, compressors: { GZIP: gunzipPage } })) as Record<string, unknown>[];
  return { columns, rows };
}

/** The slot (epoch s) in a file name: {yyyyMMdd}T{HHmm}Z. */
function slotOf(key: string): number {
  const m = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[0-9a-f]{8}\.log\.(gz|parquet)$/.exec(key);
  expect(m, key).not.toBeNull();
  const [, y, mo, d, h, mi] = m as unknown as string[];
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi)) / 1000;
}

describe("flow-log files", () => {
  it("writes gzip text in the default layout: header, the 14 default fields, 10-minute capture windows, 5-minute files", async () => {
    const sb = await sandbox();
    const id = await flowLog(sb);
    const report = sb.control.deliverTraffic({ from: HOUR, to: HOUR_END });
    const files = await objects(sb);
    expect(files.size).toBe(report.objects.length);
    expect(files.size).toBeGreaterThan(0);
    const start = Date.parse(HOUR) / 1000;
    let records = 0;
    for (const [key, data] of files) {
      expect(key).toMatch(
        new RegExp(
          `^flow/AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/2026/12/05/${ACCOUNT}_vpcflowlogs_${REGION}_${id}_20261205T10[0-5][05]Z_[0-9a-f]{8}\\.log\\.gz$`,
        ),
      );
      const slot = slotOf(key);
      const { header, rows } = readText(data);
      expect(header).toEqual(DEFAULT_FIELDS);
      for (const r of rows) {
        expect(r.version).toBe("2");
        expect(r["account-id"]).toBe(ACCOUNT);
        expect(r["interface-id"]).toMatch(/^eni-[0-9a-f]{17}$/);
        expect(["6", "17"]).toContain(r.protocol);
        expect(["ACCEPT", "REJECT"]).toContain(r.action);
        expect(r["log-status"]).toBe("OK");
        const [s, e] = [Number(r.start), Number(r.end)];
        // Inside one 600-second capture window of the hour, and in the file of the slot it ends in.
        expect(e).toBeGreaterThan(s);
        expect(Math.floor(s / 600)).toBe(Math.floor((e - 1) / 600));
        expect(s).toBeGreaterThanOrEqual(start);
        expect(e).toBeLessThanOrEqual(start + 3600);
        expect(e - 1 - slot).toBeGreaterThanOrEqual(0);
        expect(e - 1 - slot).toBeLessThan(300);
      }
      records += rows.length;
    }
    expect(records).toBe(report.records);
  });

  it("writes Parquet with a custom format's fields and types, Hive-compatible per-hour keys and 1-minute windows", async () => {
    const sb = await sandbox();
    const format = logFormat(
      "flow-direction",
      "srcaddr",
      "dstaddr",
      "dstport",
      "protocol",
      "packets",
      "bytes",
      "start",
      "end",
      "action",
      "vpc-id",
      "version",
      "traffic-path",
    );
    const id = await flowLog(sb, {
      LogFormat: format,
      MaxAggregationInterval: 60,
      DestinationOptions: { FileFormat: "parquet", HiveCompatiblePartitions: true, PerHourPartition: true },
    });
    sb.control.deliverTraffic({ from: HOUR, to: "2026-12-05T10:15:00Z" });
    const files = await objects(sb);
    expect(files.size).toBe(3);
    const fields = [...format.matchAll(/\$\{([a-z-]+)\}/g)].map((m) => (m[1] as string).replace(/-/g, "_"));
    for (const [key, data] of files) {
      expect(key).toMatch(
        new RegExp(
          `^flow/AWSLogs/aws-account-id=${ACCOUNT}/aws-service=vpcflowlogs/aws-region=${REGION}/year=2026/month=12/day=05/hour=10/${ACCOUNT}_vpcflowlogs_${REGION}_${id}_20261205T10(00|05|10)Z_[0-9a-f]{8}\\.log\\.parquet$`,
        ),
      );
      expect(data.subarray(0, 4).toString()).toBe("PAR1");
      const meta = parquetMetadata(
        data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
      );
      const types = Object.fromEntries(meta.schema.slice(1).map((s) => [s.name, s.type]));
      expect(types).toMatchObject({
        version: "INT32",
        dstport: "INT32",
        protocol: "INT32",
        packets: "INT64",
        bytes: "INT64",
        start: "INT64",
        end: "INT64",
        srcaddr: "BYTE_ARRAY",
        traffic_path: "INT32",
      });
      expect(meta.row_groups[0]?.columns[0]?.meta_data?.codec).toBe("GZIP");
      const { columns, rows } = await readParquet(data);
      expect(columns).toEqual(fields);
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) {
        expect(r.version).toBe(5); // flow-direction and traffic-path are version-5 fields
        expect(r.vpc_id).toBe(PROD);
        const [s, e] = [Number(r.start), Number(r.end)];
        expect(Math.floor(s / 60)).toBe(Math.floor((e - 1) / 60));
        expect(["ingress", "egress"]).toContain(r.flow_direction);
        if (r.flow_direction === "ingress") expect(r.traffic_path).toBeNull();
        else expect([1, 8]).toContain(r.traffic_path);
      }
    }
  });

  it("writes per-hour default-layout keys and only the records of the flow log's traffic type", async () => {
    const sb = await sandbox();
    await flowLog(sb, { TrafficType: "ACCEPT", DestinationOptions: { PerHourPartition: true } });
    sb.control.deliverTraffic({ from: HOUR, to: "2026-12-05T10:10:00Z" });
    const files = await objects(sb);
    expect(files.size).toBeGreaterThan(0);
    for (const [key, data] of files) {
      expect(key).toMatch(new RegExp(`^flow/AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/2026/12/05/10/`));
      expect(new Set(readText(data).rows.map((r) => r.action))).toEqual(new Set(["ACCEPT"]));
    }
  });

  it("delivers nothing for a flow log whose bucket policy does not let log delivery write", async () => {
    const sb = await sandbox();
    await s3Client(sb.url).send(
      new CreateBucketCommand({
        Bucket: "no-policy-bucket",
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
    );
    await flowLog(sb, { LogDestination: "arn:aws:s3:::no-policy-bucket" });
    const report = sb.control.deliverTraffic({ from: HOUR, to: HOUR_END });
    expect(report.objects.filter((o) => o.bucket === "no-policy-bucket")).toEqual([]);
  });
});

describe("scenarios", () => {
  const rowsOf = async (sb: SandboxHandle) => [...(await objects(sb)).values()].flatMap((d) => readText(d).rows);

  it("cats-eyes: production instances flood 203.0.113.66 over UDP and an outside address scans the public subnet", async () => {
    const sb = await sandbox({ traffic: "cats-eyes" });
    await flowLog(sb, {
      LogFormat: logFormat(
        "vpc-id",
        "subnet-id",
        "srcaddr",
        "dstaddr",
        "dstport",
        "protocol",
        "packets",
        "tcp-flags",
        "flow-direction",
        "action",
      ),
    });
    sb.control.deliverTraffic({ from: HOUR, to: HOUR_END });
    const rows = await rowsOf(sb);
    const flood = rows.filter((r) => r.dstaddr === FLOOD_TARGET);
    expect(flood.length).toBeGreaterThan(0);
    for (const r of flood) {
      expect(r.protocol).toBe("17");
      expect(r["flow-direction"]).toBe("egress");
      expect(Number(r.packets)).toBeGreaterThanOrEqual(20_000);
    }
    // Every production subnet's instances take part.
    expect(new Set(flood.map((r) => r["subnet-id"])).size).toBe(3);
    const scan = rows.filter((r) => r.srcaddr === SCANNER);
    expect(new Set(scan.map((r) => r.dstport)).size).toBeGreaterThanOrEqual(64);
    for (const r of scan) {
      expect(r.protocol).toBe("6");
      expect(r["tcp-flags"]).toBe("2");
      expect(r["subnet-id"]).toBe("subnet-0c47e5a1f3d2b0101");
    }
  });

  it("steady: background traffic only, no flood and no scan", async () => {
    const sb = await sandbox({ traffic: "steady" });
    await flowLog(sb);
    sb.control.deliverTraffic({ from: HOUR, to: HOUR_END });
    const rows = await rowsOf(sb);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.dstaddr === FLOOD_TARGET || r.srcaddr === SCANNER)).toEqual([]);
    expect(rows.some((r) => r.dstport === "53" && r.protocol === "17")).toBe(true);
    expect(rows.some((r) => r.dstport === "443" && r.protocol === "6")).toBe(true);
  });

  it("rejects a scenario it does not know, and a window that ends before it starts", async () => {
    const sb = await sandbox();
    expect(() => sb.control.deliverTraffic({ from: HOUR, to: HOUR_END, scenario: "storm" as never })).toThrow(
      /scenario must be one of steady, cats-eyes, scale/,
    );
    expect(() => sb.control.deliverTraffic({ from: HOUR_END, to: HOUR })).toThrow(/to must be after from/);
    const res = await fetch(`${sb.url}/_sandbox/traffic`, {
      method: "POST",
      body: JSON.stringify({ from: "soon", to: HOUR }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/from must be a time/);
  });
});

describe("verdicts", () => {
  const FLOW = logFormat("srcaddr", "dstaddr", "start", "action");

  async function productionAcl(sb: SandboxHandle): Promise<string> {
    const acls = await clients(sb).ec2.send(
      new DescribeNetworkAclsCommand({ Filters: [{ Name: "vpc-id", Values: [PROD] }] }),
    );
    return acls.NetworkAcls?.[0]?.NetworkAclId as string;
  }

  async function addEntry(
    sb: SandboxHandle,
    acl: string,
    ruleNumber: number,
    action: "allow" | "deny",
    egress: boolean,
    cidr: string,
  ) {
    await clients(sb).ec2.send(
      new CreateNetworkAclEntryCommand({
        NetworkAclId: acl,
        RuleNumber: ruleNumber,
        Protocol: "-1",
        RuleAction: action,
        Egress: egress,
        CidrBlock: cidr,
      }),
    );
  }

  const verdicts = (files: Map<string, Buffer>, match: (r: Record<string, string>) => boolean) =>
    [...files.values()].flatMap((d) => readText(d).rows.filter(match));

  it("a deny entry added through the EC2 API turns the flood to REJECT from the moment it exists, and only the flood", async () => {
    const sb = await sandbox();
    await flowLog(sb, { LogFormat: FLOW });
    const acl = await productionAcl(sb);
    sb.control.setClock("2026-12-05T10:30:00Z");
    await addEntry(sb, acl, 50, "deny", true, `${FLOOD_TARGET}/32`);
    sb.control.deliverTraffic({ from: HOUR, to: HOUR_END });
    const files = await objects(sb);
    const flood = verdicts(files, (r) => r.dstaddr === FLOOD_TARGET);
    const cut = Date.parse("2026-12-05T10:30:00Z") / 1000;
    const before = flood.filter((r) => Number(r.start) < cut);
    const after = flood.filter((r) => Number(r.start) >= cut);
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(before.map((r) => r.action))).toEqual(new Set(["ACCEPT"]));
    expect(new Set(after.map((r) => r.action))).toEqual(new Set(["REJECT"]));
    const others = verdicts(files, (r) => r.dstaddr !== FLOOD_TARGET);
    expect(new Set(others.map((r) => r.action))).toEqual(new Set(["ACCEPT"]));
  });

  it("evaluates entries in rule-number order (a lower allow wins over a deny) and inbound entries by source", async () => {
    const sb = await sandbox();
    await flowLog(sb, { LogFormat: FLOW });
    const acl = await productionAcl(sb);
    await addEntry(sb, acl, 40, "allow", true, `${FLOOD_TARGET}/32`);
    await addEntry(sb, acl, 50, "deny", true, "203.0.113.0/24");
    await addEntry(sb, acl, 60, "deny", false, `${SCANNER}/32`);
    sb.control.deliverTraffic({ from: HOUR, to: "2026-12-05T10:20:00Z" });
    const files = await objects(sb);
    const flood = verdicts(files, (r) => r.dstaddr === FLOOD_TARGET);
    expect(flood.length).toBeGreaterThan(0);
    expect(new Set(flood.map((r) => r.action))).toEqual(new Set(["ACCEPT"]));
    const scan = verdicts(files, (r) => r.srcaddr === SCANNER);
    expect(scan.length).toBeGreaterThan(0);
    expect(new Set(scan.map((r) => r.action))).toEqual(new Set(["REJECT"]));
  });
});

describe("determinism", () => {
  it("the same seed and state give byte-identical objects; another seed does not", async () => {
    const a = await sandbox();
    await flowLog(a, { DestinationOptions: { FileFormat: "parquet" } });
    await flowLog(a, { LogDestination: `arn:aws:s3:::${BUCKET}/text/` });
    const b = await startSandbox({ traffic: { scenario: "cats-eyes", seed: 1 } });
    open.push(b);
    b.store.restore(a.store.dump());
    a.control.deliverTraffic({ from: HOUR, to: HOUR_END });
    b.control.deliverTraffic({ from: HOUR, to: HOUR_END });
    const [fa, fb] = [await objects(a), await objects(b)];
    expect([...fb.keys()]).toEqual([...fa.keys()]);
    for (const [key, data] of fa) expect(fb.get(key)?.equals(data), key).toBe(true);

    const c = await startSandbox({ traffic: { scenario: "cats-eyes", seed: 2 } });
    open.push(c);
    c.store.restore(a.store.dump());
    const other = c.control.deliverTraffic({ from: HOUR, to: HOUR_END, sink: () => {} });
    expect(other.objects.map((o) => o.key)).not.toEqual([...fa.keys()]);
  });
});
