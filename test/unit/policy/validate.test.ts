import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../../src/model/diagnostics.js";
import { parseText } from "../../../src/policy/load.js";
import { didYouMean, isCalendarDate, pointerToPath, validateSchema } from "../../../src/policy/validate.js";

const HEADER = `apiVersion: cordon.dev/v1
kind: Policy
metadata: { name: test-policy }
target: { account: "111122223333", region: eu-west-1 }
`;

function check(body: string, header = HEADER): Diagnostic[] {
  const parsed = parseText("p.yaml", header + body);
  expect(parsed.diagnostics).toEqual([]);
  expect(parsed.documents).toHaveLength(1);
  return validateSchema(parsed.documents[0]!);
}

interface Case {
  readonly reason: string;
  readonly body: string;
  readonly header?: string;
  /** Expected diagnostics: code, pointer, line:column and a fragment of the message. */
  readonly expect: readonly { code: string; pointer: string; at: string; message: RegExp; hint?: RegExp }[];
}

const FLOW = `flowLogs:
  bucket: { name: my-flow-logs }
  vpcs: { tags: { env: production } }
`;

const valid: readonly { reason: string; body: string; header?: string }[] = [
  { reason: "a policy with only a target is valid (nothing to manage yet)", body: "" },
  { reason: "minimal flow logs", body: FLOW },
  {
    reason: "every optional flow-log field",
    body: `flowLogs:
  mode: observe
  bucket: { name: my.flow-logs, create: false, prefix: a/b-c/d_e, retentionDays: 30 }
  vpcs: { ids: [vpc-0123456789abcdef0, vpc-12345678] }
  subnets: { ids: [subnet-0123456789abcdef0] }
  trafficType: REJECT
  fields: [srcaddr, dstaddr, pkt-srcaddr, tcp-flags]
  fileFormat: parquet
  hiveCompatiblePartitions: true
  perHourPartitions: true
  maxAggregationInterval: 60
  tags: { team: netsec, "cost centre": "" }
`,
  },
  { reason: "all: true selects every VPC", body: "flowLogs:\n  bucket: { name: abc }\n  vpcs: { all: true }\n" },
  {
    reason: "athena with its flow logs",
    body: `${FLOW}athena: { database: network_logs, table: vpc_flow_logs, projectionStartDate: 2024-02-29 }\n`,
  },
  {
    reason: "blocked addresses enforced in network ACLs with every option",
    body: `blockedAddresses:
  mode: no-delete
  networkAcls:
    vpcs: { tags: { env: "*" } }
    subnets: { tags: { tier: public } }
    direction: inbound
    ruleNumbers: { first: 1, last: 32766 }
    entryQuota: 40
  entries:
    - { cidr: 203.0.113.66, reason: flood, ticket: INC-1, expires: 2027-01-01 }
    - { cidr: "2001:db8::/32", reason: v6 }
`,
  },
  {
    reason: "blocked addresses and countries enforced in an owned web ACL",
    body: `webAcl:
  name: edge_1
  ownership: shared
  rulePrefix: netsec-
  takeOverLoadBalancers: true
  loadBalancers:
    arns: [arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/my-alb/50dc6c495c0c9188]
    names: [my-alb]
    tags: { edge: public }
blockedAddresses: { webAcl: true, entries: [] }
blockedCountries: { countries: [{ code: TV, reason: rights, expires: 2030-12-31, ticket: L-1 }] }
`,
  },
  { reason: "an allowlist", body: "allowlist:\n  - { cidr: 192.0.2.0/24, reason: office }\n" },
  {
    reason: "a role to assume, with an external id, in a GovCloud-style region",
    body: "",
    header: `apiVersion: cordon.dev/v1
kind: Policy
metadata: { name: a, description: d, owner: o }
target: { account: "012345678901", region: us-gov-west-1, roleArn: "arn:aws-us-gov:iam::012345678901:role/path/cordon", externalId: x-1 }
`,
  },
];

