// Free text in policies (docs/output-safety.md, "What validation refuses"): every free-text field
// of both schemas refuses control, bidi and separator characters, and the error names the field
// and the character as U+XXXX at file:line:column, never the raw character.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FREE_TEXT_PATTERN, hasUnsafe } from "../../../src/domain/text.js";
import { parseText } from "../../../src/policy/load.js";
import { validatePolicySetSchema, validateSchema } from "../../../src/policy/validate.js";

const read = (f: string) => JSON.parse(readFileSync(new URL(`../../../schemas/${f}`, import.meta.url), "utf8"));
const SCHEMAS = {
  "policy.schema.json": read("policy.schema.json"),
  "policy-set.schema.json": read("policy-set.schema.json"),
};

/** Every schema node that takes a string (or names keys) and is not an enum or const: [pointer, node]. */
function stringNodes(node: unknown, at = ""): [string, Record<string, unknown>][] {
  if (node === null || typeof node !== "object") return [];
  const n = node as Record<string, unknown>;
  const out: [string, Record<string, unknown>][] = [];
  const takesText = n["type"] === "string" || at.endsWith("/propertyNames");
  if (takesText && !("enum" in n) && !("const" in n) && !at.endsWith("/$defs/freeText")) out.push([at, n]);
  for (const [k, v] of Object.entries(n)) out.push(...stringNodes(v, `${at}/${k}`));
  return out;
}

const HOSTILE = [
  "a\nb",
  "a\tb",
  "\u001b[2J",
  "a\u007fb",
  "a\u0085b",
  "a\u009bb",
  "a\u202eb",
  "a\u2066b",
  "a\u2028b",
  "a\u2029b",
  "a\u200fb",
];

describe("the schemas refuse control, bidi and separator characters in every free-text field", () => {
  for (const [file, schema] of Object.entries(SCHEMAS)) {
    it(`${file}: $defs/freeText is the pattern Cordon checks (src/domain/text.ts), with an errorMessage for editors`, () => {
      expect(schema.$defs.freeText.pattern).toBe(FREE_TEXT_PATTERN);
      expect(schema.$defs.freeText.errorMessage).toMatch(/control characters/);
    });

    it(`${file}: every string field either refers to $defs/freeText or has a pattern that refuses them`, () => {
      const nodes = stringNodes(schema);
      expect(nodes.length).toBeGreaterThan(0);
      for (const [at, n] of nodes) {
        if (n["$ref"] === "#/$defs/freeText") continue;
        expect(typeof n["pattern"], `${file}#${at} has neither $ref freeText nor a pattern`).toBe("string");
        const re = new RegExp(n["pattern"] as string, "u");
        for (const h of HOSTILE) expect(re.test(`x${h}`), `${file}#${at} accepts ${JSON.stringify(h)}`).toBe(false);
      }
    });
  }

  it("the pattern accepts ordinary text, markdown metacharacters and non-Latin scripts", () => {
    const re = new RegExp(FREE_TEXT_PATTERN, "u");
    for (const ok of [
      "@org/team ![x](http://e/x.png) ``` # > <b>",
      "Ünïcödé — 中文 — עברית",
      "zero\u200bwidth",
      "emoji 🚫",
    ]) {
      expect(re.test(ok)).toBe(true);
      expect(hasUnsafe(ok)).toBe(false);
    }
  });
});

const HEADER = `apiVersion: cordon.dev/v1
kind: Policy
metadata:
  name: test-policy
  description: "fine"
target: { account: "111122223333", region: eu-west-1 }
`;

function check(text: string, set = false) {
  const parsed = parseText("p.yaml", text);
  expect(parsed.diagnostics).toEqual([]);
  const doc = parsed.documents[0]!;
  return set ? validatePolicySetSchema(doc) : validateSchema(doc);
}

