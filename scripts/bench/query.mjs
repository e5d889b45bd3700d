// `cordon query top-talkers` on the local engine at scale (docs/performance.md, "Query"): the
// sandbox's `scale` traffic for one VPC flow log per file format (gzip text in the default layout,
// Parquet in the Hive layout, both per hour) over QUERY_DAYS days (default 7), written under
// QUERY_ACCOUNTS account prefixes (default 3: the same files under each account's partition), into
// the in-process sandbox's S3. Then the built CLI, as a separate process with DuckDB on one thread
// (--threads 1): a cold run (fetch + query) and a warm one (everything from the ETag cache: the
// query alone), wall time and peak RSS of each; and pruning: objects listed and fetched for a
// 1-hour window against the whole period.
//
//   node scripts/bench/query.mjs      (also the query section of `npm run bench`; BENCH_QUERY=0 skips it)
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateFlowLogsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateBucketCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ACCOUNT, loadSandbox, REGION, ROOT } from "./common.mjs";

const DAYS = Number(process.env.QUERY_DAYS ?? 7);
const ACCOUNTS = ["111122223333", "444455556666", "777788889999"].slice(0, Number(process.env.QUERY_ACCOUNTS ?? 3));
const FROM = Date.UTC(2026, 10, 23);
const VPC = process.env.QUERY_VPC ?? "vpc-0c47e5a1f3d2b0001";
const FORMATS = [
  { format: "plain-text", hive: false, bucket: `bench-query-text-${ACCOUNT}` },
  { format: "parquet", hive: true, bucket: `bench-query-parquet-${ACCOUNT}` },
];

const work = mkdtempSync(join(tmpdir(), "cordon-bench-query-"));
const startSandbox = await loadSandbox(work);
const sandbox = await startSandbox({ seed: join(ROOT, "examples/cats-eyes/estate.yaml"), traffic: "scale" });

const iso = (ms) => new Date(ms).toISOString().replace(".000Z", "Z");
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;

function policy({ format, hive, bucket }) {
  return `apiVersion: cordon.dev/v1
kind: Policy
metadata:
  name: bench-${format}
targets:
  accounts: [${ACCOUNTS.map((a) => `"${a}"`).join(", ")}]
  regions: [${REGION}]
flowLogs:
  bucket:
    name: ${bucket}
    create: false
  vpcs:
    tags:
      Name: production
  fileFormat: ${format}
  hiveCompatiblePartitions: ${hive}
  perHourPartitions: true
athena:
  database: bench_${format.replace("-", "_")}
  table: flow_logs
  projectionStartDate: 2026-11-01
`;
}

/** Runs the CLI with a preload that reports its peak RSS; resolves { ms, rssMb, result }. */
function cordonQuery(args) {
  const preload = join(work, "rss.cjs");
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        "-r",
        preload,
        join(ROOT, "dist/cordon.js"),
        "query",
        ...args,
        "--format",
        "json",
        "--threads",
        "1",
        "--no-progress",
      ],
      {
        cwd: work,
        maxBuffer: 64 << 20,
        env: {
          PATH: process.env.PATH,
          HOME: work,
          NO_COLOR: "1",
          AWS_ENDPOINT_URL: sandbox.url,
          AWS_REGION: REGION,
          AWS_ACCESS_KEY_ID: ACCOUNT,
          AWS_SECRET_ACCESS_KEY: "x",
          AWS_CONFIG_FILE: join(work, "none"),
          AWS_SHARED_CREDENTIALS_FILE: join(work, "none"),
        },
      },
      (error, stdout, stderr) => {
        const ms = performance.now() - started;
        if (error) return reject(new Error(`cordon query ${args.join(" ")} failed:\n${stderr}`));
        const rss = /^maxrss (\d+)$/m.exec(stderr);
        resolve({ ms, rssMb: rss ? Number(rss[1]) / 1024 : Number.NaN, result: JSON.parse(stdout) });
      },
    );
  });
}

