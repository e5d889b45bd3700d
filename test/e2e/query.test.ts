// `cordon query` through the built CLI on the local engine, against the sandbox with the Cat's
// Eyes traffic: the production policy (gzip text, default layout, per day) applied before the
// incident, traffic, then the block applied, more traffic; a second policy writes the same VPC's
// flows as Parquet in the Hive layout per hour. Every report, the formats, the filters, pruning
// (GetObject counted in the request log), the ETag cache, --max-scan, Ctrl-C and the errors.
// Run `npm run build` first.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  ACCOUNT,
  CLI,
  cordonRunner,
  makeTmp,
  REGION,
  requireCli,
  sandboxCliEnv,
  sandboxClientConfig,
  TODAY,
} from "./helpers.js";

const TEXT_BUCKET = `cats-eyes-flow-logs-${ACCOUNT}`;
const PARQUET_BUCKET = `cats-eyes-parquet-${ACCOUNT}`;
/** The Parquet policy's region: flow logging is one policy's per target. */
const REGION2 = "eu-central-1";
const FLOOD = "203.0.113.66";
const POLICY = readFileSync("examples/cats-eyes/policies/production.yaml", "utf8");
/** The policy before the incident: logging, table and web ACL, no blocked address yet. */
const BEFORE = POLICY.replace(/\n# 3\. [\s\S]*?\n# 4\./, "\n# 4.");
const PARQUET_POLICY = `apiVersion: cordon.dev/v1
kind: Policy
metadata:
  name: cats-eyes-parquet
target:
  account: "${ACCOUNT}"
  region: ${REGION2}
flowLogs:
  bucket:
    name: ${PARQUET_BUCKET}
    create: true
  vpcs:
    tags:
      env: production
  trafficType: ALL
  fields: default
  fileFormat: parquet
  hiveCompatiblePartitions: true
  perHourPartitions: true
  maxAggregationInterval: 60
athena:
  database: cats_eyes_parquet
  table: production_flow_logs
  projectionStartDate: 2026-11-01
`;
const NO_ATHENA = `apiVersion: cordon.dev/v1
kind: Policy
metadata:
  name: no-athena
target:
  account: "${ACCOUNT}"
  region: ${REGION}
blockedCountries:
  countries:
    - code: TV
      reason: test
webAcl:
  name: other-edge
  loadBalancers:
    names: [cats-eyes-alb]
`;

const BLOCKED_AT = "2026-12-05T10:30:00Z";
const WINDOW = ["--since", "2026-12-05T10:00:00Z", "--until", "2026-12-05T11:00:00Z"];

let tmp: string;
let sandbox: SandboxHandle;
let s3: S3Client;
/** The client of the Parquet bucket's region. */
let s3b: S3Client;
let run: ReturnType<typeof cordonRunner>;
let cache: string;

/** GetObject requests the sandbox answered since the log was cleared. */
const getObjects = () => sandbox.control.requests().filter((r) => r.operation === "GetObject").length;
/** The object names (…_{yyyyMMdd}T{HHmm}Z_{hash}.log.*) in a cache directory. */
const cached = (dir: string) => readdirSync(join(dir, "objects")).filter((f) => !f.endsWith(".tmp"));

interface JsonResult {
  columns: { name: string; type: string }[];
  rows: Record<string, string | number | null>[];
  stats: Record<string, number | string>;
}
const json = (stdout: string): JsonResult => JSON.parse(stdout) as JsonResult;

type Rec = Record<string, string>;

/** Every record of a bucket, read here (gunzip, hyparquet) as the reference the reports are checked against. */
async function bucketRecords(bucket: string, client: S3Client): Promise<(Rec & { key: string })[]> {
  const out: (Rec & { key: string })[] = [];
  let token: string | undefined;
  do {
    const list = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of list.Contents ?? []) {
      const key = o.Key as string;
      if (!/\.log\.(gz|parquet)$/.test(key)) continue;
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const data = Buffer.from(await got.Body!.transformToByteArray());
      if (key.endsWith(".parquet")) {
        const file = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
        const rows = (await parquetReadObjects({
          file,
          compressors: { GZIP: (b: Uint8Array) => gunzipSync(b) },
        })) as Record<string, unknown>[];
        for (const r of rows)
          out.push({
            key,
            ...Object.fromEntries(
              Object.entries(r).map(([k, v]) => [k, v === null || v === undefined ? "-" : String(v)]),
            ),
          });
      } else {
        const lines = gunzipSync(data).toString("utf8").trimEnd().split("\n");
        const header = (lines[0] as string).split(" ").map((h) => h.replace(/-/g, "_"));
        for (const line of lines.slice(1))
          out.push({ key, ...Object.fromEntries(line.split(" ").map((v, i) => [header[i], v])) });
      }
    }
    token = list.IsTruncated ? list.NextContinuationToken : undefined;
  } while (token !== undefined);
  return out;
}