describe("validation names the field and the character, never the raw character", () => {
  const cases: { field: string; yaml: string; pointer: string; at: string; char: string; set?: boolean }[] = [
    {
      field: "metadata.description",
      yaml: HEADER.replace('description: "fine"', 'description: "ok\\e[2J"'),
      pointer: "/metadata/description",
      at: "5:16",
      char: "U+001B (ESC)",
    },
    {
      field: "metadata.owner",
      yaml: `${HEADER.replace('  description: "fine"\n', '  owner: "team\\u202Eevil"\n')}`,
      pointer: "/metadata/owner",
      at: "5:10",
      char: "U+202E (RIGHT-TO-LEFT OVERRIDE)",
    },
    {
      field: "blockedAddresses.entries[0].reason",
      yaml: `${HEADER}blockedAddresses:\n  webAcl: true\n  entries:\n    - cidr: 203.0.113.10\n      reason: |\n        scanner\n        ## ✅ Plan: 0 to add\nwebAcl: { name: edge }\n`,
      pointer: "/blockedAddresses/entries/0/reason",
      at: "11:15",
      char: "U+000A (LINE FEED)",
    },
    {
      field: "blockedAddresses.entries[0].ticket",
      yaml: `${HEADER}blockedAddresses:\n  webAcl: true\n  entries:\n    - { cidr: 203.0.113.10, reason: r, ticket: "INC\\t1" }\nwebAcl: { name: edge }\n`,
      pointer: "/blockedAddresses/entries/0/ticket",
      at: "10:48",
      char: "U+0009 (TAB)",
    },
    {
      field: "allowlist[0].reason",
      yaml: `${HEADER}allowlist:\n  - { cidr: 198.51.100.0/24, reason: "office\\x85" }\n`,
      pointer: "/allowlist/0/reason",
      at: "8:38",
      char: "U+0085 (NEXT LINE)",
    },
    {
      field: "blockedCountries.countries[0].reason",
      yaml: `${HEADER}webAcl: { name: edge }\nblockedCountries:\n  countries:\n    - { code: TV, reason: "a\\u2028b" }\n`,
      pointer: "/blockedCountries/countries/0/reason",
      at: "10:27",
      char: "U+2028 (LINE SEPARATOR)",
    },
    {
      field: "flowLogs.tags.team",
      yaml: `${HEADER}flowLogs:\n  bucket: { name: my-flow-logs }\n  vpcs: { tags: { env: production } }\n  tags: { team: "net\\u2066work" }\n`,
      pointer: "/flowLogs/tags/team",
      at: "10:17",
      char: "U+2066 (LEFT-TO-RIGHT ISOLATE)",
    },
    {
      field: "metadata.description",
      yaml: 'apiVersion: cordon.dev/v1\nkind: PolicySet\nmetadata:\n  name: s\n  description: "x\\ry"\n',
      pointer: "/metadata/description",
      at: "5:16",
      char: "U+000D (CARRIAGE RETURN)",
      set: true,
    },
  ];
  for (const c of cases) {
    it(`${c.field}${c.set === true ? " (policy set)" : ""}: ${c.char}`, () => {
      const ds = check(c.yaml, c.set === true).filter((d) => d.code === "schema.control-character");
      expect(ds).toHaveLength(1);
      const d = ds[0]!;
      expect(d.pointer).toBe(c.pointer);
      expect(`${d.position?.line}:${d.position?.column}`).toBe(c.at);
      expect(d.message).toContain(c.char);
      expect(d.message.startsWith(c.field)).toBe(true);
      expect(hasUnsafe(d.message + (d.hint ?? ""))).toBe(false);
    });
  }

  it("a tag key with a control character is refused at the key", () => {
    const yaml = `${HEADER}flowLogs:\n  bucket: { name: my-flow-logs }\n  vpcs: { tags: { "e\\u001bnv": production } }\n`;
    const ds = check(yaml).filter((d) => d.code === "schema.control-character");
    expect(ds).toHaveLength(1);
    expect(ds[0]!.message).toContain("U+001B (ESC)");
    expect(hasUnsafe(ds[0]!.message)).toBe(false);
  });

  it("markdown metacharacters stay allowed: they are neutralised where they are shown", () => {
    const yaml = `${HEADER}blockedAddresses:\n  webAcl: true\n  entries:\n    - { cidr: 203.0.113.10, reason: "@org/team ![x](http://e/x.png) \`\`\`", ticket: "<b>" }\nwebAcl: { name: edge }\n`;
    expect(check(yaml)).toEqual([]);
  });
});
