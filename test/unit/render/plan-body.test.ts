import { describe, expect, it } from "vitest";
import type { Action, Change } from "../../../src/model/change.js";
import {
  actionSymbol,
  type BodyLine,
  changeBody,
  elementDiffLines,
  inlineValue,
  jsonDiffLines,
  summaryExtras,
  summaryLine,
} from "../../../src/render/plan-body.js";

describe("actionSymbol", () => {
  const cases: { action: Action; symbol: string; reason: string }[] = [
    { action: "create", symbol: "+", reason: "Terraform's create" },
    { action: "update", symbol: "~", reason: "in-place update" },
    { action: "delete", symbol: "-", reason: "destroy" },
    { action: "create-then-delete", symbol: "+/-", reason: "create_before_destroy replacement" },
    { action: "delete-then-create", symbol: "-/+", reason: "destroy-then-create replacement" },
  ];
  for (const c of cases) it(`${c.action}: ${c.reason}`, () => expect(actionSymbol(c.action)).toBe(c.symbol));
});

describe("summary", () => {
  const s = { add: 3, change: 1, destroy: 0, replace: 0, broadensAccess: 0, observeOnly: 0, noop: 4 };
  it("reads like Terraform's", () => expect(summaryLine(s)).toBe("Plan: 3 to add, 1 to change, 0 to destroy."));
  it("adds sentences only for broadening and observe-mode findings", () => {
    expect(summaryExtras(s)).toEqual([]);
    expect(summaryExtras({ ...s, broadensAccess: 2, observeOnly: 1 })).toEqual([
      "2 changes broaden access.",
      "1 difference in observe mode is reported, not applied.",
    ]);
  });
});

