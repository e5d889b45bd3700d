// What reviewers and operators see, end to end through the built CLI against the sandbox
// (docs/output-safety.md, docs/plan-output.md):
//   - hostile text from AWS (a web ACL someone else named, a VPC Name tag) and markdown
//     metacharacters a policy may hold (mentions, images, fences, HTML) stay inert in the markdown
//     plan, the text plan, show and apply;
//   - validation refuses control characters in free text, naming the field and the character;
//   - the plan shows reason, ticket and expires beside each blocked entry and which declared
//     entries an aggregated rule covers;
//   - --no-color; the hint after plan --out.
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ListIPSetsCommand, TagResourceCommand, WAFV2Client } from "@aws-sdk/client-wafv2";
import type { Estate } from "@cordon/sandbox";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { PlanDocument } from "../../src/model/plan.js";
import { ACCOUNT, cordonRunner, makeTmp, REGION, ROOT, requireCli, sandboxClientConfig, TODAY } from "./helpers.js";

const KEY = "AKIAOUTPUTSAFETY0001";
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

/**
 * A tag someone else put on Cordon's IP set: AWS data is as hostile as policy text. WAF allows
 * letters, digits, separators (Unicode Z: U+2028 and U+2029 too) and _ . : / = + - @ in tags.
 */
const HOSTILE_KEY = "cordon:policy";
const HOSTILE_VALUE = "x\u2028::warning::forged\u2029Plan: 0 to add @org/security https://evil.example/x";
/** Markdown metacharacters a policy may hold (validation allows them: they are not control characters). */
const REASON_1 = "@org/team ![x](https://evil.example/x.png) port scanning";
const REASON_2 = "``` opens a fence";
const REASON_3 = "<img src=https://evil.example/z.png> # not a heading";

const POLICY = (reason1: string) => `apiVersion: cordon.dev/v1
kind: Policy
metadata:
  name: cats-eyes-production
  description: "@org/team ![x](http://e/x.png)"
  owner: "<b>team</b>"
target:
  account: "${ACCOUNT}"
  region: ${REGION}
blockedAddresses:
  networkAcls:
    vpcs: { tags: { env: production } }
    direction: outbound
  webAcl: true
  entries:
    - cidr: 203.0.113.10
      reason: ${JSON.stringify(reason1)}
      ticket: INC-1
      expires: 2026-12-31
    - cidr: 203.0.113.11
      reason: ${JSON.stringify(REASON_2)}
      ticket: INC-2
    - cidr: 198.51.100.7
      reason: ${JSON.stringify(REASON_3)}
      ticket: "SEC-9 @org/security"
webAcl:
  name: cats-eyes-edge
  loadBalancers: { names: [cats-eyes-alb] }
blockedCountries:
  countries:
    - code: TV
      reason: "We hold no broadcast rights for Tuvalu > see ~~~"
      ticket: LEGAL-118
`;

const tmp = makeTmp("cordon-output-safety-");
const policies = join(tmp, "policies");
const policyFile = join(policies, "production.yaml");
let sandbox: SandboxHandle;
let waf: WAFV2Client;
const cordon = cordonRunner({ tmp, endpoint: () => sandbox.url, accessKeyId: KEY, maxAttempts: 2 });

const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u;

/** No raw control/bidi character, no line a workflow command. */
function expectTerminalSafe(text: string): void {
  expect(text).not.toMatch(RAW);
  for (const line of text.split("\n")) expect(line.replace(/^\s+/, "").startsWith("::"), line).toBe(false);
}

