// Plan CPU grows linearly with the estate (docs/performance.md): the planning function
// (planPolicies: inventory, observation, desired state, plan) over a flow-log policy, in process
// against the sandbox, at 4,000 VPCs takes under 10× the CPU time it takes at 400. main's
// topological sort, flow-log index per VPC and per-change copies made it grow with the square.
// Each measurement starts after a full garbage collection, so that garbage left by the run before
// (a larger heap after the large estate) is not charged to the next one.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsSession } from "../../src/aws/config.js";
import { loadValidPolicies, planPolicies } from "../../src/executor/pipeline.js";
import { ACCOUNT, makeTmp, TODAY } from "../e2e/helpers.js";

/** A full collection, with V8's own `gc` made reachable for this process (no --expose-gc flag needed). */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

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
  it("plans 4,000 VPCs in under 10× the CPU time of 400", async () => {
    const small = loadValidPolicies([estate(400, "eu-west-1")], TODAY);
    const large = loadValidPolicies([estate(4000, "eu-central-1")], TODAY);
    const session = createAwsSession({ endpoint: sandbox.url, serviceEndpoints: {}, maxAttempts: 2 });
    /** CPU time (user + system, µs) of one plan; a fresh session each time, as a command has. */
    const cpu = async (loaded: typeof small): Promise<number> => {
      collectGarbage();
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
    expect(l / s).toBeLessThan(10);
  }, 300_000);
});