const invalid: readonly Case[] = [
  {
    reason: "a top-level typo gets a did-you-mean at the key",
    body: "flowlogs: {}\n",
    expect: [
      {
        code: "schema.unknown-key",
        pointer: "/flowlogs",
        at: "5:1",
        message: /Unknown key "flowlogs" in the policy/,
        hint: /Did you mean "flowLogs"\?/,
      },
    ],
  },
  {
    reason: "an unknown key with no close match lists the allowed keys",
    body: `${FLOW}  colour: blue\n`,
    expect: [
      {
        code: "schema.unknown-key",
        pointer: "/flowLogs/colour",
        at: "8:3",
        message: /in flowLogs/,
        hint: /Allowed keys here: mode, bucket, vpcs/,
      },
    ],
  },
  {
    reason: "a missing required key is reported at its parent's key",
    body: "flowLogs:\n  bucket: { name: abc }\n",
    expect: [
      {
        code: "schema.missing-key",
        pointer: "/flowLogs/vpcs",
        at: "5:1",
        message: /flowLogs is missing the required key "vpcs"/,
      },
    ],
  },
  {
    reason: "missing top-level keys are reported at the document start",
    body: "",
    header: "apiVersion: cordon.dev/v1\nkind: Policy\n",
    expect: [
      // "target" is required unless the policy has "targets" (docs/targets.md): ajv checks that first.
      {
        code: "schema.missing-key",
        pointer: "/target",
        at: "1:1",
        message: /The policy is missing the required key "target"/,
      },
      {
        code: "schema.missing-key",
        pointer: "/metadata",
        at: "1:1",
        message: /The policy is missing the required key "metadata"/,
      },
    ],
  },
  {
    reason: "an unquoted account id is a number: hint to quote it",
    body: "",
    header:
      "apiVersion: cordon.dev/v1\nkind: Policy\nmetadata: { name: a }\ntarget: { account: 111122223333, region: eu-west-1 }\n",
    expect: [
      {
        code: "schema.type",
        pointer: "/target/account",
        at: "4:20",
        message: /must be a string, but it is a number/,
        hint: /quotes/,
      },
    ],
  },
  {
    reason: "an account id with 11 digits",
    body: "",
    header:
      'apiVersion: cordon.dev/v1\nkind: Policy\nmetadata: { name: a }\ntarget: { account: "11112222333", region: eu-west-1 }\n',
    expect: [{ code: "schema.format", pointer: "/target/account", at: "4:20", message: /12-digit AWS account id/ }],
  },
  {
    reason: "a region that is not a region code",
    body: "",
    header:
      'apiVersion: cordon.dev/v1\nkind: Policy\nmetadata: { name: a }\ntarget: { account: "111122223333", region: Ireland }\n',
    expect: [{ code: "schema.format", pointer: "/target/region", at: "4:44", message: /region code/ }],
  },
  {
    reason: "a role ARN that is a user ARN",
    body: "",
    header:
      'apiVersion: cordon.dev/v1\nkind: Policy\nmetadata: { name: a }\ntarget: { account: "111122223333", region: eu-west-1, roleArn: "arn:aws:iam::111122223333:user/bob" }\n',
    expect: [{ code: "schema.format", pointer: "/target/roleArn", at: "4:64", message: /IAM role ARN/ }],
  },
  {
    reason: "wrong apiVersion",
    body: "",
    header:
      'apiVersion: cordon.dev/v2\nkind: Policy\nmetadata: { name: a }\ntarget: { account: "111122223333", region: eu-west-1 }\n',
    expect: [
      {
        code: "schema.const",
        pointer: "/apiVersion",
        at: "1:13",
        message: /apiVersion must be "cordon.dev\/v1" \(got "cordon.dev\/v2"\)/,
      },
    ],
  },
  {
    reason: "a bad enum value lists the allowed values and suggests the case-insensitive match",
    body: `${FLOW}  trafficType: accept\n`,
    expect: [
      {
        code: "schema.enum",
        pointer: "/flowLogs/trafficType",
        at: "8:16",
        message: /one of "ALL", "ACCEPT", "REJECT" \(got "accept"\)/,
        hint: /Did you mean "ACCEPT"/,
      },
    ],
  },
  {
    reason: "an aggregation interval that AWS does not offer",
    body: `${FLOW}  maxAggregationInterval: 300\n`,
    expect: [
      {
        code: "schema.enum",
        pointer: "/flowLogs/maxAggregationInterval",
        at: "8:27",
        message: /one of 60, 600 \(got 300\)/,
      },
    ],
  },
  {
    reason: "fields that are neither 'default' nor a list collapse into one message",
    body: `${FLOW}  fields: defualt\n`,
    expect: [
      {
        code: "schema.alternatives",
        pointer: "/flowLogs/fields",
        at: "8:11",
        message: /must be "default" or a list of flow-log field names/,
      },
    ],
  },
  {
    reason: "a list of fields reports the bad item, not the alternatives",
    body: `${FLOW}  fields: [srcaddr, "\${dstaddr}"]\n`,
    expect: [{ code: "schema.format", pointer: "/flowLogs/fields/1", at: "8:21", message: /flow-log field name/ }],
  },
  {
    reason: "a field listed twice",
    body: `${FLOW}  fields: [srcaddr, srcaddr]\n`,
    expect: [{ code: "schema.duplicate-item", pointer: "/flowLogs/fields/1", at: "8:21", message: /same value twice/ }],
  },
  {
    reason: "a VPC selector with two ways of selecting",
    body: "flowLogs:\n  bucket: { name: abc }\n  vpcs: { ids: [vpc-12345678], all: true }\n",
    expect: [
      {
        code: "schema.selector",
        pointer: "/flowLogs/vpcs",
        at: "7:3",
        message: /exactly one of ids, tags or all: true/,
      },
    ],
  },
  {
    reason: "an empty VPC selector",
    body: "flowLogs:\n  bucket: { name: abc }\n  vpcs: {}\n",
    expect: [
      {
        code: "schema.selector",
        pointer: "/flowLogs/vpcs",
        at: "7:3",
        message: /exactly one of ids, tags or all: true/,
      },
    ],
  },
  {
    reason: "all: false is not a selection",
    body: "flowLogs:\n  bucket: { name: abc }\n  vpcs: { all: false }\n",
    expect: [
      {
        code: "schema.const",
        pointer: "/flowLogs/vpcs/all",
        at: "7:16",
        message: /must be true/,
        hint: /Leave the key out/,
      },
    ],
  },
  {
    reason: "a malformed VPC id",
    body: "flowLogs:\n  bucket: { name: abc }\n  vpcs: { ids: [vpc-xyz] }\n",
    expect: [{ code: "schema.format", pointer: "/flowLogs/vpcs/ids/0", at: "7:17", message: /VPC id/ }],
  },
  {
    reason: "a bucket name with capitals and underscores",
    body: "flowLogs:\n  bucket: { name: My_Bucket }\n  vpcs: { all: true }\n",
    expect: [{ code: "schema.format", pointer: "/flowLogs/bucket/name", at: "6:19", message: /S3 bucket name/ }],
  },
  {
    reason: "a prefix with a trailing slash",
    body: "flowLogs:\n  bucket: { name: abc, prefix: logs/ }\n  vpcs: { all: true }\n",
    expect: [
      {
        code: "schema.format",
        pointer: "/flowLogs/bucket/prefix",
        at: "6:32",
        message: /no leading or trailing slash/,
      },
    ],
  },
  {
    reason: "a prefix that AWS reserves",
    body: "flowLogs:\n  bucket: { name: abc, prefix: AWSLogs }\n  vpcs: { all: true }\n",
    expect: [
      { code: "schema.format", pointer: "/flowLogs/bucket/prefix", at: "6:32", message: /not starting with AWSLogs/ },
    ],
  },
  {
    reason: "retention of zero days",
    body: "flowLogs:\n  bucket: { name: abc, retentionDays: 0 }\n  vpcs: { all: true }\n",
    expect: [
      { code: "schema.range", pointer: "/flowLogs/bucket/retentionDays", at: "6:39", message: /at least 1 \(got 0\)/ },
    ],
  },
  {
    reason: "an empty section value (`flowLogs:` with nothing) is a type error at the key",
    body: "flowLogs:\n",
    expect: [
      {
        code: "schema.type",
        pointer: "/flowLogs",
        at: "5:1",
        message: /flowLogs must be a mapping .* but it is empty/,
      },
    ],
  },
  {
    reason: "athena without flow logs has nothing to query",
    body: "athena: { database: db, table: t, projectionStartDate: 2026-01-01 }\n",
    expect: [
      { code: "schema.dependency", pointer: "/athena", at: "5:1", message: /athena section needs a flowLogs section/ },
    ],
  },
  {
    reason: "a projection start date that is not a real day",
    body: `${FLOW}athena: { database: db, table: t, projectionStartDate: 2026-02-29 }\n`,
    expect: [
      { code: "schema.format", pointer: "/athena/projectionStartDate", at: "8:56", message: /real calendar date/ },
    ],
  },
  {
    reason: "a date written the American way",
    body: `${FLOW}athena: { database: db, table: t, projectionStartDate: 01/31/2026 }\n`,
    expect: [{ code: "schema.format", pointer: "/athena/projectionStartDate", at: "8:56", message: /YYYY-MM-DD/ }],
  },
  {
    reason: "an Athena table name with a hyphen",
    body: `${FLOW}athena: { database: db, table: flow-logs, projectionStartDate: 2026-01-01 }\n`,
    expect: [
      {
        code: "schema.format",
        pointer: "/athena/table",
        at: "8:32",
        message: /lowercase letters, digits and underscores/,
      },
    ],
  },
  {
    reason: "blocked addresses with nowhere to enforce them",
    body: "blockedAddresses:\n  entries: [{ cidr: 203.0.113.66, reason: r }]\n",
    expect: [
      {
        code: "schema.alternatives",
        pointer: "/blockedAddresses",
        at: "5:1",
        message: /nowhere to enforce the blocks/,
      },
    ],
  },
  {
    reason: "blocked addresses in the web ACL without a webAcl section",
    body: "blockedAddresses:\n  webAcl: true\n  entries: [{ cidr: 203.0.113.66, reason: r }]\n",
    expect: [{ code: "schema.dependency", pointer: "/webAcl", at: "6:3", message: /needs a webAcl section/ }],
  },
  {
    reason: "an entry without a reason",
    body: "blockedAddresses:\n  networkAcls: { vpcs: { all: true } }\n  entries:\n    - cidr: 203.0.113.66\n",
    expect: [
      {
        code: "schema.missing-key",
        pointer: "/blockedAddresses/entries/0/reason",
        at: "8:7",
        message: /entries\[0\] is missing the required key "reason"/,
      },
    ],
  },
  {
    reason: "a CIDR that is not even address-shaped",
    body: "blockedAddresses:\n  networkAcls: { vpcs: { all: true } }\n  entries: [{ cidr: evil.example.com, reason: r }]\n",
    expect: [
      {
        code: "schema.format",
        pointer: "/blockedAddresses/entries/0/cidr",
        at: "7:21",
        message: /IPv4 or IPv6 address or CIDR/,
      },
    ],
  },
  {
    reason: "a direction typo",
    body: "blockedAddresses:\n  networkAcls: { vpcs: { all: true }, direction: egress }\n  entries: []\n",
    expect: [
      {
        code: "schema.enum",
        pointer: "/blockedAddresses/networkAcls/direction",
        at: "6:50",
        message: /"inbound", "outbound", "both" \(got "egress"\)/,
      },
    ],
  },
  {
    reason: "a rule-number band beyond the user range",
    body: "blockedAddresses:\n  networkAcls: { vpcs: { all: true }, ruleNumbers: { first: 0, last: 32767 } }\n  entries: []\n",
    expect: [
      {
        code: "schema.range",
        pointer: "/blockedAddresses/networkAcls/ruleNumbers/first",
        at: "6:61",
        message: /at least 1 \(got 0\)/,
      },
      {
        code: "schema.range",
        pointer: "/blockedAddresses/networkAcls/ruleNumbers/last",
        at: "6:70",
        message: /at most 32766 \(got 32767\)/,
      },
    ],
  },
  {
    reason: "an entry quota beyond what AWS allows",
    body: "blockedAddresses:\n  networkAcls: { vpcs: { all: true }, entryQuota: 50 }\n  entries: []\n",
    expect: [
      { code: "schema.range", pointer: "/blockedAddresses/networkAcls/entryQuota", at: "6:51", message: /at most 40/ },
    ],
  },
  {
    reason: "countries without a webAcl section",
    body: "blockedCountries: { countries: [{ code: TV, reason: r }] }\n",
    expect: [
      {
        code: "schema.dependency",
        pointer: "/blockedCountries",
        at: "5:1",
        message: /blockedCountries needs a webAcl section/,
      },
    ],
  },
  {
    reason: "a lowercase country code",
    body: "webAcl: { name: edge }\nblockedCountries: { countries: [{ code: tv, reason: r }] }\n",
    expect: [
      {
        code: "schema.format",
        pointer: "/blockedCountries/countries/0/code",
        at: "6:41",
        message: /two-letter ISO 3166-1 country code/,
      },
    ],
  },
  {
    reason: "an empty country list",
    body: "webAcl: { name: edge }\nblockedCountries: { countries: [] }\n",
    expect: [
      { code: "schema.items", pointer: "/blockedCountries/countries", at: "6:21", message: /at least one item/ },
    ],
  },
  {
    reason: "a web ACL name with a space",
    body: "webAcl: { name: my edge }\n",
    expect: [
      {
        code: "schema.format",
        pointer: "/webAcl/name",
        at: "5:17",
        message: /letters, digits, underscores and hyphens/,
      },
    ],
  },
  {
    reason: "an ownership typo",
    body: "webAcl: { name: edge, ownership: own }\n",
    expect: [
      {
        code: "schema.enum",
        pointer: "/webAcl/ownership",
        at: "5:34",
        message: /"owned", "shared"/,
        hint: /Did you mean "owned"/,
      },
    ],
  },
  {
    reason: "an empty load-balancer selector",
    body: "webAcl: { name: edge, loadBalancers: {} }\n",
    expect: [
      {
        code: "schema.selector",
        pointer: "/webAcl/loadBalancers",
        at: "5:23",
        message: /at least one of arns, names or tags/,
      },
    ],
  },
  {
    reason: "a target-group ARN instead of a load balancer ARN",
    body: "webAcl:\n  name: edge\n  loadBalancers:\n    arns: [arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/tg/50dc6c495c0c9188]\n",
    expect: [
      {
        code: "schema.format",
        pointer: "/webAcl/loadBalancers/arns/0",
        at: "8:12",
        message: /Application Load Balancer ARN/,
      },
    ],
  },
  {
    reason: "a reserved tag key",
    body: `${FLOW}  tags: { "aws:owner": me }\n`,
    expect: [
      { code: "schema.key-format", pointer: "/flowLogs/tags/aws:owner", at: "8:11", message: /not starting with aws:/ },
    ],
  },
  {
    reason: "a tag value that is a number",
    body: `${FLOW}  tags: { cost-centre: 42 }\n`,
    expect: [
      {
        code: "schema.type",
        pointer: "/flowLogs/tags/cost-centre",
        at: "8:24",
        message: /must be a string/,
        hint: /quotes/,
      },
    ],
  },
  {
    reason: "a mode typo in a section",
    body: "webAcl: { name: edge, mode: observed }\n",
    expect: [
      {
        code: "schema.enum",
        pointer: "/webAcl/mode",
        at: "5:29",
        message: /"enforce", "observe", "no-delete"/,
        hint: /Did you mean "observe"/,
      },
    ],
  },
  {
    reason: "an allowlist written as a mapping",
    body: "allowlist:\n  office: 192.0.2.0/24\n",
    expect: [
      {
        code: "schema.type",
        pointer: "/allowlist",
        at: "5:1",
        message: /allowlist must be a list, but it is a mapping/,
      },
    ],
  },
];

