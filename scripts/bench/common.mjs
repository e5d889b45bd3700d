// Helpers both benchmark scripts (scripts/bench.mjs, scripts/bench/blocking.mjs) use: the sandbox
// bundled and loaded in this process, the CLI run as a separate process against it, VPC estates,
// medians and API-call counters.
import { execFile } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

export const ROOT = process.cwd();
export const ACCOUNT = "111122223333";
export const REGION = "eu-west-1";
export const TODAY = "2026-11-26";

/** Bundles the sandbox package (packages/sandbox) into `work` and imports it: resolves to its startSandbox. */
export async function loadSandbox(work) {
  // DuckDB (the sandbox's Athena) is a native addon: left out of the bundle and resolved from the
  // repository's node_modules, so the bundle is written inside the repository, not in `work`.
  const dir = join(ROOT, "node_modules", ".cache", "cordon-bench");
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `sandbox-${process.pid}-${basename(work)}.mjs`);
  await build({
    entryPoints: [join(ROOT, "packages/sandbox/src/index.ts")],
    outfile,
    external: ["@duckdb/node-api"],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "warning",
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
  });
  const { startSandbox } = await import(pathToFileURL(outfile).href);
  process.once("exit", () => rmSync(outfile, { force: true }));
  return startSandbox;
}

/**
 * Runs dist/cordon.js against the sandbox at `url` (HOME and the AWS config files in `work`, so
 * nothing of the user's leaks in): resolves { ms, stdout, code } for exit 0 or 2, rejects otherwise.
 */
export function cordonRunner(url, work, accessKeyId) {
  const env = {
    PATH: process.env.PATH,
    HOME: work,
    NO_COLOR: "1",
    AWS_ENDPOINT_URL: url,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: "bench",
    AWS_CONFIG_FILE: join(work, "none"),
    AWS_SHARED_CREDENTIALS_FILE: join(work, "none"),
  };
  return (args) => {
    const start = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        ["dist/cordon.js", ...args],
        { cwd: ROOT, env, maxBuffer: 256 << 20 },
        (e, stdout, stderr) => {
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          const code = e === null ? 0 : e.code;
          if (code !== 0 && code !== 2)
            reject(new Error(`cordon ${args.join(" ")} exited ${code}\n${stderr.slice(0, 4000)}`));
          else resolve({ ms, stdout, code });
        },
      );
    });
  };
}

const hex = (n) => n.toString(16).padStart(17, "0");
/** The id of the i-th (0-based) VPC of vpcEstate. */
export const vpcId = (i) => `vpc-${hex(i + 1)}`;

/** `n` VPCs (a /24 each under 10/8, with one /26 subnet), tagged by `tagsOf(i)`, for seeding the sandbox. */
export function vpcEstate(n, tagsOf) {
  const vpcs = [];
  for (let i = 0; i < n; i++) {
    vpcs.push({
      id: vpcId(i),
      cidr: `10.${Math.floor(i / 250)}.${(i % 250) + 1}.0/24`,
      tags: tagsOf(i),
      subnets: [{ id: `subnet-${hex(i + 1)}`, cidr: `10.${Math.floor(i / 250)}.${(i % 250) + 1}.0/26` }],
    });
  }
  return vpcs;
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The sandbox's request counters as a total and "service:Operation" counts, most frequent first. */
export function callsOf(counters) {
  const ops = [];
  for (const [service, byOp] of Object.entries(counters)) {
    for (const [op, count] of Object.entries(byOp)) ops.push([`${service}:${op}`, count]);
  }
  ops.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return { total: ops.reduce((t, [, c]) => t + c, 0), ops };
}