const inWindow = (from: string, until: string) => (r: Rec) =>
  Number(r.start) >= Date.parse(from) / 1000 && Number(r.start) < Date.parse(until) / 1000;
const textRecords = async () =>
  (await bucketRecords(TEXT_BUCKET, s3)).filter(inWindow("2026-12-05T10:00:00Z", "2026-12-05T11:00:00Z"));
const parquetRecords = async () =>
  (await bucketRecords(PARQUET_BUCKET, s3b)).filter(inWindow("2026-12-05T10:00:00Z", "2026-12-05T11:00:00Z"));

/** top-talkers computed from records: bytes by pair, most first, ties by flows then addresses. */
function topTalkers(records: readonly Rec[], limit: number) {
  const by = new Map<
    string,
    { srcaddr: string; dstaddr: string; flows: number; packets: number; bytes: number; rejected_flows: number }
  >();
  for (const r of records) {
    const k = `${r.srcaddr} ${r.dstaddr}`;
    const e = by.get(k) ?? {
      srcaddr: r.srcaddr as string,
      dstaddr: r.dstaddr as string,
      flows: 0,
      packets: 0,
      bytes: 0,
      rejected_flows: 0,
    };
    e.flows += 1;
    e.packets += Number(r.packets);
    e.bytes += Number(r.bytes);
    e.rejected_flows += r.action === "REJECT" ? 1 : 0;
    by.set(k, e);
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...by.values()]
    .sort((a, b) => b.bytes - a.bytes || b.flows - a.flows || cmp(a.srcaddr, b.srcaddr) || cmp(a.dstaddr, b.dstaddr))
    .slice(0, limit);
}

beforeAll(async () => {
  requireCli();
  tmp = makeTmp("cordon-query-");
  cache = join(tmp, "cache");
  run = cordonRunner({ tmp, endpoint: () => sandbox.url, accessKeyId: ACCOUNT });
  // The Cat's Eyes estate, plus a production VPC in a second region for the Parquet policy.
  const estate = parse(readFileSync("examples/cats-eyes/estate.yaml", "utf8"));
  estate.accounts[ACCOUNT].regions[REGION2] = {
    vpcs: [
      {
        id: "vpc-0c47e5a1f3d2b0009",
        cidr: "10.40.0.0/16",
        tags: { Name: "production", env: "production" },
        subnets: [
          {
            id: "subnet-0c47e5a1f3d2b0901",
            cidr: "10.40.0.0/20",
            availabilityZone: `${REGION2}a`,
            tags: { tier: "public" },
          },
          {
            id: "subnet-0c47e5a1f3d2b0902",
            cidr: "10.40.16.0/20",
            availabilityZone: `${REGION2}b`,
            tags: { tier: "app" },
          },
        ],
      },
    ],
  };
  sandbox = await startSandbox({
    seed: estate,
    traffic: { scenario: "cats-eyes", seed: 7 },
    clock: "2026-12-05T09:00:00Z",
    requestLogSize: 20_000,
  });
  s3 = new S3Client(sandboxClientConfig(sandbox.url, ACCOUNT));
  s3b = new S3Client({ ...sandboxClientConfig(sandbox.url, ACCOUNT), region: REGION2 });
  const dir = join(tmp, "policies");
  mkdirSync(dir);
  writeFileSync(join(dir, "production.yaml"), BEFORE);
  writeFileSync(join(dir, "parquet.yaml"), PARQUET_POLICY);
  const first = await run(["apply", "policies", "--auto-approve", "--today", TODAY]);
  expect(first.status, first.stderr).toBe(0);
  sandbox.control.deliverTraffic({ from: "2026-12-05T10:00:00Z", to: BLOCKED_AT });
  sandbox.control.setClock(BLOCKED_AT);
  writeFileSync(join(dir, "production.yaml"), POLICY);
  const second = await run(["apply", "policies", "--auto-approve", "--today", TODAY]);
  expect(second.status, second.stderr).toBe(0);
  sandbox.control.deliverTraffic({ from: BLOCKED_AT, to: "2026-12-05T11:00:00Z" });
  // An hour after the window, which a query of the window must not read.
  sandbox.control.setClock("2026-12-05T12:00:00Z");
  sandbox.control.deliverTraffic({ from: "2026-12-05T11:00:00Z", to: "2026-12-05T12:00:00Z" });
  writeFileSync(join(tmp, "no-athena.yaml"), NO_ATHENA);
}, 60_000);