describe("validateSchema", () => {
  it.each(valid)("accepts: $reason", ({ body, header }) => {
    expect(check(body, header)).toEqual([]);
  });

  it.each(invalid)("rejects: $reason", ({ body, header, expect: expected }) => {
    const got = check(body, header).map((d) => ({
      code: d.code,
      pointer: d.pointer,
      at: d.position === null ? "-" : `${d.position.line}:${d.position.column}`,
      message: d.message,
      hint: d.hint,
    }));
    expect(got).toHaveLength(expected.length);
    for (const [i, e] of expected.entries()) {
      const g = got[i]!;
      expect({ code: g.code, pointer: g.pointer, at: g.at }).toEqual({ code: e.code, pointer: e.pointer, at: e.at });
      expect(g.message).toMatch(e.message);
      if (e.hint) expect(g.hint).toMatch(e.hint);
    }
  });

  it("reports every problem of a document in one run", () => {
    const d = check("flowlogs: {}\nwebacl: {}\nathena: 3\n");
    expect(d.map((x) => x.code).sort()).toEqual([
      "schema.dependency",
      "schema.type",
      "schema.unknown-key",
      "schema.unknown-key",
    ]);
  });

  it("says so when the document is not a mapping at all", () => {
    const parsed = parseText("p.yaml", "- a\n- b\n");
    const d = validateSchema(parsed.documents[0]!);
    expect(d).toHaveLength(1);
    expect(d[0]!.message).toMatch(/must be a policy .* not a list/);
    expect(d[0]!.position).toEqual({ line: 1, column: 1 });
  });
});

