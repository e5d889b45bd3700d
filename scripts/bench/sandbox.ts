// Sandbox benchmark: an estate of 10,000 VPCs (each with its default ACL, a custom ACL and a
// subnet) and DescribeNetworkAcls throughput through the real @aws-sdk/client-ec2.
// The sandbox runs in a child process so its CPU time is measured on its own (one core);
// the client runs here with keep-alive and a fixed concurrency. The server keeps a `--state` file
// (in a temporary directory), and a last scenario of NACL entry writes shows what persisting the
// ~19 MB state costs under a stream of mutations (how many times the file was written).
//
//   npx esbuild scripts/bench/sandbox.ts --bundle --platform=node --format=esm --packages=external \
//     --outfile=dist/bench-sandbox.mjs && node dist/bench-sandbox.mjs [--vpcs 10000] [--requests 5000] [--concurrency 16]
// (the bundle must sit inside the repository: with --packages=external it resolves the SDK from node_modules).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  type DescribeNetworkAclsCommandInput,
  EC2Client,
} from "@aws-sdk/client-ec2";
import type { Estate } from "@cordon/sandbox";
import { parseEstateText, startSandbox } from "@cordon/sandbox";

const ACCOUNT = "111122223333";
const REGION = "eu-west-1";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const hex = (n: number) => n.toString(16).padStart(17, "0");

function estate(vpcs: number): Estate {
  return {
    accounts: {
      [ACCOUNT]: {
        regions: {
          [REGION]: {
            vpcs: Array.from({ length: vpcs }, (_, i) => ({
              id: `vpc-${hex(i)}`,
              cidr: `10.${Math.floor(i / 256) % 256}.${i % 256}.0/24`,
              tags: { Name: `vpc-${i}`, env: i % 2 === 0 ? "production" : "staging" },
              networkAcls: [
                {
                  id: `acl-${hex(i)}`,
                  tags: { Name: `acl-${i}` },
                  entries: [{ ruleNumber: 10, egress: false, action: "deny" as const, cidr: "203.0.113.0/24" }],
                },
              ],
              subnets: [{ id: `subnet-${hex(i)}`, cidr: `10.${Math.floor(i / 256) % 256}.${i % 256}.0/26` }],
            })),
          },
        },
      },
    },
  };
}

async function server(): Promise<void> {
  const vpcs = arg("vpcs", 10_000);
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const i = process.argv.indexOf("--state");
  const stateFile = i >= 0 ? process.argv[i + 1] : undefined;
  const sandbox = await startSandbox({ seed: estate(vpcs), ...(stateFile !== undefined ? { stateFile } : {}) });
  const seedMs = performance.now() - t0;
  globalThis.gc?.();
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
  const stateMb = JSON.stringify(sandbox.store.dump()).length / 1e6;
  const rssMb = process.memoryUsage().rss / 1e6;
  process.stdout.write(`${JSON.stringify({ url: sandbox.url, seedMs, heapMb, stateMb, rssMb })}\n`);
  process.on("SIGTERM", () => {
    void sandbox.stop().then(() => process.exit(0));
  });
}

