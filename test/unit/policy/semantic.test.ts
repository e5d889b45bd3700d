import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../../src/model/diagnostics.js";
import { semanticChecks } from "../../../src/policy/semantic.js";
import { yamlDocuments } from "./yaml-documents.js";

const TODAY = "2026-05-01";

/** Four header lines; every case's sections start on line 5. */
const HEAD = [
  "apiVersion: cordon.dev/v1",
  "kind: Policy",
  "metadata: { name: t }",
  'target: { account: "111122223333", region: eu-west-1 }',
];

const policy = (...lines: string[]): string => [...HEAD, ...lines].join("\n") + "\n";

/** Lines 5–8: a blocked-addresses section enforced in NACLs; entries start on line 9. */
const BLOCKED = ["blockedAddresses:", "  networkAcls:", "    vpcs: { all: true }", "  entries:"];

/** One entry, two lines (three with expires); the cidr value starts in column 13. */
const entry = (cidr: string, expires?: string): string[] => [
  `    - cidr: ${cidr}`,
  "      reason: r",
  ...(expires === undefined ? [] : [`      expires: ${expires}`]),
];

/** One entry per line, non-adjacent IPv4 /32s (10.0.0.0, 10.0.0.2, …) that cannot merge. */
const manyEntries = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => {
    const n = i * 2;
    return `    - { cidr: 10.${Math.floor(n / 65536)}.${Math.floor(n / 256) % 256}.${n % 256}, reason: r }`;
  });

/** Lines 5–7 (or more): a minimal flow-log section. */
const FLOW = ["flowLogs:", "  bucket:", "    name: cats-eyes-flow-logs", "  vpcs: { all: true }"];

interface Expected {
  readonly code: string;
  readonly severity: "error" | "warning";
  readonly pointer: string;
  /** [line, column], 1-based. */
  readonly at: readonly [number, number];
  /** Document index; default 0. */
  readonly document?: number;
  /** File; default "p.yaml". */
  readonly file?: string;
  readonly message?: RegExp;
}

interface Case {
  readonly reason: string;
  /** One file "p.yaml", or several. */
  readonly files: string | Readonly<Record<string, string>>;
  readonly expected: readonly Expected[];
}

function run(files: Case["files"]): Diagnostic[] {
  const sources = typeof files === "string" ? { "p.yaml": files } : files;
  const docs = Object.entries(sources).flatMap(([file, text]) => yamlDocuments(file, text));
  return semanticChecks(docs, { today: TODAY });
}