describe("jsonDiffLines", () => {
  it("marks changed lines and collapses long unchanged runs", () => {
    const before = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${String(i).padStart(2, "0")}`, i]));
    const after = { ...before, k10: "ten" };
    const lines = jsonDiffLines(before, after, 0);
    expect(lines.filter((l) => l.sign === "-").map((l) => l.text.trim())).toEqual(['"k10": 10,']);
    expect(lines.filter((l) => l.sign === "+").map((l) => l.text.trim())).toEqual(['"k10": "ten",']);
    expect(lines.filter((l) => l.text.startsWith("#")).map((l) => l.text)).toEqual([
      "# (8 unchanged lines hidden)",
      "# (7 unchanged lines hidden)",
    ]);
  });
});

const show = (lines: readonly BodyLine[]): string[] => lines.map((l) => `${"  ".repeat(l.depth)}${l.sign} ${l.text}`);

const change = (over: Partial<Change>): Change => ({
  address: "111122223333/eu-west-1/glue.table/db.t",
  kind: "glue.table",
  name: "db.t",
  target: { account: "111122223333", region: "eu-west-1" },
  action: "update",
  before: null,
  after: null,
  fields: [],
  reason: "drifted",
  impact: { broadensAccess: false, destructive: false, notes: [] },
  mode: "enforce",
  observedFingerprint: "f",
  dependsOn: [],
  origin: null,
  ...over,
});

describe("inlineValue", () => {
  const cases: { value: unknown; shown: string; reason: string }[] = [
    { value: { Type: "int", Name: "version" }, shown: '{ Name = "version", Type = "int" }', reason: "a Glue column" },
    {
      value: { "cordon:policy": "p", env: "x" },
      shown: '{ "cordon:policy" = "p", "env" = "x" }',
      reason: "one key needs quotes: all are quoted",
    },
    { value: "a", shown: '"a"', reason: "a scalar" },
    { value: {}, shown: "{}", reason: "an empty object" },
  ];
  for (const c of cases) it(c.reason, () => expect(inlineValue(c.value)).toBe(c.shown));
});

describe("elementDiffLines", () => {
  const col = (Name: string) => ({ Name, Type: "string" });
  it("shows one element per line, the change with one neighbour each side, the rest counted", () => {
    const before = ["a", "b", "c", "d", "e", "f"].map(col);
    const after = ["a", "b", "c", "x", "d", "e", "f"].map(col);
    expect(show(elementDiffLines(before, after, 0))).toEqual([
      "  # (2 unchanged elements hidden)",
      '  { Name = "c", Type = "string" },',
      '+ { Name = "x", Type = "string" },',
      '  { Name = "d", Type = "string" },',
      "  # (2 unchanged elements hidden)",
    ]);
  });
  it("a changed element is its old line removed and its new line added", () => {
    const lines = show(elementDiffLines([{ Name: "bytes", Type: "bigint" }], [{ Name: "bytes", Type: "int" }], 0));
    expect(lines).toEqual(['- { Name = "bytes", Type = "bigint" },', '+ { Name = "bytes", Type = "int" },']);
  });
});

describe("changeBody", () => {
  it("creates: arrays of flat objects one element per line, maps as key = value blocks, context fields hidden", () => {
    const c = change({
      kind: "ec2.naclEntries",
      action: "create",
      after: {
        aclId: "acl-1",
        entries: [{ action: "deny", cidr: "203.0.113.66/32", egress: true, protocol: "-1", ruleNumber: 1 }],
        entryQuota: 20,
        others: [{ action: "allow", cidr: "0.0.0.0/0", egress: true, protocol: "-1", ruleNumber: 100 }],
        band: { first: 1, last: 99 },
      },
      contextFields: ["entryQuota", "others"],
    });
    expect(show(changeBody(c, "text"))).toEqual([
      '+ aclId   = "acl-1"',
      "+ band    = {",
      "  + first = 1",
      "  + last  = 99",
      "  }",
      "+ entries = [",
      '  + { action = "deny", cidr = "203.0.113.66/32", egress = true, protocol = "-1", ruleNumber = 1 },',
      "  ]",
    ]);
  });
  it("updates of a map show the changed keys grouped, with the unchanged ones counted", () => {
    const before = { tags: { a: "1", b: "2", c: "3" }, name: "t" };
    const after = { tags: { a: "1", b: "two", d: "4" }, name: "t" };
    const c = change({
      before,
      after,
      fields: [
        { path: "/tags/b", before: "2", after: "two" },
        { path: "/tags/c", before: "3", after: null },
        { path: "/tags/d", before: null, after: "4" },
      ],
    });
    expect(show(changeBody(c, "text"))).toEqual([
      "~ tags = {",
      '  ~ b = "2" -> "two"',
      '  - c = "3"',
      '  + d = "4"',
      "    # (1 unchanged element hidden)",
      "  }",
    ]);
    expect(show(changeBody(c, "diff"))).toEqual([
      "  tags = {",
      '  - b = "2"',
      '  + b = "two"',
      '  - c = "3"',
      '  + d = "4"',
      "    # (1 unchanged element hidden)",
      "  }",
    ]);
  });
  it("an item of a collection is one line when added, its changed attributes when changed", () => {
    const entry = { action: "deny", cidr: "203.0.113.7/32", protocol: "-1" };
    const c = change({
      kind: "ec2.naclEntries",
      fields: [
        { path: "/entries/outbound/5", before: null, after: entry },
        { path: "/entries/outbound/6", before: { ...entry, action: "allow" }, after: entry },
      ],
    });
    expect(show(changeBody(c, "text"))).toEqual([
      '+ entries/outbound/5 = { action = "deny", cidr = "203.0.113.7/32", protocol = "-1" }',
      "~ entries/outbound/6 = {",
      '  ~ action = "allow" -> "deny"',
      "    # (2 unchanged attributes hidden)",
      "  }",
    ]);
  });
  it("deep structures stay a JSON text diff", () => {
    const rule = (codes: string[]) => ({ Name: "r", Statement: { GeoMatchStatement: { CountryCodes: codes } } });
    const c = change({ fields: [{ path: "/rules", before: [rule(["TV"])], after: [rule(["TV", "NR"])] }] });
    const lines = show(changeBody(c, "text"));
    expect(lines[0]).toBe("~ rules:");
    expect(lines.filter((l) => l.startsWith("  +")).map((l) => l.replace(/\s+/g, " ").trim())).toEqual([
      '+ "TV",',
      '+ "NR"',
    ]);
  });
});