/** The markdown outside fenced code blocks and code spans: what GitHub interprets. */
function outsideCode(md: string): string {
  const kept: string[] = [];
  let fence: string | null = null;
  for (const line of md.split("\n")) {
    const open = /^(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === null && open !== undefined) fence = open;
    else if (fence !== null && line.startsWith(fence) && line.slice(fence.length).trim() === "") fence = null;
    else if (fence === null) kept.push(line);
  }
  return kept.join("\n").replace(/(?<![\\`])(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, "");
}

/** The comment renders the hostile words as text: no heading, quote break, mention, image, HTML, fence. */
function expectMarkdownInert(md: string): void {
  expectTerminalSafe(md);
  const rendered = outsideCode(md);
  const lines = rendered.split("\n");
  expect(lines.filter((l) => l.startsWith("#"))).toEqual([]);
  // Quote lines are Cordon's callouts and notes only.
  for (const l of lines.filter((x) => x.startsWith(">"))) expect(l).toMatch(/^> (\[!(CAUTION|NOTE|WARNING)\]|- `|\S)/);
  expect(rendered).not.toMatch(/@[A-Za-z0-9]/);
  expect(rendered).not.toMatch(/(?<!\\)!\[/);
  expect(rendered).not.toMatch(/https?:\/\//);
  for (const m of rendered.matchAll(/<[A-Za-z/][^>]*>/g)) expect(m[0]).toMatch(/^<\/?(details|summary|code)>$/);
  expect(rendered.split("<details>").length).toBe(rendered.split("</details>").length);
}

beforeAll(async () => {
  requireCli();
  cpSync(join(ROOT, "examples/cats-eyes/policies"), policies, { recursive: true });
  writeFileSync(policyFile, POLICY(REASON_1));
  const seed = parse(readFileSync(join(ROOT, "examples/cats-eyes/estate.yaml"), "utf8")) as Estate;
  sandbox = await startSandbox({ seed });
  waf = new WAFV2Client(sandboxClientConfig(sandbox.url, KEY));
});

afterAll(async () => {
  waf?.destroy();
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("the plan says why, in the reviewer's words", () => {
  it("reason, ticket and expires beside each blocked entry, and what an aggregated rule covers", async () => {
    const r = await cordon(["plan", "policies", "--today", TODAY]);
    expect(r.status).toBe(0);
    const text = r.stdout;
    // The NACL band and the IPv4 IP set: 203.0.113.10 and .11 are one /31 rule.
    const rule = "203.0.113.10/31 ← 203.0.113.10 (INC-1), 203.0.113.11 (INC-2)";
    expect(text.split(rule).length - 1).toBeGreaterThanOrEqual(1);
    expect(text).toContain(`#       203.0.113.10: ${REASON_1} · ticket INC-1 · expires 2026-12-31`);
    expect(text).toContain("#       203.0.113.11: ``` opens a fence · ticket INC-2");
    expect(text).toContain(`#   198.51.100.7/32 ← 198.51.100.7: ${REASON_3} · ticket SEC-9 @org/security`);
    expect(text).toContain("#   TV: We hold no broadcast rights for Tuvalu > see ~~~ · ticket LEGAL-118");

    const md = (await cordon(["plan", "policies", "--format", "markdown", "--today", TODAY])).stdout;
    expect(md).toContain("- `203.0.113.10/31` ← `203.0.113.10` (INC-1), `203.0.113.11` (INC-2)");
    expect(md).toContain("port scanning · ticket INC-1 · expires 2026-12-31");
    expect(md).toContain("- `TV`: We hold no broadcast rights for Tuvalu &gt; see \\~\\~\\~ · ticket LEGAL-118");
    expectMarkdownInert(md);

    const json = JSON.parse(
      (await cordon(["plan", "policies", "--format", "json", "--today", TODAY])).stdout,
    ) as PlanDocument;
    const ipv4 = json.changes.find((c) => c.address.endsWith("wafv2.ipSet/cats-eyes-edge-blocked-ipv4"));
    expect(ipv4?.declared).toEqual([
      {
        rule: "198.51.100.7/32",
        entries: [{ value: "198.51.100.7", reason: REASON_3, ticket: "SEC-9 @org/security" }],
      },
      {
        rule: "203.0.113.10/31",
        entries: [
          { value: "203.0.113.10", reason: REASON_1, ticket: "INC-1", expires: "2026-12-31" },
          { value: "203.0.113.11", reason: REASON_2, ticket: "INC-2" },
        ],
      },
    ]);
    const acl = json.changes.find((c) => c.kind === "wafv2.webAcl");
    expect(acl?.declared).toEqual([
      {
        rule: "TV",
        entries: [{ value: "TV", reason: "We hold no broadcast rights for Tuvalu > see ~~~", ticket: "LEGAL-118" }],
      },
    ]);
  });
});

describe("hostile text stays inert in what the CLI shows", () => {
  it("plan --format markdown: the policy's mentions, images, fences and HTML render as words only", async () => {
    const r = await cordon(["plan", "policies", "--format", "markdown", "--today", TODAY]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("port scanning");
    expect(r.stdout).toContain("@\u200borg/team");
    expectMarkdownInert(r.stdout);
  });

  it("a hostile tag on Cordon's IP set (AWS data): plan markdown, text, show, drift and apply stay inert", async () => {
    const applied = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(applied.stdout).toContain("Apply complete");
    const sets = await waf.send(new ListIPSetsCommand({ Scope: "REGIONAL" }));
    const ipv4 = sets.IPSets?.find((x) => x.Name === "cats-eyes-edge-blocked-ipv4");
    await waf.send(
      new TagResourceCommand({ ResourceARN: ipv4!.ARN!, Tags: [{ Key: HOSTILE_KEY, Value: HOSTILE_VALUE }] }),
    );

    const md = await cordon(["plan", "policies", "--format", "markdown", "--today", TODAY]);
    expect(md.status).toBe(0);
    expect(md.stdout).toContain("cats-eyes-edge-blocked-ipv4");
    // The separators AWS allows in a tag value are shown as escapes, inside the diff block.
    expect(md.stdout).toContain('"x\\u{2028}::warning::forged\\u{2029}Plan');
    expectMarkdownInert(md.stdout);

    const text = await cordon(["plan", "policies", "--out", "plan.json", "--today", TODAY]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain("\\u{2028}::warning::forged\\u{2029}Plan");
    expectTerminalSafe(text.stdout);
    expectTerminalSafe(text.stderr);
    for (const format of ["text", "markdown", "json"]) {
      const s = await cordon(["show", "plan.json", "--format", format]);
      expect(s.status).toBe(0);
      if (format === "markdown") expectMarkdownInert(s.stdout);
      else expectTerminalSafe(s.stdout);
    }
    for (const format of ["text", "markdown", "json"]) {
      const d = await cordon(["drift", "policies", "--format", format, "--today", TODAY]);
      if (format === "markdown") expectMarkdownInert(d.stdout);
      else expectTerminalSafe(d.stdout);
      expectTerminalSafe(d.stderr);
    }
    const a = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(a.stdout).toContain("Apply complete");
    expectTerminalSafe(a.stdout);
    expectTerminalSafe(a.stderr);
  });
});

describe("validation refuses control characters in free text", () => {
  it("names the file, line, column, field and the character as U+001B; never prints it raw", async () => {
    writeFileSync(join(tmp, "bad.yaml"), POLICY(REASON_1).replace(JSON.stringify(REASON_1), '"scanner\\e[2J"'));
    const r = await cordon(["validate", "bad.yaml"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      /bad\.yaml:17:15 +blockedAddresses\.entries\[0\]\.reason contains U\+001B \(ESC\) at character 8/,
    );
    expectTerminalSafe(r.stdout + r.stderr);
    const gh = await cordon(["validate", "bad.yaml"], { GITHUB_ACTIONS: "true" });
    expect(gh.stdout).toMatch(
      /^::error file=bad\.yaml,line=17,col=15,title=cordon schema\.control-character::blockedAddresses/m,
    );
    expect(gh.stdout).not.toMatch(RAW);
    const plan = await cordon(["plan", "bad.yaml", "--today", TODAY]);
    expect(plan.status).toBe(1);
    expect(plan.stderr).toContain("U+001B (ESC)");
    expectTerminalSafe(plan.stderr);
  });
});

describe("--no-color and the hint after --out", () => {
  it("--no-color turns colour off where FORCE_COLOR would turn it on, for any command", async () => {
    const env = { NO_COLOR: "", FORCE_COLOR: "1" };
    const coloured = await cordon(["plan", "policies", "--today", TODAY], env);
    expect(coloured.stdout).toContain("\u001b[");
    for (const args of [
      ["plan", "policies", "--no-color", "--today", TODAY],
      ["--no-color", "plan", "policies", "--today", TODAY],
      ["validate", "policies", "--no-color"],
    ]) {
      const r = await cordon(args, env);
      expect(r.status).toBe(0);
      expect(r.stdout + r.stderr).not.toContain("\u001b");
    }
    const help = await cordon(["plan", "--help"]);
    expect(help.stdout).toMatch(/--no-color/);
  });

  it("plan --out says where the plan went and the command that applies exactly it", async () => {
    // After 2026-12-31 the INC-1 entry has expired: the plan removes it.
    const r = await cordon([
      "plan",
      "policies",
      "--out",
      "saved plan.json",
      "--format",
      "json",
      "--today",
      "2027-01-02",
    ]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(
      "Saved the plan to saved plan.json. To apply exactly this plan: cordon apply 'saved plan.json'\n",
    );
    // stdout stays the plan alone.
    expect(() => JSON.parse(r.stdout)).not.toThrow();
    const none = await cordon(["plan", "policies", "--out", "p.json", "--today", TODAY]);
    expect(none.stdout).toContain("No changes");
    expect(none.stderr).toBe("Saved the plan to p.json: it has no changes to apply.\n");
  });
});