const cases: Case[] = [
  {
    reason: "a complete, correct policy has nothing to report",
    files: policy(
      "flowLogs:",
      "  bucket:",
      "    name: cats-eyes-flow-logs",
      "    retentionDays: 90",
      "    prefix: flow/prod",
      "  vpcs:",
      "    tags:",
      "      env: production",
      "  fields: [version, srcaddr, dstaddr, region, action, flow-direction, reject-reason]",
      "athena:",
      "  database: network_logs",
      "  table: vpc_flow_logs",
      "  projectionStartDate: 2026-01-01",
      "allowlist:",
      "  - cidr: 198.51.100.0/24",
      "    reason: office",
      "blockedAddresses:",
      "  networkAcls:",
      "    vpcs: { all: true }",
      "    direction: outbound",
      "    ruleNumbers: { first: 1, last: 99 }",
      "  webAcl: true",
      "  entries:",
      "    - cidr: 203.0.113.66",
      "      reason: flood",
      "      expires: 2026-05-01",
      '    - cidr: "2001:db8::/32"',
      "      reason: v6",
      "    - cidr: 203.0.113.0/25",
      "      reason: neighbours, expired so not an overlap",
      "      expires: 2026-01-01",
      "webAcl:",
      "  name: cats-eyes-edge",
      "  loadBalancers:",
      "    names: [cats-eyes-alb]",
      "blockedCountries:",
      "  countries:",
      "    - code: TV",
      "      reason: broadcast rights",
    ),
    expected: [
      {
        code: "entry.expired",
        severity: "warning",
        pointer: "/blockedAddresses/entries/2/expires",
        at: [35, 16],
        message: /203\.0\.113\.0\/25 expired on 2026-01-01; it will be removed/,
      },
    ],
  },
  // --- addresses ---------------------------------------------------------------------------
  {
    reason: "a malformed address is an error naming what is wrong",
    files: policy(...BLOCKED, ...entry("10.0.0.256")),
    expected: [
      {
        code: "cidr.malformed",
        severity: "error",
        pointer: "/blockedAddresses/entries/0/cidr",
        at: [9, 13],
        message: /"10\.0\.0\.256" is not a valid IP address or CIDR: 256 is greater than 255\./,
      },
    ],
  },
  {
    reason: "an IPv6 zone index is rejected",
    files: policy(...BLOCKED, ...entry('"fe80::1%eth0"')),
    expected: [
      {
        code: "cidr.malformed",
        severity: "error",
        pointer: "/blockedAddresses/entries/0/cidr",
        at: [9, 13],
        message: /zone/,
      },
    ],
  },
  {
    reason: "host bits set: the message says which network was meant",
    files: policy(...BLOCKED, ...entry("10.1.2.3/8")),
    expected: [
      {
        code: "cidr.host-bits",
        severity: "error",
        pointer: "/blockedAddresses/entries/0/cidr",
        at: [9, 13],
        message: /^10\.1\.2\.3\/8 has host bits set: did you mean 10\.0\.0\.0\/8\?$/,
      },
    ],
  },
  {
    reason: "IPv6 host bits are reported in RFC 5952 form",
    files: policy(...BLOCKED, ...entry('"2001:DB8::1/32"')),
    expected: [
      {
        code: "cidr.host-bits",
        severity: "error",
        pointer: "/blockedAddresses/entries/0/cidr",
        at: [9, 13],
        message: /did you mean 2001:db8::\/32\?/,
      },
    ],
  },
  {
    reason: "a blocked /0 is the whole internet",
    files: policy(...BLOCKED, ...entry("0.0.0.0/0")),
    expected: [
      {
        code: "cidr.prefix-zero",
        severity: "error",
        pointer: "/blockedAddresses/entries/0/cidr",
        at: [9, 13],
        message: /would block every IPv4 address/,
      },
    ],
  },
  {
    reason: "an allowlisted /0 would forbid every block",
    files: policy("allowlist:", '  - cidr: "::/0"', "    reason: all"),
    expected: [
      {
        code: "cidr.prefix-zero",
        severity: "error",
        pointer: "/allowlist/0/cidr",
        at: [6, 11],
        message: /would allowlist every IPv6 address/,
      },
    ],
  },
  {
    reason: "an IPv4-mapped IPv6 address matches nothing: warn and name the IPv4 form",
    files: policy(...BLOCKED, ...entry('"::ffff:203.0.113.66"')),
    expected: [
      { code: "cidr.ipv4-mapped", severity: "warning", pointer: "/blockedAddresses/entries/0/cidr", at: [9, 13] },
    ],
  },
  {
    reason: "a blocked range overlapping the allowlist is an error naming both entries",
    files: policy("allowlist:", "  - cidr: 10.1.0.0/16", "    reason: office VPN", ...BLOCKED, ...entry("10.0.0.0/8")),
    expected: [
      {
        code: "blocked.allowlisted",
        severity: "error",
        pointer: "/blockedAddresses/entries/0/cidr",
        at: [12, 13],
        message:
          /^Blocked 10\.0\.0\.0\/8 overlaps allowlisted 10\.1\.0\.0\/16 \("office VPN", allowlist entry 0 at p\.yaml:6:11\)/,
      },
    ],
  },
  {
    reason: "an exact duplicate is a warning on the second entry, saying what it merges into",
    files: policy(...BLOCKED, ...entry("203.0.113.66"), ...entry("203.0.113.66/32")),
    expected: [
      {
        code: "blocked.duplicate",
        severity: "warning",
        pointer: "/blockedAddresses/entries/1/cidr",
        at: [11, 13],
        message:
          /^203\.0\.113\.66\/32 duplicates 203\.0\.113\.66 \(entry 0 at p\.yaml:9:13\); they will be merged into 203\.0\.113\.66\/32\.$/,
      },
    ],
  },
  {
    reason: "a block inside another is a warning on the contained one",
    files: policy(...BLOCKED, ...entry("10.1.0.0/16"), ...entry("10.0.0.0/8")),
    expected: [
      {
        code: "blocked.overlap",
        severity: "warning",
        pointer: "/blockedAddresses/entries/0/cidr",
        at: [9, 13],
        message:
          /^10\.1\.0\.0\/16 lies inside 10\.0\.0\.0\/8 \(entry 1 at p\.yaml:11:13\); they will be merged into 10\.0\.0\.0\/8\.$/,
      },
    ],
  },
  {
    reason: "siblings merge silently; only the contained entry is reported, with the merged block",
    files: policy(...BLOCKED, ...entry("10.0.0.0/25"), ...entry("10.0.0.128/25"), ...entry("10.0.0.200")),
    expected: [
      {
        code: "blocked.overlap",
        severity: "warning",
        pointer: "/blockedAddresses/entries/2/cidr",
        at: [13, 13],
        message: /lies inside 10\.0\.0\.128\/25 .* merged into 10\.0\.0\.0\/24\.$/,
      },
    ],
  },
  {
    reason: "duplicates within the allowlist are warnings too",
    files: policy(
      "allowlist:",
      "  - cidr: 198.51.100.0/24",
      "    reason: a",
      "  - cidr: 198.51.100.0/24",
      "    reason: b",
    ),
    expected: [{ code: "allowlist.duplicate", severity: "warning", pointer: "/allowlist/1/cidr", at: [8, 11] }],
  },
  {
    reason: "an allowlist block inside another is a warning",
    files: policy(
      "allowlist:",
      "  - cidr: 198.51.100.0/24",
      "    reason: a",
      "  - cidr: 198.51.100.7",
      "    reason: b",
    ),
    expected: [
      {
        code: "allowlist.overlap",
        severity: "warning",
        pointer: "/allowlist/1/cidr",
        at: [8, 11],
        message: /198\.51\.100\.7 lies inside 198\.51\.100\.0\/24 .* merged into 198\.51\.100\.0\/24\.$/,
      },
    ],
  },
  {
    reason: "blocked entries that together cover every address are the whole internet",
    files: policy(...BLOCKED, ...entry("0.0.0.0/1"), ...entry("128.0.0.0/1")),
    expected: [
      {
        code: "blocked.whole-internet",
        severity: "error",
        pointer: "/blockedAddresses/entries",
        at: [9, 5],
        message: /cover every IPv4 address \(0\.0\.0\.0\/0\)/,
      },
    ],
  },
  {
    reason: "an expired entry is a warning and no longer counts against the allowlist",
    files: policy(
      "allowlist:",
      "  - cidr: 10.0.0.0/8",
      "    reason: a",
      ...BLOCKED,
      ...entry("10.0.0.0/8", "2026-04-30"),
    ),
    expected: [
      {
        code: "entry.expired",
        severity: "warning",
        pointer: "/blockedAddresses/entries/0/expires",
        at: [14, 16],
        message: /expired on 2026-04-30; it will be removed from enforcement\./,
      },
    ],
  },
  {
    reason: "an expiry date that does not exist is an error",
    files: policy(...BLOCKED, ...entry("10.0.0.0/8", "2026-02-30")),
    expected: [
      { code: "date.invalid", severity: "error", pointer: "/blockedAddresses/entries/0/expires", at: [11, 16] },
    ],
  },
  // --- enforcement -------------------------------------------------------------------------
  {
    reason: "a WAF IP set holds at most 10,000 addresses per family",
    files: policy(
      "webAcl:",
      "  name: edge",
      "  loadBalancers: { names: [alb] }",
      "blockedAddresses:",
      "  webAcl: true",
      "  entries:",
      ...manyEntries(10_001),
    ),
    expected: [
      {
        code: "waf.ipset-too-large",
        severity: "error",
        pointer: "/blockedAddresses/entries",
        at: [11, 5],
        message: /aggregate to 10001 CIDRs; a WAF IP set holds at most 10000/,
      },
    ],
  },
  // --- network ACL band and quota ----------------------------------------------------------
  {
    reason: "a rule number outside 1–32766",
    files: policy(
      ...BLOCKED.slice(0, 3),
      "    ruleNumbers: { first: 0, last: 99 }",
      "  entries:",
      ...entry("10.0.0.0/8"),
    ),
    expected: [
      {
        code: "nacl.band-range",
        severity: "error",
        pointer: "/blockedAddresses/networkAcls/ruleNumbers/first",
        at: [8, 27],
      },
    ],
  },
  {
    reason: "a band whose first number is after its last",
    files: policy(
      ...BLOCKED.slice(0, 3),
      "    ruleNumbers: { first: 50, last: 10 }",
      "  entries:",
      ...entry("10.0.0.0/8"),
    ),
    expected: [
      { code: "nacl.band-order", severity: "error", pointer: "/blockedAddresses/networkAcls/ruleNumbers", at: [8, 18] },
    ],
  },
  {
    reason: "a band too small for the aggregated CIDRs, counting IPv4 and IPv6 together",
    files: policy(
      ...BLOCKED.slice(0, 3),
      "    ruleNumbers: { first: 1, last: 2 }",
      "  entries:",
      ...entry("10.0.0.0/8"),
      ...entry('"2001:db8::/32"'),
      ...entry("192.168.0.0/16"),
    ),
    expected: [
      {
        code: "nacl.band-too-small",
        severity: "error",
        pointer: "/blockedAddresses/networkAcls/ruleNumbers",
        at: [8, 18],
        message:
          /hold 2 entries in each direction, but the blocked addresses aggregate to 2 IPv4 and 1 IPv6 CIDRs \(3\)/,
      },
    ],
  },
  {
    reason: "entries that merge need fewer rule numbers: 4 siblings fit a band of 1",
    files: policy(
      ...BLOCKED.slice(0, 3),
      "    ruleNumbers: { first: 7, last: 7 }",
      "  entries:",
      ...entry("10.0.0.0/26"),
      ...entry("10.0.0.64/26"),
      ...entry("10.0.0.128/26"),
      ...entry("10.0.0.192/26"),
    ),
    expected: [],
  },
  {
    reason: "a band reaching the default ACL's allow rule 100 is a warning",
    files: policy(
      ...BLOCKED.slice(0, 3),
      "    ruleNumbers: { first: 90, last: 120 }",
      "  entries:",
      ...entry("10.0.0.0/8"),
    ),
    expected: [
      {
        code: "nacl.band-above-default-allow",
        severity: "warning",
        pointer: "/blockedAddresses/networkAcls/ruleNumbers",
        at: [8, 18],
      },
    ],
  },
  {
    reason: "20 IPv4 entries plus the catch-all exceed the default quota of 20",
    files: policy(...BLOCKED, ...manyEntries(20)),
    expected: [
      {
        code: "nacl.quota-exceeded",
        severity: "error",
        pointer: "/blockedAddresses/networkAcls",
        at: [7, 5],
        message:
          /^20 IPv4 deny entries plus the IPv4 catch-all deny need 21 entries in each direction, more than the quota of 20; the ACL's own entries count against it too\.$/,
      },
    ],
  },
  {
    reason: "a declared quota is used instead of 20",
    files: policy(
      "blockedAddresses:",
      "  networkAcls:",
      "    vpcs: { all: true }",
      "    direction: inbound",
      "    entryQuota: 10",
      "  entries:",
      ...manyEntries(10),
    ),
    expected: [
      {
        code: "nacl.quota-exceeded",
        severity: "error",
        pointer: "/blockedAddresses/networkAcls/entryQuota",
        at: [9, 17],
        message: /need 11 entries inbound, more than the quota of 10/,
      },
    ],
  },
  {
    reason: "a quota AWS cannot grant",
    files: policy(...BLOCKED.slice(0, 3), "    entryQuota: 50", "  entries:", ...entry("10.0.0.0/8")),
    expected: [
      {
        code: "nacl.quota-above-max",
        severity: "error",
        pointer: "/blockedAddresses/networkAcls/entryQuota",
        at: [8, 17],
      },
    ],
  },
  {
    reason: "blocks that leave the ACL fewer than 5 entries of its own are a warning",
    files: policy(...BLOCKED, ...manyEntries(16)),
    expected: [
      {
        code: "nacl.quota-tight",
        severity: "warning",
        pointer: "/blockedAddresses/networkAcls",
        at: [7, 5],
        message: /use 17 of the 20 IPv4 entries .* only 3 remain/,
      },
    ],
  },
  // --- countries and the web ACL -----------------------------------------------------------
  {
    reason: "UK is not accepted by WAF and suggests GB; lower case suggests upper case; duplicates merge",
    files: policy(
      "webAcl:",
      "  name: edge",
      "  loadBalancers: { names: [alb] }",
      "blockedCountries:",
      "  countries:",
      "    - code: UK",
      "      reason: r",
      "    - code: tv",
      "      reason: r",
      "    - code: KP",
      "      reason: r",
      "    - code: KP",
      "      reason: r",
      "      expires: 2026-03-01",
    ),
    expected: [
      {
        code: "country.unknown",
        severity: "error",
        pointer: "/blockedCountries/countries/0/code",
        at: [10, 13],
        message: /^"UK" is not a country code WAF accepts: .* Did you mean GB\?$/,
      },
      {
        code: "country.unknown",
        severity: "error",
        pointer: "/blockedCountries/countries/1/code",
        at: [12, 13],
        message: /Did you mean TV\?$/,
      },
      {
        code: "country.duplicate",
        severity: "warning",
        pointer: "/blockedCountries/countries/3/code",
        at: [16, 13],
        message: /^KP is already listed at p\.yaml:14:13/,
      },
      { code: "entry.expired", severity: "warning", pointer: "/blockedCountries/countries/3/expires", at: [18, 16] },
    ],
  },
  {
    reason: "a web ACL with no rules, and one that protects no load balancer",
    files: policy("webAcl:", "  name: edge"),
    expected: [
      { code: "webacl.no-load-balancers", severity: "warning", pointer: "/webAcl", at: [6, 3] },
      { code: "webacl.no-rules", severity: "warning", pointer: "/webAcl", at: [6, 3] },
    ],
  },
  {
    reason: "a web ACL name of 116 characters makes IP set names of 129, over WAF's 128 (one error for both)",
    files: policy(
      "blockedAddresses:",
      "  webAcl: true",
      "  entries:",
      ...entry("203.0.113.66"),
      "webAcl:",
      `  name: ${"w".repeat(116)}`,
      "  loadBalancers: { names: [alb] }",
    ),
    expected: [
      {
        code: "name.derived-invalid",
        severity: "error",
        pointer: "/webAcl/name",
        at: [11, 9],
        message:
          /^The IP set name "w{116}-blocked-ipv4" would be 129 characters long; AWS allows at most 128, so webAcl\.name can have at most 115 characters here\.$/,
      },
    ],
  },
  {
    reason: "115 characters is the longest web ACL name with WAF enforcement of addresses",
    files: policy(
      "blockedAddresses:",
      "  webAcl: true",
      "  entries:",
      ...entry("203.0.113.66"),
      "webAcl:",
      `  name: ${"w".repeat(115)}`,
      "  loadBalancers: { names: [alb] }",
    ),
    expected: [],
  },
  {
    reason: "without WAF enforcement of addresses there are no IP sets, so a 128-character web ACL name is fine",
    files: policy(
      "blockedCountries: { countries: [{ code: KP }] }",
      "webAcl:",
      `  name: ${"w".repeat(128)}`,
      "  loadBalancers: { names: [alb] }",
    ),
    expected: [],
  },
  {
    reason: "adopting a web ACL that stays someone else's (ownership: shared) is a contradiction",
    files: policy("webAcl:", "  name: edge", "  ownership: shared", "  adopt: true"),
    expected: [
      { code: "webacl.no-rules", severity: "warning", pointer: "/webAcl", at: [6, 3] },
      {
        code: "webacl.adopt-shared",
        severity: "error",
        pointer: "/webAcl/adopt",
        at: [8, 10],
        message: /ownership: shared says it stays someone else's/,
      },
    ],
  },
  // --- flow logs, bucket, Athena -----------------------------------------------------------
  {
    reason: "adopting a bucket that the policy also says to use as is",
    files: policy(
      "flowLogs:",
      "  bucket:",
      "    name: shared-logs",
      "    create: false",
      "    adopt: true",
      "  vpcs: { all: true }",
    ),
    expected: [
      {
        code: "bucket.adopt-without-create",
        severity: "error",
        pointer: "/flowLogs/bucket/adopt",
        at: [9, 12],
        message: /create: false says to use the bucket as is/,
      },
    ],
  },
  {
    reason: "an invalid bucket name says which rule it breaks",
    files: policy("flowLogs:", "  bucket:", "    name: Cats_Eyes", "  vpcs: { all: true }"),
    expected: [
      {
        code: "bucket.name-invalid",
        severity: "error",
        pointer: "/flowLogs/bucket/name",
        at: [7, 11],
        message: /"Cats_Eyes" is not a valid S3 bucket name: bucket names are lower case\./,
      },
    ],
  },
  {
    reason: "retention on a bucket Cordon does not create",
    files: policy(
      "flowLogs:",
      "  bucket:",
      "    name: shared-logs",
      "    create: false",
      "    retentionDays: 30",
      "  vpcs: { all: true }",
    ),
    expected: [
      {
        code: "bucket.retention-without-create",
        severity: "error",
        pointer: "/flowLogs/bucket/retentionDays",
        at: [9, 20],
      },
    ],
  },
  {
    reason: "a prefix with slashes at its ends",
    files: policy(...FLOW.slice(0, 3), "    prefix: /flow/", FLOW[3]!),
    expected: [{ code: "bucket.prefix-invalid", severity: "error", pointer: "/flowLogs/bucket/prefix", at: [8, 13] }],
  },
  {
    reason: "the AWSLogs folder is reserved by log delivery",
    files: policy(...FLOW.slice(0, 3), "    prefix: AWSLogs/flow", FLOW[3]!),
    expected: [{ code: "bucket.prefix-reserved", severity: "error", pointer: "/flowLogs/bucket/prefix", at: [8, 13] }],
  },
  {
    reason: "unknown field names get a did-you-mean; third-party names are rejected; duplicates too",
    files: policy(...FLOW, "  fields:", "    - srcadr", "    - instance-tag", "    - srcaddr", "    - srcaddr"),
    expected: [
      {
        code: "flowlogs.unknown-field",
        severity: "error",
        pointer: "/flowLogs/fields/0",
        at: [10, 7],
        message: /^"srcadr" is not a flow-log field Cordon knows: .* Did you mean srcaddr\?$/,
      },
      {
        code: "flowlogs.unknown-field",
        severity: "error",
        pointer: "/flowLogs/fields/1",
        at: [11, 7],
        message: /third-party tools/,
      },
      {
        code: "flowlogs.duplicate-field",
        severity: "error",
        pointer: "/flowLogs/fields/3",
        at: [13, 7],
        message: /^srcaddr is already listed at p\.yaml:12:7/,
      },
    ],
  },
  {
    reason: "a projection start date in the future, and names Glue would lower-case",
    files: policy(
      ...FLOW,
      "athena:",
      "  database: Network_Logs",
      "  table: vpc-flow-logs",
      "  projectionStartDate: 2026-05-02",
    ),
    expected: [
      {
        code: "athena.name-invalid",
        severity: "error",
        pointer: "/athena/database",
        at: [10, 13],
        message: /Did you mean network_logs\?$/,
      },
      { code: "athena.name-invalid", severity: "error", pointer: "/athena/table", at: [11, 10] },
      {
        code: "athena.projection-future",
        severity: "error",
        pointer: "/athena/projectionStartDate",
        at: [12, 24],
        message: /starts on 2026-05-02, after today \(2026-05-01\)/,
      },
    ],
  },
  {
    reason: "a projection start date that is not a date",
    files: policy(...FLOW, "athena:", "  database: n", "  table: t", "  projectionStartDate: 2026-13-01"),
    expected: [{ code: "date.invalid", severity: "error", pointer: "/athena/projectionStartDate", at: [12, 24] }],
  },
  // --- several documents -------------------------------------------------------------------
  {
    reason: "two files with flow logs, a table, NACL entries and a web ACL for one target: each names the other",
    files: {
      "a.yaml": policy(
        ...FLOW,
        "athena: { database: net, table: flows, projectionStartDate: 2026-01-01 }",
        ...BLOCKED,
        ...entry("10.0.0.0/8"),
        "webAcl: { name: edge, loadBalancers: { names: [alb] } }",
        "blockedCountries: { countries: [{ code: TV, reason: r }] }",
      ),
      "b.yaml": policy(
        "flowLogs:",
        "  bucket: { name: other-bucket, create: false }",
        "  vpcs: { all: true }",
        "athena: { database: NET, table: flows, projectionStartDate: 2026-01-01 }",
        ...BLOCKED,
        ...entry("192.168.0.0/16"),
        "webAcl: { name: edge, loadBalancers: { names: [alb] } }",
        "blockedCountries: { countries: [{ code: KP, reason: r }] }",
      ),
    },
    expected: [
      {
        file: "a.yaml",
        code: "conflict.policy-name",
        severity: "error",
        pointer: "/metadata/name",
        at: [3, 19],
        message: /^The policy name t \(the cordon:policy tag on what it creates\) is also claimed at b\.yaml:3:19\.$/,
      },
      {
        file: "a.yaml",
        code: "conflict.flow-logs",
        severity: "error",
        pointer: "/flowLogs",
        at: [6, 3],
        message: /^Flow logging for account 111122223333 in eu-west-1 is also claimed at b\.yaml:6:3\.$/,
      },
      {
        file: "a.yaml",
        code: "conflict.glue-table",
        severity: "error",
        pointer: "/athena",
        at: [9, 9],
        message: /net\.flows .* b\.yaml:8:9/,
      },
      {
        file: "a.yaml",
        code: "conflict.network-acls",
        severity: "error",
        pointer: "/blockedAddresses/networkAcls",
        at: [12, 5],
        message: /b\.yaml:11:5/,
      },
      {
        file: "a.yaml",
        code: "conflict.web-acl",
        severity: "error",
        pointer: "/webAcl/name",
        at: [16, 17],
        message: /b\.yaml:15:17/,
      },
      {
        file: "a.yaml",
        code: "conflict.load-balancer",
        severity: "error",
        pointer: "/webAcl/loadBalancers/names/0",
        at: [16, 48],
        message: /The load balancer alb .* b\.yaml:15:48/,
      },
      { file: "b.yaml", code: "conflict.policy-name", severity: "error", pointer: "/metadata/name", at: [3, 19] },
      {
        file: "b.yaml",
        code: "conflict.flow-logs",
        severity: "error",
        pointer: "/flowLogs",
        at: [6, 3],
        message: /a\.yaml:6:3/,
      },
      {
        file: "b.yaml",
        code: "conflict.glue-table",
        severity: "error",
        pointer: "/athena",
        at: [8, 9],
        message: /a\.yaml:9:9/,
      },
      { file: "b.yaml", code: "athena.name-invalid", severity: "error", pointer: "/athena/database", at: [8, 21] },
      {
        file: "b.yaml",
        code: "conflict.network-acls",
        severity: "error",
        pointer: "/blockedAddresses/networkAcls",
        at: [11, 5],
      },
      { file: "b.yaml", code: "conflict.web-acl", severity: "error", pointer: "/webAcl/name", at: [15, 17] },
      {
        file: "b.yaml",
        code: "conflict.load-balancer",
        severity: "error",
        pointer: "/webAcl/loadBalancers/names/0",
        at: [15, 48],
      },
    ],
  },
  {
    reason: "the same bucket created by two documents of one file, for different targets",
    files: policy(
      ...FLOW,
      "---",
      "apiVersion: cordon.dev/v1",
      "kind: Policy",
      "metadata: { name: u }",
      'target: { account: "444455556666", region: us-east-1 }',
      ...FLOW,
    ),
    expected: [
      {
        code: "conflict.bucket",
        severity: "error",
        pointer: "/flowLogs/bucket/name",
        at: [7, 11],
        message: /^The bucket cats-eyes-flow-logs is also claimed at p\.yaml:16:11\.$/,
      },
      {
        code: "conflict.bucket",
        severity: "error",
        pointer: "/flowLogs/bucket/name",
        at: [16, 11],
        document: 1,
        message: /p\.yaml:7:11/,
      },
    ],
  },
  {
    reason: "two policies of one name, even for different targets: the name is the owner tag",
    files: {
      "a.yaml": policy(),
      "b.yaml": [
        "apiVersion: cordon.dev/v1",
        "kind: Policy",
        "metadata: { name: t }",
        'target: { account: "444455556666", region: us-east-1 }',
      ].join("\n"),
    },
    expected: [
      { file: "a.yaml", code: "conflict.policy-name", severity: "error", pointer: "/metadata/name", at: [3, 19] },
      {
        file: "b.yaml",
        code: "conflict.policy-name",
        severity: "error",
        pointer: "/metadata/name",
        at: [3, 19],
        message: /is also claimed at a\.yaml:3:19\.$/,
      },
    ],
  },
  {
    reason: "different targets may each have flow logs, tables, NACL entries and web ACLs of the same names",
    files: {
      "a.yaml": policy(
        "flowLogs:",
        "  bucket: { name: shared, create: false }",
        "  vpcs: { all: true }",
        ...BLOCKED,
        ...entry("10.0.0.0/8"),
      ),
      "b.yaml": [
        "apiVersion: cordon.dev/v1",
        "kind: Policy",
        "metadata: { name: t-us }",
        'target: { account: "111122223333", region: us-east-1 }',
        "flowLogs:",
        "  bucket: { name: shared, create: false }",
        "  vpcs: { all: true }",
        ...BLOCKED,
        ...entry("10.0.0.0/8"),
      ].join("\n"),
    },
    expected: [],
  },
];

