// npm run bench, blocking section (imported at the end of scripts/bench.mjs; runnable alone after
// `npm run build`: node scripts/bench/blocking.mjs):
//   1. CIDR aggregation: 1,000,000 random IPv4 and 100,000 IPv6 addresses (scripts/bench/aggregate.ts).
//   2. plan and apply of a policy set with 10,000 blocked CIDRs enforced in WAF (two IP sets, a web
//      ACL with a geo rule, one ALB) and 18 enforced as deny entries in both directions of the
//      network ACLs of 500 VPCs: API calls by operation and whole-process wall time (plan: median
//      of BENCH_RUNS, default 3; apply: one run from a fresh estate).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
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
  vpcId,
} from "./common.mjs";

const RUNS = Number(process.env.BENCH_BLOCKING_RUNS ?? 3);
const VPCS = Number(process.env.BENCH_BLOCKING_VPCS ?? 500);
const WAF_CIDRS = 10_000;
const NACL_CIDRS = 18;
const work = mkdtempSync(join(tmpdir(), "cordon-bench-blocking-"));

// 1. Aggregation.
console.log("\nCIDR aggregation (scripts/bench/aggregate.ts)\n");
await build({
  entryPoints: [join(ROOT, "scripts/bench/aggregate.ts")],
  outfile: join(work, "aggregate.mjs"),
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  logLevel: "warning",
});
execFileSync(process.execPath, [join(work, "aggregate.mjs")], { stdio: "inherit" });

// 2. Plan and apply.
const startSandbox = await loadSandbox(work);

/** Seeded distinct public /32s outside 10/8 that never merge (every other address of a /31 pair). */
function cidrs(n, seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const out = new Set();
  while (out.size < n) {
    const a = 11 + (next() % 80); // 11.x – 90.x
    const ip = `${a}.${next() % 256}.${next() % 256}.${(next() % 128) * 2}`;
    out.add(`${ip}/32`);
  }
  return [...out];
}

const estate = () => ({
  defaultAccount: ACCOUNT,
  accounts: {
    [ACCOUNT]: {
      regions: {
        [REGION]: {
          vpcs: vpcEstate(VPCS, () => ({ bench: "yes" })),
          loadBalancers: [{ name: "bench-alb", vpc: vpcId(0) }],
        },
      },
    },
  },
});

const entries = (list) => list.map((c) => `    - { cidr: ${c}, reason: bench }`).join("\n");
const header = (name) =>
  `apiVersion: cordon.dev/v1\nkind: Policy\nmetadata: { name: ${name} }\ntarget: { account: "${ACCOUNT}", region: ${REGION} }\n`;
const policies = join(work, "policies");
mkdirSync(policies);
writeFileSync(
  join(policies, "nacl.yaml"),
  `${header("bench-nacl")}blockedAddresses:\n  networkAcls:\n    vpcs: { tags: { bench: "yes" } }\n    direction: both\n  entries:\n${entries(cidrs(NACL_CIDRS, 7))}\n`,
);
writeFileSync(
  join(policies, "waf.yaml"),
  `${header("bench-waf")}blockedAddresses:\n  webAcl: true\n  entries:\n${entries(cidrs(WAF_CIDRS, 11))}\nwebAcl:\n  name: bench-edge\n  loadBalancers: { names: [bench-alb] }\nblockedCountries:\n  countries:\n    - { code: TV, reason: bench }\n`,
);

const sandbox = await startSandbox({ requestLogSize: 10 });
const cordon = cordonRunner(sandbox.url, work, "AKIABENCH0000000002");

const rows = [];
sandbox.control.seed(estate());
const planTimes = [];
let planCalls;
for (let i = 0; i < RUNS; i++) {
  sandbox.control.resetCounters();
  const r = await cordon(["plan", policies, "--format", "json", "--detailed-exitcode", "--today", TODAY]);
  if (r.code !== 2) throw new Error("plan found no changes: the benchmark state is wrong");
  planTimes.push(r.ms);
  planCalls ??= callsOf(sandbox.control.counters());
}
rows.push({ what: `plan (median of ${RUNS})`, ms: median(planTimes), calls: planCalls });
sandbox.control.resetCounters();
const applied = await cordon(["apply", policies, "--auto-approve", "--today", TODAY]);
rows.push({ what: "apply (first run)", ms: applied.ms, calls: callsOf(sandbox.control.counters()) });
sandbox.control.resetCounters();
const after = await cordon(["plan", policies, "--detailed-exitcode", "--today", TODAY]);
if (after.code !== 0) throw new Error("plan after apply still finds changes");
rows.push({ what: "plan after apply (no changes)", ms: after.ms, calls: callsOf(sandbox.control.counters()) });
await sandbox.stop();
rmSync(work, { recursive: true, force: true });

console.log(
  `\nBlocking: ${WAF_CIDRS.toLocaleString("en")} CIDRs in WAF IP sets + ${NACL_CIDRS} CIDRs as NACL denies (both directions) in the default ACLs of ${VPCS} VPCs\n`,
);
console.log("| command | wall | API calls | calls by operation |");
console.log("| --- | ---: | ---: | --- |");
for (const r of rows) {
  const ops = r.calls.ops.map(([op, c]) => `${op} ${c}`).join(", ");
  console.log(`| ${r.what} | ${(r.ms / 1000).toFixed(2)} s | ${r.calls.total} | ${ops} |`);
}
