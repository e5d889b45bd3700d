// Speed at organisation scale (docs/performance.md): whole-process `cordon plan` and `cordon apply`
// of flow-log-only policies, one per (account, region), against the sandbox with a fixed latency on
// every call. Each row: wall, CPU (user + system) and peak RSS of the CLI process (measured by
// /usr/bin/time), and the API calls the sandbox answered.
//
//   node scripts/bench/scale.mjs            (after npm run build; `npm run bench` runs it too)
//
// Environment: SCALE_RUNS (runs per row, median reported; default 3), SCALE_SIZES (VPCs per region,
// default "500,2500,5000"), SCALE_LATENCY (ms per call, default 50), SCALE_SKIP_ORG=1 (no
// 20-account row), SCALE_CPU_PROF=DIR (a V8 CPU profile of every CLI run into DIR), SCALE_SKIP_APPLY=1 (no apply rows: the converged rows then need an apply of the
// estate, made unmeasured).
//
// Rows:
//  - plan, N VPCs × 4 regions, nothing yet logged (the bucket is missing too);
//  - apply of that plan (a first apply: N × 4 flow logs), with the CreateFlowLogs calls;
//  - plan, N VPCs × 4 regions, converged (no changes);
//  - plan, 20 accounts × 4 regions × 250 VPCs, each target through AssumeRole, nothing logged;
//  - plan, 500 VPCs in one region at 0 ms latency (the fixed cost of a command), and when the
//    first AWS request reached the sandbox after the process was started.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { callsOf, loadSandbox, median, ROOT, TODAY, vpcEstate } from "./common.mjs";

const RUNS = Number(process.env.SCALE_RUNS ?? 3);
const SIZES = (process.env.SCALE_SIZES ?? "500,2500,5000").split(",").map(Number);
const LATENCY = Number(process.env.SCALE_LATENCY ?? 50);
const REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2"];
const ACCOUNT = "111122223333";

const work = mkdtempSync(join(tmpdir(), "cordon-scale-"));
const startSandbox = await loadSandbox(work);
const sandbox = await startSandbox({ requestLogSize: 100_000 });

/** `vpcs` VPCs in each region of each account. */
function estate(accounts, vpcs) {
  const regions = Object.fromEntries(REGIONS.map((r) => [r, { vpcs: vpcEstate(vpcs, (i) => ({ Name: `vpc-${i}` })) }]));
  return {
    defaultAccount: accounts[0],
    accounts: Object.fromEntries(accounts.map((a) => [a, { regions }])),
  };
}

/** One flow-log-only policy per (account, region) in a fresh directory; `role`: the target's role. */
function policies(name, accounts, role) {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const account of accounts) {
    for (const region of REGIONS) {
      const roleLine = role ? `\n  roleArn: arn:aws:iam::${account}:role/cordon-plan` : "";
      writeFileSync(
        join(dir, `${account}-${region}.yaml`),
        `apiVersion: cordon.dev/v1
kind: Policy
metadata:
  name: flow-${account}-${region}
target:
  account: "${account}"
  region: ${region}${roleLine}
flowLogs:
  bucket:
    name: bench-${account}-${region}
    create: true
  vpcs:
    all: true
`,
      );
    }
  }
  return dir;
}

const env = {
  PATH: process.env.PATH,
  HOME: work,
  NO_COLOR: "1",
  AWS_ENDPOINT_URL: sandbox.url,
  AWS_REGION: REGIONS[0],
  AWS_ACCESS_KEY_ID: "AKIABENCH0000000001",
  AWS_SECRET_ACCESS_KEY: "bench",
  AWS_CONFIG_FILE: join(work, "none"),
  AWS_SHARED_CREDENTIALS_FILE: join(work, "none"),
};

