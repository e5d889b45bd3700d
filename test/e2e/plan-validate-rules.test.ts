// `cordon plan` refuses what validation refuses, with validation's codes at file:line:column, before
// any AWS call: the desired state does not check those rules again under other codes (it only keeps
// assertions naming them, which no CLI path reaches).
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT, makeTmp, REGION, requireCli, runCli, sandboxCliEnv, TODAY } from "./helpers.js";

const tmp = makeTmp("cordon-plan-rules-");
// Port 9 (discard): nothing answers, so any AWS call would fail loudly.
const env = sandboxCliEnv({ tmp, endpoint: () => "http://127.0.0.1:9", accessKeyId: "AKIAE2EPLANRULES001" });

const POLICY = `apiVersion: cordon.dev/v1
kind: Policy
metadata:
  name: rules
target:
  account: "${ACCOUNT}"
  region: ${REGION}
allowlist:
  - { cidr: 192.0.2.10/32, reason: office VPN }
blockedAddresses:
  webAcl: true
  networkAcls: { vpcs: { all: true } }
  entries:
    - { cidr: 203.0.113.5/24, reason: host bits }
    - { cidr: 192.0.2.0/24, reason: covers the office }
    - { cidr: 0.0.0.0/1, reason: half }
    - { cidr: 128.0.0.0/1, reason: the other half }
webAcl:
  name: edge
blockedCountries:
  countries:
    - { code: UK, reason: not a code WAF accepts }
`;

beforeAll(() => {
  requireCli();
  writeFileSync(join(tmp, "rules.yaml"), POLICY);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("cordon plan: validate-time rules are refused once, by validation", () => {
  it("host bits, allowlist overlap, whole internet, country codes: validation's codes, exit 1, no AWS call", async () => {
    const r = await runCli(["plan", "rules.yaml", "--today", TODAY], { env, cwd: tmp });
    expect(r.status).toBe(1);
    const out = r.stdout + r.stderr;
    for (const code of ["cidr.host-bits", "blocked.allowlisted", "blocked.whole-internet", "country.unknown"]) {
      expect(out).toContain(code);
    }
    expect(out).toMatch(/rules\.yaml:\d+:\d+/);
    expect(out).not.toContain("internal");
    expect(out).not.toMatch(/blocking\.(cidr|guard|country)/);
    expect(out).not.toMatch(/^\s+at /m);
  });
});
