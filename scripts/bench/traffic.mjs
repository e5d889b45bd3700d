// Synthetic flow-log generation at scale (packages/sandbox/src/traffic.ts, scenario `scale`):
// the Cats-Eyes estate (4 subnets, 48 interfaces each at scale) with one VPC flow log per file
// format on the production VPC and one on staging, delivered over TRAFFIC_DAYS days (default 2) of
// simulated time with 10-minute capture windows. Files go to a counting sink, not the sandbox's
// S3 (the generator writes each 5-minute file as soon as it is complete: memory stays flat).
// Reports records/s, files and compressed bytes per format, and peak RSS.
//
//   node scripts/bench/traffic.mjs        (also the traffic section of `npm run bench`; BENCH_TRAFFIC=0 skips it)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateFlowLogsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { ACCOUNT, loadSandbox, REGION, ROOT } from "./common.mjs";

const DAYS = Number(process.env.TRAFFIC_DAYS ?? 2);
const work = mkdtempSync(join(tmpdir(), "cordon-bench-traffic-"));
const startSandbox = await loadSandbox(work);
const sandbox = await startSandbox({ seed: join(ROOT, "examples/cats-eyes/estate.yaml"), traffic: "scale" });
try {
  const config = {
    endpoint: sandbox.url,
    region: REGION,
    credentials: { accessKeyId: ACCOUNT, secretAccessKey: "x" },
  };
  const bucket = "bench-traffic";
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: bucket,
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "delivery.logs.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `arn:aws:s3:::${bucket}/*`,
          },
        ],
      }),
    }),
  );
  const ec2 = new EC2Client(config);
  const formatOf = {};
  for (const fileFormat of ["plain-text", "parquet"]) {
    const out = await ec2.send(
      new CreateFlowLogsCommand({
        ResourceIds: ["vpc-0c47e5a1f3d2b0001", "vpc-0c47e5a1f3d2b0002"],
        ResourceType: "VPC",
        TrafficType: "ALL",
        LogDestinationType: "s3",
        LogDestination: `arn:aws:s3:::${bucket}/${fileFormat}/`,
        DestinationOptions: { FileFormat: fileFormat },
      }),
    );
    for (const id of out.FlowLogIds ?? []) formatOf[id] = fileFormat;
  }
  const totals = {};
  for (const f of ["plain-text", "parquet"]) totals[f] = { records: 0, files: 0, bytes: 0 };
  let peakRss = 0;
  const from = Date.UTC(2026, 11, 1);
  const started = performance.now();
  // One day at a time, so progress shows and RSS is sampled between days.
  for (let d = 0; d < DAYS; d++) {
    sandbox.control.deliverTraffic({
      from: from + d * 86_400_000,
      to: from + (d + 1) * 86_400_000,
      sink: (file) => {
        const t = totals[formatOf[file.flowLogId]];
        t.records += file.records;
        t.files += 1;
        t.bytes += file.bytes;
      },
    });
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - started) / 1000;
  const records = totals["plain-text"].records + totals.parquet.records;
  console.log(`\n== Synthetic flow-log traffic (scenario scale, ${DAYS} days, 10-minute windows) ==`);
  for (const [format, t] of Object.entries(totals)) {
    console.log(
      `${format.padEnd(10)} ${t.records.toLocaleString("en-US").padStart(12)} records  ${String(t.files).padStart(6)} files  ${(t.bytes / 1e6).toFixed(1).padStart(8)} MB  ${(t.bytes / Math.max(1, t.records)).toFixed(1)} B/record`,
    );
  }
  console.log(
    `total      ${records.toLocaleString("en-US").padStart(12)} records in ${seconds.toFixed(1)} s: ${Math.round(records / seconds).toLocaleString("en-US")} records/s; peak RSS ${(peakRss / 1e6).toFixed(0)} MB`,
  );
} finally {
  await sandbox.stop();
  rmSync(work, { recursive: true, force: true });
}