describe("did-you-mean", () => {
  const cases = [
    { reason: "one letter off", input: "flowLog", candidates: ["flowLogs", "athena"], want: "flowLogs" },
    { reason: "case only", input: "FLOWLOGS", candidates: ["flowLogs"], want: "flowLogs" },
    { reason: "transposition", input: "athnea", candidates: ["athena", "allowlist"], want: "athena" },
    { reason: "too far to be a typo", input: "colour", candidates: ["mode", "bucket", "vpcs"], want: null },
    { reason: "no candidates", input: "x", candidates: [], want: null },
    { reason: "a prefix of a longer word", input: "own", candidates: ["owned", "shared"], want: "owned" },
    { reason: "a two-letter prefix is too little to go on", input: "sh", candidates: ["owned", "shared"], want: null },
  ];
  it.each(cases)("$reason", ({ input, candidates, want }) => {
    expect(didYouMean(input, candidates)).toBe(want);
  });
  it("counts a swap of two adjacent letters as one slip", () => {
    expect(didYouMean("trafifcType", ["trafficType", "fields"])).toBe("trafficType");
  });
});

describe("helpers", () => {
  it.each([
    { reason: "leap day in a leap year", s: "2024-02-29", ok: true },
    { reason: "leap day in a common year", s: "2026-02-29", ok: false },
    { reason: "century that is not a leap year", s: "1900-02-29", ok: false },
    { reason: "month 13", s: "2026-13-01", ok: false },
    { reason: "day 31 of a 30-day month", s: "2026-04-31", ok: false },
    { reason: "not zero-padded", s: "2026-1-01", ok: false },
  ])("isCalendarDate: $reason", ({ s, ok }) => {
    expect(isCalendarDate(s)).toBe(ok);
  });
  it("turns pointers into readable paths", () => {
    expect(pointerToPath("/blockedAddresses/entries/2/cidr")).toBe("blockedAddresses.entries[2].cidr");
    expect(pointerToPath("/flowLogs/tags/aws:owner")).toBe('flowLogs.tags["aws:owner"]');
    expect(pointerToPath("")).toBe("");
  });
});
