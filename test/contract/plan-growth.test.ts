// Plan CPU grows linearly with the estate (docs/performance.md): the planning function
// (planPolicies: inventory, observation, desired state, plan) over a flow-log policy, in process
// against the sandbox, at 4,000 VPCs takes under 30× the CPU time it takes at 400. Linear growth
// gives about 10× (less the fixed cost); growth with the square, as main's topological sort, flow-log
// index per VPC and per-change copies once caused, gives about 100×. The margin between the two keeps
// a noisy shared machine from deciding the outcome; the figures themselves live in `npm run bench`.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsSession } from "../../src/aws/config.js";
import { loadValidPolicies, planPolicies } from "../../src/executor/pipeline.js";
import { ACCOUNT, makeTmp, TODAY } from "../e2e/helpers.js";

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
const tmp = makeTmp("cordon-growth-");
const hex = (i: number) => (i + 1).toString(16).padStart(17, "0");

beforeAll(async () => {
  process.env["AWS_ACCESS_KEY_ID"] = "AKIAGROWTHTEST000001";
  process.env["AWS_SECRET_ACCESS_KEY"] = "growth-secret";
  sandbox = await startSandbox({});
});

afterAll(async () => {
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** `n` VPCs in a region of their own, and a flow-log policy over all of them. */
function estate(n: number, region: string): string {
  sandbox.control.seed({
    accounts: {
      [ACCOUNT]: {
        regions: {
          [region]: {
            vpcs: Array.from({ length: n }, (_, i) => ({
              id: `vpc-${hex(i)}`,
              cidr: `10.${Math.floor(i / 250)}.${(i % 250) + 1}.0/24`,
              tags: { Name: `vpc-${i}` },
            })),
          },
        },
      },
    },
  });
  const dir = join(tmp, region);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "flow.yaml"),
    `apiVersion: cordon.dev/v1
kind: Policy
metadata:
  name: growth-${n}
target:
  account: "${ACCOUNT}"
  region: ${region}
flowLogs:
  bucket:
    name: growth-${region}
    create: true
  vpcs:
    all: true
`,
  );
  return dir;
}

describe("plan CPU grows linearly with the estate", () => {
  it("plans 4,000 VPCs in under 30× the CPU time of 400 (linear, not quadratic)", async () => {
    const small = loadValidPolicies([estate(400, "eu-west-1")], TODAY);
    const large = loadValidPolicies([estate(4000, "eu-central-1")], TODAY);
    const session = createAwsSession({ endpoint: sandbox.url, serviceEndpoints: {}, maxAttempts: 2 });
    /** CPU time (user + system, µs) of one plan; a fresh session each time, as a command has. */
    const cpu = async (loaded: typeof small): Promise<number> => {
      const start = process.cpuUsage();
      const run = await planPolicies(loaded, { today: TODAY, session, cordonVersion: "0.0.0" });
      const used = process.cpuUsage(start);
      expect(run.plan.summary.add).toBeGreaterThan(400);
      return used.user + used.system;
    };
    // Warm-up, then the least of several alternating runs: CPU time, not wall clock, so that a
    // loaded machine does not decide the outcome.
    await cpu(small);
    await cpu(large);
    let s = Number.POSITIVE_INFINITY;
    let l = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 4; round++) {
      s = Math.min(s, await cpu(small));
      l = Math.min(l, await cpu(large));
    }
    expect(l / s).toBeLessThan(30);
  }, 300_000);
});
