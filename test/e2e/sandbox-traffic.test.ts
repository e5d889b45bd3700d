// `cordon sandbox --traffic`: the built CLI's sandbox delivers synthetic flow-log files for the
// flow logs `cordon apply` created, on simulated time (--clock, POST /_sandbox/clock and
// /_sandbox/traffic), and a block that `cordon apply` puts in the network ACL turns the flood to
// REJECT from the moment it exists. Run `npm run build` first.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACCOUNT,
  cordonRunner,
  makeTmp,
  REGION,
  requireCli,
  type SandboxProcess,
  startSandboxCli,
  stopSandboxCli,
  TODAY,
} from "./helpers.js";

const BUCKET = `cats-eyes-flow-logs-${ACCOUNT}`;
const FLOOD = "203.0.113.66";
const POLICY = readFileSync("examples/cats-eyes/policies/production.yaml", "utf8");
/** The policy before the incident: logging, table and web ACL, no blocked address yet. */
const BEFORE = POLICY.replace(/\n# 3\. [\s\S]*?\n# 4\./, "\n# 4.");

let tmp: string;
let sandbox: SandboxProcess;
const endpoint = () => sandbox.env["AWS_ENDPOINT_URL"] as string;
let run: ReturnType<typeof cordonRunner>;

beforeAll(async () => {
  requireCli();
  tmp = makeTmp("cordon-traffic-");
  sandbox = await startSandboxCli([
    "--seed",
    "examples/cats-eyes/estate.yaml",
    "--traffic",
    "cats-eyes",
    "--traffic-seed",
    "7",
    "--clock",
    "2026-12-05T09:00:00Z",
  ]);
  run = cordonRunner({ tmp, endpoint, accessKeyId: ACCOUNT });
});
afterAll(async () => {
  if (sandbox !== undefined) expect(await stopSandboxCli(sandbox)).toBe(0);
  rmSync(tmp, { recursive: true, force: true });
});

const control = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
  const res = await fetch(`${endpoint()}/_sandbox/${path}`, { method: "POST", body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json;
};

async function floodRecords(prefixDate: string): Promise<{ action: string; start: number }[]> {
  const s3 = new S3Client({
    endpoint: endpoint(),
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: ACCOUNT, secretAccessKey: "x" },
  });
  const list = await s3.send(
    new ListObjectsV2Command({
      Bucket: BUCKET,
      Prefix: `flow-logs/AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/${prefixDate}/`,
    }),
  );
  const out: { action: string; start: number }[] = [];
  for (const o of list.Contents ?? []) {
    expect(o.Key).toMatch(/_vpcflowlogs_eu-west-1_fl-[0-9a-f]{17}_\d{8}T\d{4}Z_[0-9a-f]{8}\.log\.gz$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key }));
    const lines = gunzipSync(
      Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()),
    )
      .toString("utf8")
      .trimEnd()
      .split("\n");
    const header = (lines[0] as string).split(" ");
    expect(header).toEqual(
      "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status".split(
        " ",
      ),
    );
    for (const line of lines.slice(1)) {
      const r = Object.fromEntries(line.split(" ").map((v, i) => [header[i], v]));
      // The policy asks for a 60-second aggregation interval.
      expect(Number(r.end) - Number(r.start)).toBeLessThanOrEqual(60);
      if (r.dstaddr === FLOOD) out.push({ action: r.action as string, start: Number(r.start) });
    }
  }
  return out;
}

describe("cordon sandbox --traffic", () => {
  it("delivers the flood for the flow logs cordon applied, and REJECTs it once cordon applies the block", async () => {
    const dir = join(tmp, "policies");
    mkdirSync(dir);
    writeFileSync(join(dir, "production.yaml"), BEFORE);
    const first = await run(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(first.status, first.stderr).toBe(0);

    const before = await control("traffic", { from: "2026-12-05T10:00:00Z", to: "2026-12-05T10:30:00Z" });
    expect(before.records as number).toBeGreaterThan(0);
    const flood = await floodRecords("2026/12/05");
    expect(flood.length).toBeGreaterThan(0);
    expect(new Set(flood.map((r) => r.action))).toEqual(new Set(["ACCEPT"]));

    await control("clock", { time: "2026-12-05T10:30:00Z" });
    writeFileSync(join(dir, "production.yaml"), POLICY);
    const second = await run(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(second.status, second.stderr).toBe(0);
    await control("traffic", { from: "2026-12-05T10:30:00Z", to: "2026-12-05T11:00:00Z" });
    const all = await floodRecords("2026/12/05");
    const cut = Date.parse("2026-12-05T10:30:00Z") / 1000;
    expect(new Set(all.filter((r) => r.start < cut).map((r) => r.action))).toEqual(new Set(["ACCEPT"]));
    const after = all.filter((r) => r.start >= cut);
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(after.map((r) => r.action))).toEqual(new Set(["REJECT"]));
  });

  it("refuses an unknown scenario with a usage error naming the choices", async () => {
    const r = await run(["sandbox", "--port", "0", "--traffic", "storm"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--traffic must be one of steady, cats-eyes, scale, got "storm"/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const clock = await run(["sandbox", "--port", "0", "--traffic", "steady", "--clock", "yesterday"]);
    expect(clock.status).not.toBe(0);
    expect(clock.stderr).toMatch(/--clock must be an ISO 8601 time/);
  });
});