async function main(): Promise<void> {
  const vpcs = arg("vpcs", 10_000);
  const requests = arg("requests", 5000);
  const concurrency = arg("concurrency", 16);

  // YAML parse + validation cost of the same estate, as `cordon sandbox --seed` pays it.
  const json = JSON.stringify(estate(vpcs));
  const p0 = performance.now();
  parseEstateText(json, "estate.json");
  const parseMs = performance.now() - p0;

  const dir = mkdtempSync(join(tmpdir(), "cordon-bench-"));
  const child = spawn(
    process.execPath,
    ["--expose-gc", process.argv[1] as string, "--server", "--vpcs", String(vpcs), "--state", join(dir, "state.json")],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const info = await new Promise<{ url: string; seedMs: number; heapMb: number; stateMb: number; rssMb: number }>(
    (resolve, reject) => {
      let buf = "";
      child.stdout?.on("data", (d: Buffer) => {
        buf += d.toString();
        const line = buf.split("\n")[0];
        if (buf.includes("\n") && line) resolve(JSON.parse(line));
      });
      child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
    },
  );
  interface ServerStats {
    cpu: { user: number; system: number };
    stateFile: { writes: number; lastWriteMs: number; lastWriteBytes: number };
  }
  const stats = async () => (await (await fetch(`${info.url}/_sandbox/stats`)).json()) as ServerStats;
  const cpu = async () => {
    const r = await stats();
    return (r.cpu.user + r.cpu.system) / 1e6;
  };
  const ec2 = new EC2Client({
    endpoint: info.url,
    region: REGION,
    credentials: { accessKeyId: "AKIABENCH", secretAccessKey: "x" },
    maxAttempts: 1,
  });

  const scenarios: { name: string; input: (i: number) => DescribeNetworkAclsCommandInput }[] = [
    {
      name: "filter vpc-id (one VPC's ACLs)",
      input: (i) => ({ Filters: [{ Name: "vpc-id", Values: [`vpc-${hex((i * 7919) % vpcs)}`] }] }),
    },
    { name: "NetworkAclId", input: (i) => ({ NetworkAclIds: [`acl-${hex((i * 104729) % vpcs)}`] }) },
  ];
  const results: Record<string, unknown>[] = [];
  for (const s of scenarios) {
    for (let i = 0; i < 200; i++) await ec2.send(new DescribeNetworkAclsCommand(s.input(i))); // warm-up
    const cpu0 = await cpu();
    const t0 = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < requests) {
        const i = next++;
        const r = await ec2.send(new DescribeNetworkAclsCommand(s.input(i)));
        if ((r.NetworkAcls?.length ?? 0) === 0) throw new Error(`no ACLs for request ${i}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const wall = (performance.now() - t0) / 1000;
    const serverCpu = (await cpu()) - cpu0;
    results.push({
      scenario: s.name,
      requests,
      wallSeconds: +wall.toFixed(2),
      clientObservedPerSecond: Math.round(requests / wall),
      serverCpuSeconds: +serverCpu.toFixed(2),
      serverRequestsPerCpuSecond: Math.round(requests / serverCpu),
    });
  }
  // Mutations with --state: a create and a delete of rule 20 on ACLs spread over the estate.
  {
    const before = await stats();
    const cpu0 = await cpu();
    const t0 = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < requests) {
        const i = next;
        next += 2;
        const entry = { NetworkAclId: `acl-${hex((i * 7919) % vpcs)}`, RuleNumber: 20, Egress: true };
        await ec2.send(
          new CreateNetworkAclEntryCommand({
            ...entry,
            Protocol: "-1",
            RuleAction: "deny",
            CidrBlock: "198.51.100.0/24",
          }),
        );
        await ec2.send(new DeleteNetworkAclEntryCommand(entry));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const wall = (performance.now() - t0) / 1000;
    const serverCpu = (await cpu()) - cpu0;
    const after = await stats();
    results.push({
      scenario: "Create/DeleteNetworkAclEntry with --state",
      requests,
      wallSeconds: +wall.toFixed(2),
      clientObservedPerSecond: Math.round(requests / wall),
      serverCpuSeconds: +serverCpu.toFixed(2),
      serverRequestsPerCpuSecond: Math.round(requests / serverCpu),
      stateFileWrites: after.stateFile.writes - before.stateFile.writes,
      stateFileMb: +(after.stateFile.lastWriteBytes / 1e6).toFixed(1),
      stateFileWriteMs: Math.round(after.stateFile.lastWriteMs),
    });
  }
  const u0 = performance.now();
  const page = await ec2.send(new DescribeNetworkAclsCommand({ MaxResults: 1000 }));
  const unfilteredPageMs = performance.now() - u0;

  console.log(
    JSON.stringify(
      {
        node: process.version,
        estate: { vpcs, networkAcls: vpcs * 2, subnets: vpcs },
        estateParseAndValidateMs: Math.round(parseMs),
        seedMs: Math.round(info.seedMs),
        serverHeapGrowthMbForEstate: Math.round(info.heapMb),
        serverRssMbAfterSeed: Math.round(info.rssMb),
        stateJsonMb: +info.stateMb.toFixed(1),
        unfilteredPageOf1000AclsMs: Math.round(unfilteredPageMs),
        unfilteredPageSize: page.NetworkAcls?.length,
        concurrency,
        results,
      },
      null,
      2,
    ),
  );
  ec2.destroy();
  await new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.once("exit", resolve);
    child.kill("SIGTERM");
  });
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv.includes("--server")) await server();
else await main();
