// npm run bench, blocking section (imported at the end of scripts/bench.mjs; runnable alone after
// `npm run build`: node scripts/bench/blocking.mjs):
//   1. CIDR aggregation: 1,000,000 random IPv4 and 100,000 IPv6 addresses (scripts/bench/aggregate.ts).
//   2. plan and apply of a policy set with 10,000 blocked CIDRs enforced in WAF (two IP sets, a web
//      ACL with a geo rule, one ALB) and 18 enforced as deny entries in both directions of the
//      network ACLs of 500 VPCs: API calls by operation and whole-process wall time (plan: median
//      of BENCH_RUNS, default 3; apply: one run from a fresh estate).
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const ROOT = process.cwd();
const RUNS = Number(process.env.BENCH_BLOCKING_RUNS ?? 3);
const VPCS = Number(process.env.BENCH_BLOCKING_VPCS ?? 500);
const WAF_CIDRS = 10_000;
const NACL_CIDRS = 18;
const ACCOUNT = "111122223333";
const REGION = "eu-west-1";
const TODAY = "2026-11-26";

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
await build({
  entryPoints: [join(ROOT, "src/sandbox/server.ts")],
  outfile: join(work, "sandbox.mjs"),
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  logLevel: "warning",
  banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
});
const { startSandbox } = await import(pathToFileURL(join(work, "sandbox.mjs")).href);

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

const hex = (n) => n.toString(16).padStart(17, "0");
const estate = () => {
  const vpcs = [];
  for (let i = 0; i < VPCS; i++) {
    vpcs.push({
      id: `vpc-${hex(i + 1)}`,
      cidr: `10.${Math.floor(i / 250)}.${(i % 250) + 1}.0/24`,
      tags: { bench: "yes" },
      subnets: [{ id: `subnet-${hex(i + 1)}`, cidr: `10.${Math.floor(i / 250)}.${(i % 250) + 1}.0/26` }],
    });
  }
  return {
    defaultAccount: ACCOUNT,
    accounts: {
      [ACCOUNT]: {
        regions: { [REGION]: { vpcs, loadBalancers: [{ name: "bench-alb", vpc: `vpc-${hex(1)}` }] } },
      },
    },
  };
};

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
const env = {
  PATH: process.env.PATH,
  HOME: work,
  NO_COLOR: "1",
  AWS_ENDPOINT_URL: sandbox.url,
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: "AKIABENCH0000000002",
  AWS_SECRET_ACCESS_KEY: "bench",
  AWS_CONFIG_FILE: join(work, "none"),
  AWS_SHARED_CREDENTIALS_FILE: join(work, "none"),
};

function cordon(args) {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["dist/cordon.js", ...args],
      { cwd: ROOT, env, maxBuffer: 256 << 20 },
      (e, _stdout, stderr) => {
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        const code = e === null ? 0 : e.code;
        if (code !== 0 && code !== 2)
          reject(new Error(`cordon ${args.join(" ")} exited ${code}\n${stderr.slice(0, 4000)}`));
        else resolve({ ms, code });
      },
    );
  });
}

function callsOf(counters) {
  const ops = [];
  for (const [service, byOp] of Object.entries(counters)) {
    for (const [op, count] of Object.entries(byOp)) ops.push([`${service}:${op}`, count]);
  }
  ops.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return { total: ops.reduce((t, [, c]) => t + c, 0), ops };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

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
