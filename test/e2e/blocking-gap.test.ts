// Gap monitor: while `cordon apply` (a separate process) swaps and renumbers NACL entries in a full
// band and changes the WAF IP set and geo rule, a poller reads the sandbox every few milliseconds
// through the SDK and checks that every block declared before AND after the change is enforced at
// every instant: covered by all-traffic deny entries in each direction, present in the IP set,
// and its country in the geo rule. Latency on the mutating calls keeps the apply slow enough for
// the poller to see the intermediate states.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeNetworkAclsCommand, EC2Client, type NetworkAclEntry } from "@aws-sdk/client-ec2";
import {
  GetIPSetCommand,
  GetWebACLCommand,
  ListIPSetsCommand,
  ListWebACLsCommand,
  WAFV2Client,
} from "@aws-sdk/client-wafv2";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aggregate, type Cidr, cidrOf, formatCidr as fmt } from "../../src/domain/cidr.js";
import { coveredBy } from "../../src/domain/nacl.js";
import { ACCOUNT, cordonRunner, makeTmp, oneRegionEstate, REGION, sandboxClientConfig, TODAY } from "./helpers.js";

const VPC = "vpc-0000000000000a001";
const ACL = "acl-0000000000000a001";
const KEY = "AKIAGAPMONITOR000001";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const BEFORE = {
  cidrs: ["198.51.100.0/24", "203.0.113.64/26", "192.0.2.1/32", "100.64.1.0/24"],
  countries: ["KP", "TV"],
};
const AFTER = { cidrs: ["198.51.100.0/24", "192.0.2.0/28", "100.64.2.0/24", "100.64.9.0/24"], countries: ["CU", "TV"] };

function policy(state: { cidrs: string[]; countries: string[] }): string {
  return [
    "apiVersion: cordon.dev/v1",
    "kind: Policy",
    "metadata: { name: gap-monitor }",
    `target: { account: "${ACCOUNT}", region: ${REGION} }`,
    "blockedAddresses:",
    "  networkAcls:",
    `    vpcs: { ids: [${VPC}] }`,
    "    direction: both",
    "    ruleNumbers: { first: 1, last: 4 }",
    "  webAcl: true",
    "  entries:",
    ...state.cidrs.map((c) => `    - { cidr: ${c}, reason: gap monitor }`),
    "webAcl:",
    "  name: gap-edge",
    "  loadBalancers: { names: [gap-alb] }",
    "blockedCountries:",
    "  countries:",
    ...state.countries.map((c) => `    - { code: ${c}, reason: gap monitor }`),
    "",
  ].join("\n");
}

const tmp = makeTmp("cordon-gap-");
let sandbox: SandboxHandle;
let ec2: EC2Client;
let waf: WAFV2Client;

const cordon = cordonRunner({ tmp, endpoint: () => sandbox.url, accessKeyId: KEY });

interface Snapshot {
  readonly nacl: readonly NetworkAclEntry[];
  readonly ipSet: readonly string[];
  readonly countries: readonly string[];
}

async function snapshot(): Promise<Snapshot> {
  const [acls, sets, acls2] = await Promise.all([
    ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [ACL] })),
    waf.send(new ListIPSetsCommand({ Scope: "REGIONAL" })),
    waf.send(new ListWebACLsCommand({ Scope: "REGIONAL" })),
  ]);
  const v4 = sets.IPSets?.find((s) => s.Name === "gap-edge-blocked-ipv4");
  const web = acls2.WebACLs?.find((w) => w.Name === "gap-edge");
  const [set, acl] = await Promise.all([
    waf.send(new GetIPSetCommand({ Scope: "REGIONAL", Name: v4!.Name!, Id: v4!.Id! })),
    waf.send(new GetWebACLCommand({ Scope: "REGIONAL", Name: web!.Name!, Id: web!.Id! })),
  ]);
  const geo = acl.WebACL?.Rules?.find((r) => r.Name === "cordon-block-countries")?.Statement?.GeoMatchStatement;
  return {
    nacl: acls.NetworkAcls?.[0]?.Entries ?? [],
    ipSet: set.IPSet?.Addresses ?? [],
    countries: geo?.CountryCodes ?? [],
  };
}

/** Blocks declared before and after the change (as aggregated CIDRs of BEFORE still covered by AFTER). */
const kept: Cidr[] = aggregate(BEFORE.cidrs.map((c) => cidrOf(c)!)).filter((b) =>
  coveredBy(
    b,
    AFTER.cidrs.map((c) => cidrOf(c)!),
  ),
);
const keptCountries = BEFORE.countries.filter((c) => AFTER.countries.includes(c));

