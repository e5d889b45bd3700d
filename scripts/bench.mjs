// npm run bench: API calls and whole-process wall time of `cordon plan` and `cordon apply` for a
// policy covering every VPC, against a sandbox seeded with 50 and 500 VPCs of which half already
// have Cordon's flow log; then the same with 20 ms of latency injected on every request.
//
// Builds dist/cordon.js (scripts/build.mjs) and bundles the sandbox with esbuild, runs the sandbox
// in this process and the CLI as separate processes (median of 5 runs each). Apply is measured
// from the same starting state every run (the sandbox is reset and re-seeded before each).
// Then the blocking section (scripts/bench/blocking.mjs), reading hostile policy files
// (scripts/bench/validate.ts: cost at n and 4n) and speed at organisation scale
// (scripts/bench/scale.mjs, docs/performance.md; BENCH_SCALE=0 leaves it out), after the sandbox's
// synthetic flow-log generation (scripts/bench/traffic.mjs; BENCH_TRAFFIC=0 leaves it out) and
// cordon query on the local engine (scripts/bench/query.mjs; BENCH_QUERY=0 leaves it out).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ACCOUNT,
  callsOf,
  cordonRunner,
  loadSandbox,
  median,
  REGION,
  ROOT,
  TODAY,
  vpcEstate,
} from "./bench/common.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? "50,500").split(",").map(Number);
const LATENCIES = (process.env.BENCH_LATENCIES ?? "0,20").split(",").map(Number);
execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT, stdio: "inherit" });
const work = mkdtempSync(join(tmpdir(), "cordon-bench-"));
const startSandbox = await loadSandbox(work);

function estate(n) {
  const vpcs = vpcEstate(n, (i) => ({ Name: `vpc-${i}`, bench: "yes", ...(i % 2 === 0 ? { half: "yes" } : {}) }));
  return { defaultAccount: ACCOUNT, accounts: { [ACCOUNT]: { regions: { [REGION]: { vpcs } } } } };
}

function policy(selector) {
  return `apiVersion: cordon.dev/v1
kind: Policy
metadata:
  name: bench
target:
  account: "${ACCOUNT}"
  region: ${REGION}
flowLogs:
  bucket:
    name: bench-flow-logs-${ACCOUNT}
    create: true
    prefix: flow
  vpcs:
    tags:
      ${selector}: "yes"
athena:
  database: bench
  table: flow_logs
  projectionStartDate: 2026-01-01
`;
}

mkdirSync(join(work, "all"), { recursive: true });
mkdirSync(join(work, "half"), { recursive: true });
writeFileSync(join(work, "all", "bench.yaml"), policy("bench"));
writeFileSync(join(work, "half", "bench.yaml"), policy("half"));

const sandbox = await startSandbox({ requestLogSize: 10 });
const cordon = cordonRunner(sandbox.url, work, "AKIABENCH0000000001");

/** A fresh estate with half the VPCs already logged by Cordon, then the latency under test. */
async function prepare(n, latencyMs) {
  sandbox.control.reset();
  sandbox.control.seed(estate(n));
  await cordon(["apply", join(work, "half"), "--auto-approve", "--today", TODAY]);
  sandbox.control.setFaults(latencyMs > 0 ? { latencyMs } : {});
  sandbox.control.resetCounters();
}

const rows = [];
for (const latency of LATENCIES) {
  for (const n of SIZES) {
    // plan: read-only, so the prepared state serves every run.
    await prepare(n, latency);
    const planTimes = [];
    let planCalls;
    for (let i = 0; i < RUNS; i++) {
      sandbox.control.resetCounters();
      const r = await cordon(["plan", join(work, "all"), "--detailed-exitcode", "--today", TODAY]);
      if (r.code !== 2) throw new Error("plan found no changes: the benchmark state is wrong");
      planTimes.push(r.ms);
      planCalls ??= callsOf(sandbox.control.counters());
    }
    rows.push({ n, latency, command: "plan", ms: median(planTimes), calls: planCalls });
    // apply: from the same starting state each run.
    const applyTimes = [];
    let applyCalls;
    for (let i = 0; i < RUNS; i++) {
      await prepare(n, latency);
      const r = await cordon(["apply", join(work, "all"), "--auto-approve", "--today", TODAY]);
      applyTimes.push(r.ms);
      applyCalls ??= callsOf(sandbox.control.counters());
    }
    rows.push({ n, latency, command: "apply", ms: median(applyTimes), calls: applyCalls });
    process.stderr.write(`  done: ${n} VPCs, ${latency} ms latency\n`);
  }
}
await sandbox.stop();
rmSync(work, { recursive: true, force: true });

console.log(`\nCordon benchmark: policy over every VPC, half already logged; median of ${RUNS} whole-process runs\n`);
console.log("| VPCs | latency | command | wall (median) | API calls | calls by operation |");
console.log("| ---: | ---: | --- | ---: | ---: | --- |");
for (const r of rows) {
  const ops = r.calls.ops.map(([op, c]) => `${op} ${c}`).join(", ");
  console.log(
    `| ${r.n} | ${r.latency} ms | ${r.command} | ${(r.ms / 1000).toFixed(2)} s | ${r.calls.total} | ${ops} |`,
  );
}

// Blocking section (issue 5): CIDR aggregation, and plan/apply of 10,000 WAF CIDRs + 18 NACL CIDRs over 500 VPCs.
await import("./bench/blocking.mjs");

// Reading hostile policy files: bundled with its packages left to node_modules (yaml, ajv).
const { build } = await import("esbuild");
const validateBench = join(ROOT, "node_modules/.cache/cordon-bench/validate.mjs");
await build({
  entryPoints: [join(ROOT, "scripts/bench/validate.ts")],
  outfile: validateBench,
  bundle: true,
  packages: "external",
  format: "esm",
  platform: "node",
  target: "node20",
  logLevel: "warning",
});
execFileSync(process.execPath, [validateBench], { stdio: "inherit" });

// Synthetic flow-log generation (the sandbox's `scale` traffic scenario): records/s.
if (process.env.BENCH_TRAFFIC !== "0") await import("./bench/traffic.mjs");

// cordon query on the local engine: top-talkers over a week of three accounts' flow logs, fetch
// and query apart, and pruning (docs/performance.md, "Query"; BENCH_QUERY=0 leaves it out).
if (process.env.BENCH_QUERY !== "0") await import("./bench/query.mjs");

// Speed at organisation scale: 500 to 5,000 VPCs × 4 regions at 50 ms per call, 20 accounts
// through AssumeRole, and the fixed cost of a command (docs/performance.md).
if (process.env.BENCH_SCALE !== "0") await import("./bench/scale.mjs");