afterAll(async () => {
  s3?.destroy();
  s3b?.destroy();
  await sandbox?.stop();
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
});

const q = (args: readonly string[]) => run(["query", ...args, "--cache-dir", cache]);

describe("cordon query (local engine)", () => {
  it("rejected: the flood shows as REJECT only after the block, counted as the records say", async () => {
    const records = await textRecords();
    const cut = Date.parse(BLOCKED_AT) / 1000;
    const expected = records.filter((r) => r.action === "REJECT" && r.dstaddr === FLOOD);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.every((r) => Number(r.start) >= cut)).toBe(true);

    const r = await q(["rejected", "policies/production.yaml", ...WINDOW, "--format", "json", "--limit", "1000"]);
    expect(r.status, r.stderr).toBe(0);
    const rows = json(r.stdout).rows.filter((x) => x.dstaddr === FLOOD);
    expect(rows.reduce((n, x) => n + (x.flows as number), 0)).toBe(expected.length);
    expect(rows.reduce((n, x) => n + (x.packets as number), 0)).toBe(
      expected.reduce((n, x) => n + Number(x.packets), 0),
    );
    // Times are ISO 8601 for people (the SQL keeps the records' epoch seconds).
    expect(rows.every((x) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(String(x.first_seen)))).toBe(true);
    expect(Math.min(...rows.map((x) => Date.parse(String(x.first_seen)) / 1000))).toBeGreaterThanOrEqual(cut);
    expect(r.stderr).toMatch(/^local engine, \d+ rows?, [\d.]+ [kM]?B scanned, \d+ objects \(\d+ fetched/m);

    const before = await q([
      "rejected",
      "policies/production.yaml",
      "--since",
      "2026-12-05T10:00:00Z",
      "--until",
      BLOCKED_AT,
      "--format",
      "json",
      "--limit",
      "1000",
    ]);
    expect(before.status, before.stderr).toBe(0);
    expect(json(before.stdout).rows.filter((x) => x.dstaddr === FLOOD)).toEqual([]);
  });

  it("top-talkers over gzip text (default layout, per day) and Parquet (Hive, per hour) is the records' own", async () => {
    const text = await q(["top-talkers", "policies/production.yaml", ...WINDOW, "--format", "json", "--limit", "10"]);
    const parquet = await q(["top-talkers", "policies/parquet.yaml", ...WINDOW, "--format", "json", "--limit", "10"]);
    expect(text.status, text.stderr).toBe(0);
    expect(parquet.status, parquet.stderr).toBe(0);
    const t = json(text.stdout);
    expect(t.rows).toHaveLength(10);
    expect(t.rows).toEqual(topTalkers(await textRecords(), 10));
    expect(json(parquet.stdout).rows).toEqual(topTalkers(await parquetRecords(), 10));
    // The flood is the top talker.
    expect(t.rows[0]?.dstaddr).toBe(FLOOD);
    expect(json(parquet.stdout).rows[0]?.dstaddr).toBe(FLOOD);
  });

  it("outbound-by-destination, by-port and blocked-hits answer from the same records", async () => {
    const records = (await textRecords()).filter(
      (x) =>
        Number(x.start) >= Date.parse("2026-12-05T10:00:00Z") / 1000 &&
        Number(x.start) < Date.parse("2026-12-05T11:00:00Z") / 1000,
    );
    const out = await q(["outbound-by-destination", "policies/production.yaml", ...WINDOW, "--format", "json"]);
    expect(out.status, out.stderr).toBe(0);
    const first = json(out.stdout).rows[0] as Record<string, string | number>;
    expect(first).toMatchObject({ dstaddr: FLOOD, dstport: 80, protocol: 17 });
    expect(json(out.stdout).rows.every((x) => !String(x.dstaddr).startsWith("10."))).toBe(true);

    const ports = await q(["by-port", "policies/production.yaml", ...WINDOW, "--format", "json", "--limit", "1000"]);
    expect(ports.status, ports.stderr).toBe(0);
    const https = json(ports.stdout).rows.find((x) => x.dstport === 443 && x.protocol === 6) as Record<string, number>;
    expect(https).toBeDefined();
    const mine = records.filter((x) => x.dstport === "443" && x.protocol === "6");
    expect(https.flows).toBe(mine.length);
    expect((https.accepted_flows as number) + (https.rejected_flows as number)).toBe(mine.length);

    const hits = await q(["blocked-hits", "policies/production.yaml", ...WINDOW, "--format", "json"]);
    expect(hits.status, hits.stderr).toBe(0);
    const rows = json(hits.stdout).rows;
    const cut = Date.parse(BLOCKED_AT) / 1000;
    const accept = rows.find((x) => x.action === "ACCEPT" && x.direction === "outbound") as Record<string, number>;
    const reject = rows.find((x) => x.action === "REJECT" && x.direction === "outbound") as Record<string, number>;
    const seconds = (iso: unknown) => Date.parse(String(iso)) / 1000;
    expect(accept.blocked).toBe(FLOOD);
    expect(seconds(accept.last_seen)).toBeLessThanOrEqual(cut + 60);
    expect(seconds(reject.first_seen)).toBeGreaterThanOrEqual(cut);
    expect((accept.flows as number) + (reject.flows as number)).toBe(records.filter((x) => x.dstaddr === FLOOD).length);
  });

  it("prunes: a 1-hour window of a per-hour table fetches only that hour's objects", async () => {
    const hour = await s3b.send(new ListObjectsV2Command({ Bucket: PARQUET_BUCKET, Prefix: "AWSLogs/" }));
    const keys = (hour.Contents ?? []).map((o) => o.Key as string);
    const tenOClock = keys.filter((k) => k.includes("/hour=10/"));
    expect(tenOClock.length).toBeGreaterThan(0);
    expect(keys.length).toBeGreaterThan(tenOClock.length);
    sandbox.control.clearRequests();
    const r = await run([
      "query",
      "by-port",
      "policies/parquet.yaml",
      "--since",
      "2026-12-05T10:00:00Z",
      "--until",
      "2026-12-05T11:00:00Z",
      "--format",
      "json",
      "--cache-dir",
      join(tmp, "prune-cache"),
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(json(r.stdout).stats).toMatchObject({ objectsListed: tenOClock.length, objectsFetched: tenOClock.length });
    expect(getObjects()).toBe(tenOClock.length);
    const names = cached(join(tmp, "prune-cache"));
    expect(names).toHaveLength(tenOClock.length);
    for (const n of names) expect(n).toMatch(/_20261205T10\d\dZ_[0-9a-f]{8}\.log\.parquet$/);
    // A window of a day lists and fetches all of them.
    const day = await run([
      "query",
      "by-port",
      "policies/parquet.yaml",
      "--since",
      "2026-12-05",
      "--until",
      "2026-12-06",
      "--format",
      "json",
      "--cache-dir",
      join(tmp, "prune-cache"),
    ]);
    expect(json(day.stdout).stats).toMatchObject({ objectsListed: keys.length, cacheHits: tenOClock.length });
  });

  it("serves unchanged objects from the ETag cache and fetches an overwritten one again", async () => {
    const dir = join(tmp, "etag-cache");
    const args = [
      "query",
      "top-talkers",
      "policies/production.yaml",
      ...WINDOW,
      "--format",
      "json",
      "--cache-dir",
      dir,
    ];
    const first = await run(args);
    expect(first.status, first.stderr).toBe(0);
    const n = json(first.stdout).stats.objectsListed as number;
    expect(json(first.stdout).stats).toMatchObject({ objectsFetched: n, cacheHits: 0 });
    sandbox.control.clearRequests();
    const second = await run(args);
    expect(json(second.stdout).stats).toMatchObject({ objectsFetched: 0, cacheHits: n, bytesFetched: 0 });
    expect(getObjects()).toBe(0);
    expect(json(second.stdout).rows).toEqual(json(first.stdout).rows);

    // Rewrite one object with another hour's bytes: new ETag, fetched again, other rows.
    const list = await s3.send(new ListObjectsV2Command({ Bucket: TEXT_BUCKET, Prefix: "flow-logs/AWSLogs/" }));
    const [a, b] = (list.Contents ?? []).map((o) => o.Key as string);
    const body = await (
      await s3.send(new GetObjectCommand({ Bucket: TEXT_BUCKET, Key: b }))
    ).Body!.transformToByteArray();
    const original = await (
      await s3.send(new GetObjectCommand({ Bucket: TEXT_BUCKET, Key: a }))
    ).Body!.transformToByteArray();
    await s3.send(new PutObjectCommand({ Bucket: TEXT_BUCKET, Key: a, Body: body }));
    try {
      sandbox.control.clearRequests();
      const third = await run(args);
      expect(json(third.stdout).stats).toMatchObject({ objectsFetched: 1, cacheHits: n - 1 });
      expect(getObjects()).toBe(1);
      expect(json(third.stdout).rows).not.toEqual(json(first.stdout).rows);
    } finally {
      await s3.send(new PutObjectCommand({ Bucket: TEXT_BUCKET, Key: a, Body: original }));
    }
  });

  it("--max-scan refuses before fetching, naming the size and the limit", async () => {
    sandbox.control.clearRequests();
    const r = await run([
      "query",
      "rejected",
      "policies/production.yaml",
      ...WINDOW,
      "--max-scan",
      "1kB",
      "--cache-dir",
      join(tmp, "empty"),
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /Error: the query would read [\d.]+ [kM]B of flow logs \(\d+ objects\), more than the limit of 1\.0 kB/,
    );
    expect(getObjects()).toBe(0);
    const bad = await q(["rejected", "policies/production.yaml", "--max-scan", "lots"]);
    expect(bad.stderr).toMatch(/--max-scan must be a size such as 500MB or 10GB, got "lots"/);
  });

  it("formats: table aligned, csv, markdown, json agree; cells with ESC or newlines are escaped", async () => {
    const base = ["by-port", "policies/production.yaml", ...WINDOW, "--limit", "5"];
    const j = json((await q([...base, "--format", "json"])).stdout);
    const csv = (await q([...base, "--format", "csv"])).stdout.trimEnd().split("\n");
    expect(csv[0]).toBe(j.columns.map((c) => c.name).join(","));
    expect(csv.slice(1).map((l) => l.split(",")[2])).toEqual(j.rows.map((x) => String(x.flows)));
    const md = (await q([...base, "--format", "markdown"])).stdout.trimEnd().split("\n");
    expect(md[0]).toBe(`| ${j.columns.map((c) => c.name.replace(/_/g, "\\_")).join(" | ")} |`);
    expect(md).toHaveLength(j.rows.length + 2);
    const table = (await q(base)).stdout.trimEnd().split("\n");
    expect(table).toHaveLength(j.rows.length + 2);
    const flowsEnd = (table[0] as string).indexOf("flows") + "flows".length;
    for (const line of table.slice(2)) expect(line[flowsEnd - 1]).toMatch(/\d/);

    const evil = await q([
      "--sql",
      "SELECT 'a' || chr(27) || '[31mred' AS x, 'two' || chr(10) || 'lines' AS y, 'q\"u,o' AS z",
      "policies/production.yaml",
      ...WINDOW,
      "--format",
      "csv",
    ]);
    expect(evil.status, evil.stderr).toBe(0);
    expect(evil.stdout).not.toMatch(/\u001b/);
    expect(evil.stdout.trimEnd().split("\n")).toEqual(["x,y,z", 'a\\u{1b}[31mred,two\\nlines,"q""u,o"']);
    const evilTable = await q(["--sql", "SELECT 'a' || chr(27) || '[2J' AS x", "policies/production.yaml", ...WINDOW]);
    expect(evilTable.stdout).not.toMatch(/\u001b/);
  });

  it("filters: --limit, --account and --region, --vpc needs the vpc-id field", async () => {
    const one = await q(["by-port", "policies/production.yaml", ...WINDOW, "--limit", "1", "--format", "json"]);
    expect(json(one.stdout).rows).toHaveLength(1);
    const acct = await q([
      "by-port",
      "policies/production.yaml",
      ...WINDOW,
      "--account",
      ACCOUNT,
      "--region",
      REGION,
      "--format",
      "json",
      "--limit",
      "1000",
    ]);
    const all = await q(["by-port", "policies/production.yaml", ...WINDOW, "--format", "json", "--limit", "1000"]);
    expect(json(acct.stdout).rows).toEqual(json(all.stdout).rows);
    const other = await q(["by-port", "policies/production.yaml", ...WINDOW, "--account", "999999999999"]);
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/no table of the selected policies holds flow logs of 999999999999/);
    const vpc = await q(["top-talkers", "policies/production.yaml", ...WINDOW, "--vpc", "vpc-0abc"]);
    expect(vpc.status).toBe(1);
    expect(vpc.stderr).toMatch(
      /top-talkers needs the flow-log field "vpc-id", which policies\/production\.yaml does not record/,
    );
    const since = await q(["top-talkers", "policies/production.yaml", "--since", "yesterday"]);
    expect(since.stderr).toMatch(
      /--since must be a duration before now \(30m, 1h, 24h, 7d, 2w\) or an ISO 8601 date or time/,
    );
    // Both tables: UNION ALL of the two policies' tables; --region picks one.
    const both = await q(["by-port", "policies", ...WINDOW, "--format", "json", "--limit", "1000"]);
    expect(both.status, both.stderr).toBe(0);
    const sum = (x: JsonResult) => x.rows.reduce((n, r) => n + (r.flows as number), 0);
    const parquetFlows = (await parquetRecords()).length;
    expect(sum(json(all.stdout))).toBe((await textRecords()).length);
    expect(sum(json(both.stdout))).toBe((await textRecords()).length + parquetFlows);
    const central = await q([
      "by-port",
      "policies",
      ...WINDOW,
      "--region",
      REGION2,
      "--format",
      "json",
      "--limit",
      "1000",
    ]);
    expect(sum(json(central.stdout))).toBe(parquetFlows);
  });

  it("errors: unknown report, no athena section, bad SQL — no stack trace", async () => {
    const unknown = await q(["rejcted", "policies"]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/unknown report "rejcted" \(did you mean rejected\?\)/);
    const none = await q(["rejected", "no-athena.yaml"]);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/no policy in no-athena\.yaml has an athena section/);
    const sql = await q([
      "--sql",
      'SELECT nope FROM "cats_eyes_network"."production_flow_logs"',
      "policies/production.yaml",
      ...WINDOW,
    ]);
    expect(sql.status).toBe(1);
    expect(sql.stderr).toMatch(/Error: the query failed: .*nope/);
    for (const r of [unknown, none, sql]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("Ctrl-C stops a slow fetch and exits 130", async () => {
    sandbox.control.setFaults({
      rules: [{ kind: "latency", service: "s3", operation: "GetObject", latencyMs: 20_000 }],
    });
    try {
      const child: ChildProcess = spawn(
        process.execPath,
        [
          CLI,
          "query",
          "rejected",
          "policies/production.yaml",
          ...WINDOW,
          "--progress",
          "--cache-dir",
          join(tmp, "slow"),
        ],
        { cwd: tmp, env: sandboxCliEnv({ tmp, endpoint: () => sandbox.url, accessKeyId: ACCOUNT }) },
      );
      let stderr = "";
      const started = Date.now();
      const code = await new Promise<number | null>((resolve) => {
        child.stderr?.on("data", (d: Buffer) => {
          stderr += d.toString();
          if (/fetching/.test(stderr) && !child.killed) child.kill("SIGINT");
        });
        child.on("exit", (c) => resolve(c));
      });
      expect(code, stderr).toBe(130);
      expect(stderr).toMatch(/Error: query cancelled/);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      sandbox.control.setFaults({});
    }
  });
});