/** What a snapshot is missing of the kept blocks: "outbound 192.0.2.1/32", "ip set 198.51.100.0/24", "country TV". */
function missing(s: Snapshot): string[] {
  const out: string[] = [];
  for (const egress of [false, true]) {
    const denies = s.nacl
      .filter((e) => e.Egress === egress && e.RuleAction === "deny" && e.Protocol === "-1" && (e.RuleNumber ?? 0) <= 4)
      .map((e) => cidrOf(e.CidrBlock ?? ""))
      .filter((c): c is Cidr => c !== null);
    for (const k of kept) if (!coveredBy(k, denies)) out.push(`${egress ? "outbound" : "inbound"} ${fmt(k)}`);
  }
  const set = s.ipSet.map((a) => cidrOf(a)).filter((c): c is Cidr => c !== null);
  for (const k of kept) if (!coveredBy(k, set)) out.push(`ip set ${fmt(k)}`);
  for (const c of keptCountries) if (!s.countries.includes(c)) out.push(`country ${c}`);
  return out;
}

const naclKey = (s: Snapshot) =>
  s.nacl
    .filter((e) => (e.RuleNumber ?? 0) <= 4)
    .map((e) => `${e.Egress}:${e.RuleNumber}:${e.CidrBlock}`)
    .sort()
    .join(",");

beforeAll(async () => {
  sandbox = await startSandbox({
    seed: oneRegionEstate({
      vpcs: [
        {
          id: VPC,
          cidr: "10.40.0.0/16",
          networkAcls: [
            {
              id: ACL,
              entries: [
                { ruleNumber: 100, egress: false, action: "allow", cidr: "0.0.0.0/0" },
                { ruleNumber: 100, egress: true, action: "allow", cidr: "0.0.0.0/0" },
              ],
            },
          ],
          subnets: [{ id: "subnet-0000000000000a001", cidr: "10.40.0.0/20", networkAcl: ACL }],
        },
      ],
      loadBalancers: [{ name: "gap-alb", vpc: VPC }],
    }),
    requestLogSize: 20_000,
  });
  const client = sandboxClientConfig(sandbox.url, KEY);
  ec2 = new EC2Client(client);
  waf = new WAFV2Client(client);
  mkdirSync(join(tmp, "policies"));
  writeFileSync(join(tmp, "policies/gap.yaml"), policy(BEFORE));
});

afterAll(async () => {
  ec2?.destroy();
  waf?.destroy();
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("gap monitor", () => {
  it("the monitor itself flags a block that goes missing", async () => {
    const r = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(r.stderr).not.toMatch(/failed/);
    expect(r.status).toBe(0);
    const s = await snapshot();
    expect(missing(s)).toEqual([]);
    const withoutOne = { ...s, nacl: s.nacl.filter((e) => !(e.Egress === true && e.CidrBlock === "192.0.2.1/32")) };
    expect(missing(withoutOne)).toEqual(["outbound 192.0.2.1/32"]);
    expect(missing({ ...s, countries: ["KP"] })).toEqual(["country TV"]);
  });

  it("no declared block that stays declared is ever missing while apply swaps and renumbers", async () => {
    const before = await snapshot();
    writeFileSync(join(tmp, "policies/gap.yaml"), policy(AFTER));
    const plan = await cordon(["plan", "policies", "--format", "json", "--today", TODAY]);
    const replaces = (
      JSON.parse(plan.stdout).changes as { kind: string; fields: { before: unknown; after: unknown }[] }[]
    )
      .filter((c) => c.kind === "ec2.naclEntries")
      .flatMap((c) => c.fields)
      .filter((f) => f.before !== null && f.after !== null);
    expect(replaces.length).toBeGreaterThan(0); // entries are swapped in place: the band is full

    const slow = [
      "CreateNetworkAclEntry",
      "ReplaceNetworkAclEntry",
      "DeleteNetworkAclEntry",
      "UpdateIPSet",
      "UpdateWebACL",
    ];
    sandbox.control.setFaults({
      rules: slow.map((operation) => ({ kind: "latency" as const, operation, latencyMs: 40 })),
    });
    let done = false;
    const problems: string[] = [];
    const states = new Set<string>([naclKey(before)]);
    let polls = 0;
    const poller = (async () => {
      while (!done) {
        const s = await snapshot();
        polls++;
        states.add(naclKey(s));
        for (const m of missing(s)) problems.push(`poll ${polls}: ${m} missing`);
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    const r = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    done = true;
    await poller;
    sandbox.control.setFaults({});
    expect(r.status).toBe(0);
    expect(problems).toEqual([]);
    expect(polls).toBeGreaterThan(10);
    // before, at least one intermediate state, after: the poller watched the transition happen
    expect(states.size).toBeGreaterThanOrEqual(3);
    const after = await snapshot();
    expect(missing(after)).toEqual([]);
    expect(after.countries).toEqual(["CU", "TV"]);
    const check = await cordon(["plan", "policies", "--detailed-exitcode", "--today", TODAY]);
    expect(check.status).toBe(0);
  });
});