try {
  writeFileSync(
    join(work, "rss.cjs"),
    'process.on("exit", () => process.stderr.write(`maxrss ${process.resourceUsage().maxRSS}\\n`));\n',
  );
  const config = { endpoint: sandbox.url, region: REGION, credentials: { accessKeyId: ACCOUNT, secretAccessKey: "x" } };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const ec2 = new EC2Client(config);
  const formatOf = {};
  for (const f of FORMATS) {
    await s3.send(
      new CreateBucketCommand({ Bucket: f.bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: f.bucket,
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "delivery.logs.amazonaws.com" },
              Action: "s3:PutObject",
              Resource: `arn:aws:s3:::${f.bucket}/*`,
            },
          ],
        }),
      }),
    );
    const out = await ec2.send(
      new CreateFlowLogsCommand({
        ResourceIds: [VPC],
        ResourceType: "VPC",
        TrafficType: "ALL",
        LogDestinationType: "s3",
        LogDestination: `arn:aws:s3:::${f.bucket}`,
        DestinationOptions: { FileFormat: f.format, HiveCompatiblePartitions: f.hive, PerHourPartition: true },
      }),
    );
    for (const id of out.FlowLogIds ?? []) formatOf[id] = f;
  }

  // Generate the files and put them under every account's partition.
  const totals = Object.fromEntries(FORMATS.map((f) => [f.format, { records: 0, files: 0, bytes: 0 }]));
  const started = performance.now();
  for (let d = 0; d < DAYS; d++) {
    const files = [];
    sandbox.control.deliverTraffic({
      from: FROM + d * 86_400_000,
      to: FROM + (d + 1) * 86_400_000,
      sink: (file) => files.push(file),
    });
    const puts = [];
    for (const file of files) {
      const f = formatOf[file.flowLogId];
      for (const account of ACCOUNTS) {
        const key = file.key.replaceAll(ACCOUNT, account);
        puts.push(() => s3.send(new PutObjectCommand({ Bucket: f.bucket, Key: key, Body: file.data })));
        totals[f.format].records += file.records;
        totals[f.format].files += 1;
        totals[f.format].bytes += file.data.length;
      }
    }
    for (let i = 0; i < puts.length; i += 16) await Promise.all(puts.slice(i, i + 16).map((p) => p()));
  }
  console.log(
    `\n== Query: top-talkers on the local engine (${DAYS} days, ${ACCOUNTS.length} accounts, per-hour partitions, DuckDB on 1 thread) ==`,
  );
  console.log(`(data generated and stored in ${((performance.now() - started) / 1000).toFixed(0)} s)`);

  const since = iso(FROM);
  const until = iso(FROM + DAYS * 86_400_000);
  const hourFrom = iso(FROM + 3 * 86_400_000 + 10 * 3_600_000);
  const hourUntil = iso(FROM + 3 * 86_400_000 + 11 * 3_600_000);
  for (const f of FORMATS) {
    const file = join(work, `${f.format}.yaml`);
    writeFileSync(file, policy(f));
    const t = totals[f.format];
    const cache = join(work, `cache-${f.format}`);
    mkdirSync(cache, { recursive: true });
    const base = [file, "--since", since, "--until", until, "--cache-dir", cache, "--limit", "10"];
    const cold = await cordonQuery(["top-talkers", ...base]);
    const warm = await cordonQuery(["top-talkers", ...base]);
    const hourCache = join(work, `cache-hour-${f.format}`);
    const hour = await cordonQuery([
      "top-talkers",
      file,
      "--since",
      hourFrom,
      "--until",
      hourUntil,
      "--cache-dir",
      hourCache,
    ]);
    const s = cold.result.stats;
    const w = warm.result.stats;
    const h = hour.result.stats;
    console.log(
      `${f.format.padEnd(10)} ${t.records.toLocaleString("en-US")} records, ${t.files} objects, ${mb(t.bytes)}`,
    );
    console.log(
      `  cold: wall ${(cold.ms / 1000).toFixed(2)} s (fetch ${((s.elapsedMs - s.queryMs) / 1000).toFixed(2)} s, ${s.objectsFetched} objects, ${mb(s.bytesFetched)}; query ${(s.queryMs / 1000).toFixed(2)} s), peak RSS ${cold.rssMb.toFixed(0)} MB`,
    );
    console.log(
      `  warm: wall ${(warm.ms / 1000).toFixed(2)} s (${w.cacheHits} cached, ${w.objectsFetched} fetched; query ${(w.queryMs / 1000).toFixed(2)} s = ${Math.round(t.records / (w.queryMs / 1000)).toLocaleString("en-US")} records/s), peak RSS ${warm.rssMb.toFixed(0)} MB`,
    );
    console.log(
      `  pruning: 1-hour window lists ${h.objectsListed} and fetches ${h.objectsFetched} objects; the ${DAYS}-day window ${s.objectsListed} and ${s.objectsFetched}`,
    );
    if (JSON.stringify(cold.result.rows) !== JSON.stringify(warm.result.rows))
      throw new Error("cold and warm runs differ");
  }
} finally {
  await sandbox.stop();
  if (process.env.QUERY_KEEP === "1") console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