/** One CLI process under /usr/bin/time: wall, CPU, peak RSS, exit code, the time it was started. */
function cordon(args) {
  const startedAt = Date.now();
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    execFile(
      "/usr/bin/time",
      [
        "-f",
        "CORDON-TIME %U %S %M",
        process.execPath,
        ...(process.env.SCALE_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.SCALE_CPU_PROF}`] : []),
        "dist/cordon.js",
        ...args,
      ],
      { cwd: ROOT, env, maxBuffer: 512 << 20 },
      (e, _stdout, stderr) => {
        const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
        const m = /CORDON-TIME ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
        const code = e === null ? 0 : e.code;
        if (m === null || (code !== 0 && code !== 2)) {
          reject(new Error(`cordon ${args.join(" ")} exited ${code}\n${stderr.slice(0, 4000)}`));
          return;
        }
        resolve({ wallMs, cpuMs: (Number(m[1]) + Number(m[2])) * 1000, rssMiB: Number(m[3]) / 1024, code, startedAt });
      },
    );
  });
}

/** `runs` runs of `args` (sandbox counters reset before each): the medians, the calls of the first. */
async function measure(label, args, expectCode, runs = RUNS, before = async () => {}) {
  const results = [];
  let calls;
  for (let i = 0; i < runs; i++) {
    await before();
    sandbox.control.resetCounters();
    sandbox.control.clearRequests();
    const r = await cordon(args);
    if (expectCode !== undefined && r.code !== expectCode)
      throw new Error(`${label}: exit ${r.code}, expected ${expectCode}: the benchmark state is wrong`);
    calls ??= callsOf(sandbox.control.counters());
    const first = sandbox.control.requests()[0];
    r.firstRequestMs = first === undefined ? null : Date.parse(first.time) - first.ms - r.startedAt;
    results.push(r);
  }
  const row = {
    label,
    wallMs: median(results.map((r) => r.wallMs)),
    cpuMs: median(results.map((r) => r.cpuMs)),
    rssMiB: median(results.map((r) => r.rssMiB)),
    calls,
    firstRequestMs: median(results.map((r) => r.firstRequestMs ?? 0)),
  };
  process.stderr.write(`  ${label}: ${(row.wallMs / 1000).toFixed(2)} s\n`);
  return row;
}

const rows = [];
const planArgs = (dir) => ["plan", dir, "--detailed-exitcode", "--today", TODAY];
const applyArgs = (dir) => ["apply", dir, "--auto-approve", "--today", TODAY];

for (const n of SIZES) {
  const dir = policies(`one-${n}`, [ACCOUNT], false);
  const fresh = () => {
    sandbox.control.setFaults({});
    sandbox.control.reset();
    sandbox.control.seed(estate([ACCOUNT], n));
    sandbox.control.setFaults(LATENCY > 0 ? { latencyMs: LATENCY } : {});
  };
  fresh();
  const estateName = `${n.toLocaleString("en")} VPCs × 4 regions`;
  const notLogged = await measure(`plan, ${estateName}, nothing yet logged`, planArgs(dir), 2);
  let apply;
  if (process.env.SCALE_SKIP_APPLY === "1") await cordon(applyArgs(dir));
  else apply = await measure(`apply, ${estateName}, first apply`, applyArgs(dir), 0, RUNS, async () => fresh());
  const converged = await measure(`plan, ${estateName}, converged (no changes)`, planArgs(dir), 0);
  rows.push({ n, ...notLogged }, ...(apply ? [{ n, ...apply }] : []), { n, ...converged });
}

if (process.env.SCALE_SKIP_ORG !== "1") {
  const accounts = Array.from({ length: 20 }, (_, i) => String(200000000000 + i * 1111));
  const dir = policies("org", accounts, true);
  sandbox.control.setFaults({});
  sandbox.control.reset();
  sandbox.control.seed(estate(accounts, 250));
  sandbox.control.setFaults(LATENCY > 0 ? { latencyMs: LATENCY } : {});
  rows.push({ n: 250, ...(await measure("plan, 20 accounts × 4 regions × 250 VPCs, assume-role", planArgs(dir), 2)) });
}

// The fixed cost: 500 VPCs in one region, no latency.
{
  const dir = join(work, "single");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "single.yaml"),
    `apiVersion: cordon.dev/v1
kind: Policy
metadata:
  name: single
target:
  account: "${ACCOUNT}"
  region: ${REGIONS[0]}
flowLogs:
  bucket:
    name: bench-single-${ACCOUNT}
    create: true
  vpcs:
    all: true
`,
  );
  sandbox.control.setFaults({});
  sandbox.control.reset();
  sandbox.control.seed({
    defaultAccount: ACCOUNT,
    accounts: { [ACCOUNT]: { regions: { [REGIONS[0]]: { vpcs: vpcEstate(500, (i) => ({ Name: `vpc-${i}` })) } } } },
  });
  rows.push({
    n: 500,
    ...(await measure("plan, 500 VPCs × 1 region, 0 ms latency", planArgs(dir), 2, Math.max(RUNS, 5))),
  });
}

await sandbox.stop();
rmSync(work, { recursive: true, force: true });

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log(
  `\nCordon at organisation scale: flow logs only, one policy per region, ${LATENCY} ms per call (last row: 0 ms);`,
);
console.log(`median of ${RUNS} whole-process runs (last row: ${Math.max(RUNS, 5)})\n`);
console.log("| run | wall | CPU | peak RSS | calls | CreateFlowLogs | first request |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of rows) {
  const create = r.calls.ops.find(([op]) => op === "ec2:CreateFlowLogs")?.[1] ?? 0;
  console.log(
    `| ${r.label} | ${s(r.wallMs)} | ${s(r.cpuMs)} | ${r.rssMiB.toFixed(0)} MiB | ${r.calls.total} | ${create} | ${Math.round(r.firstRequestMs)} ms |`,
  );
}
const cpuOf = (n) => rows.find((r) => r.n === n && r.label.startsWith("plan") && r.label.includes("nothing"))?.cpuMs;
const small = cpuOf(SIZES[0]);
const large = cpuOf(SIZES[SIZES.length - 1]);
if (small !== undefined && large !== undefined && SIZES.length > 1) {
  console.log(
    `\nPlan CPU, ${SIZES[SIZES.length - 1]} vs ${SIZES[0]} VPCs per region (nothing logged): ${(large / small).toFixed(1)}× for ${SIZES[SIZES.length - 1] / SIZES[0]}× the VPCs`,
  );
}