describe("semanticChecks", () => {
  it.each(cases)("$reason", ({ files, expected }) => {
    const got = run(files).map((d) => ({
      file: d.file,
      document: d.document,
      code: d.code,
      severity: d.severity,
      pointer: d.pointer,
      at: d.position === null ? null : [d.position.line, d.position.column],
      message: d.message,
    }));
    const want = expected.map((e) => ({
      file: e.file ?? "p.yaml",
      document: e.document ?? 0,
      code: e.code,
      severity: e.severity,
      pointer: e.pointer,
      at: [...e.at],
      message: e.message === undefined ? expect.any(String) : expect.stringMatching(e.message),
    }));
    expect(got).toEqual(want);
  });

  it("rejects a malformed today", () => {
    expect(() => semanticChecks([], { today: "01/05/2026" })).toThrow(/YYYY-MM-DD/);
  });

  it("covers every rule it can emit with at least one case", () => {
    const covered = new Set(cases.flatMap((c) => c.expected.map((e) => e.code)));
    const source = readFileSync(new URL("../../../src/policy/semantic.ts", import.meta.url), "utf8");
    const literal = [...source.matchAll(/"([a-z]+\.[a-z-]+)"/g)].map((m) => m[1]!);
    // Built as `${list}.duplicate` / `${list}.overlap`.
    const templated = ["blocked.duplicate", "blocked.overlap", "allowlist.duplicate", "allowlist.overlap"];
    // Cannot fire with today's partition names (none equals a field column): flowlog-fields.test.ts proves it.
    const unreachable = new Set(["flowlogs.partition-clash"]);
    const emitted = new Set([...literal, ...templated].filter((c) => !unreachable.has(c)));
    expect(emitted.size).toBeGreaterThan(30);
    expect([...emitted].filter((c) => !covered.has(c))).toEqual([]);
  });
});
