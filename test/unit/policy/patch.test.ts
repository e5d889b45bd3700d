// The policy patch `cordon investigate` proposes (src/policy/patch.ts): an entry added after the
// last one, in its style, every other byte of the file unchanged; the file still validates;
// duplicates, addresses inside a blocked range and allowlisted addresses are refused with where
// they are declared; a target without a blockedAddresses section names the files to add it to.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hasErrors, loadAndValidate } from "../../../src/policy/index.js";
import { type BlockRequest, insertEntry, proposeBlocks, writePolicyFile } from "../../../src/policy/patch.js";

const TODAY = "2026-12-05";
const EXAMPLE = readFileSync("examples/cats-eyes/policies/production.yaml", "utf8");
const tmp = mkdtempSync(join(tmpdir(), "cordon-patch-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const request = (cidr: string, extra: Partial<BlockRequest> = {}): BlockRequest => ({
  cidr,
  reason: "Inbound scan found by cordon investigate: it reached 480 ports on 3 of our addresses, #1: odd",
  ticket: "TICKET-TODO",
  expires: "2027-01-04",
  account: "111122223333",
  region: "eu-west-1",
  ...extra,
});

function setUp(name: string, text: string): { dir: string; file: string } {
  const dir = join(tmp, name);
  const file = join(dir, "production.yaml");
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, text);
  return { dir, file };
}

/** The lines of `after` that are not in `before`, when `before`'s lines are all kept in order. */
function insertedLines(before: string, after: string): string[] {
  const a = before.split("\n");
  const b = after.split("\n");
  const added: string[] = [];
  let i = 0;
  for (const line of b) {
    if (i < a.length && a[i] === line) i++;
    else added.push(line);
  }
  expect(i, "every line of the original file is kept, in order").toBe(a.length);
  return added;
}

describe("proposeBlocks", () => {
  it("adds the entry after the last one, keeps every other byte, and the file still validates", () => {
    const { dir, file } = setUp("add", EXAMPLE);
    const loaded = loadAndValidate([dir], { today: TODAY });
    expect(hasErrors(loaded.diagnostics)).toBe(false);
    const p = proposeBlocks(loaded.policies, [request("192.0.2.200")], (f) => readFileSync(f, "utf8"), TODAY);
    expect(p.outcomes).toEqual([
      expect.objectContaining({ status: "proposed", cidr: "192.0.2.200", policy: "cats-eyes-production", file }),
    ]);
    expect(p.patches).toHaveLength(1);
    const { before, after, diff } = p.patches[0]!;
    expect(before).toBe(EXAMPLE);
    expect(insertedLines(before, after)).toEqual([
      "    - cidr: 192.0.2.200",
      '      reason: "Inbound scan found by cordon investigate: it reached 480 ports on 3 of our addresses, #1: odd"',
      "      ticket: TICKET-TODO",
      "      expires: 2027-01-04",
    ]);
    // Inserted right after the existing entry, before the comment of the next section.
    expect(after.indexOf("192.0.2.200")).toBeGreaterThan(after.indexOf("ticket: INC-2041"));
    expect(after.indexOf("192.0.2.200")).toBeLessThan(after.indexOf("# 4. The web ACL"));
    expect(diff).toMatch(/^\+\s+- cidr: 192\.0\.2\.200$/m);
    expect(diff).toMatch(/^--- .*production\.yaml/m);
    writePolicyFile(file, after);
    expect(readFileSync(file, "utf8")).toBe(after);
    const again = loadAndValidate([dir], { today: TODAY });
    expect(again.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(again.diagnostics).toEqual(loaded.diagnostics);
    expect(again.policies[0]!.policy.blockedAddresses!.entries.map((e) => e.cidr)).toEqual([
      "203.0.113.66",
      "192.0.2.200",
    ]);
  });

  it("refuses an address already blocked or inside a blocked range, naming the entry's line", () => {
    const text = EXAMPLE.replace(
      "      ticket: INC-2041\n",
      "      ticket: INC-2041\n    - { cidr: 198.51.100.0/24, reason: a partner gone rogue, expires: 2026-12-01 }\n",
    );
    const { dir, file } = setUp("dup", text);
    const loaded = loadAndValidate([dir], { today: TODAY });
    const p = proposeBlocks(
      loaded.policies,
      [request("203.0.113.66"), request("198.51.100.7"), request("203.0.113.66")],
      (f) => readFileSync(f, "utf8"),
      TODAY,
    );
    expect(p.patches).toEqual([]);
    const line = text.split("\n").findIndex((l) => l.includes("- cidr: 203.0.113.66")) + 1;
    expect(p.outcomes).toEqual([
      {
        status: "already-declared",
        cidr: "203.0.113.66",
        policy: "cats-eyes-production",
        file,
        line,
        declared: "203.0.113.66",
      },
      {
        status: "already-declared",
        cidr: "198.51.100.7",
        policy: "cats-eyes-production",
        file,
        line: line + 3,
        declared: "198.51.100.0/24",
        expired: "2026-12-01",
      },
    ]);
  });

  it("refuses an allowlisted address, naming the allowlist entry", () => {
    const text = `${EXAMPLE}\nallowlist:\n  - cidr: 192.0.2.0/24 # the office\n    reason: our office\n`;
    const { dir, file } = setUp("allow", text);
    const loaded = loadAndValidate([dir], { today: TODAY });
    expect(hasErrors(loaded.diagnostics)).toBe(false);
    const p = proposeBlocks(loaded.policies, [request("192.0.2.200")], (f) => readFileSync(f, "utf8"), TODAY);
    expect(p.patches).toEqual([]);
    expect(p.outcomes).toEqual([
      {
        status: "allowlisted",
        cidr: "192.0.2.200",
        policy: "cats-eyes-production",
        file,
        line: text.split("\n").indexOf("  - cidr: 192.0.2.0/24 # the office") + 1,
        allowlisted: "192.0.2.0/24",
        reason: "our office",
      },
    ]);
  });

  it("names the files to add a section to when no policy of the target has blockedAddresses", () => {
    const text = EXAMPLE.replace(/\n# 3\. [\s\S]*?\n# 4\./, "\n# 4.");
    const { dir, file } = setUp("none", text);
    const loaded = loadAndValidate([dir], { today: TODAY });
    const p = proposeBlocks(
      loaded.policies,
      [request("192.0.2.200"), request("192.0.2.201", { account: "999988887777" })],
      (f) => readFileSync(f, "utf8"),
      TODAY,
    );
    expect(p.patches).toEqual([]);
    expect(p.outcomes).toEqual([
      { status: "no-section", cidr: "192.0.2.200", account: "111122223333", region: "eu-west-1", candidates: [file] },
      { status: "no-section", cidr: "192.0.2.201", account: "999988887777", region: "eu-west-1", candidates: [] },
    ]);
  });
});

describe("insertEntry", () => {
  const entry = { cidr: "192.0.2.200", reason: "a, b: {c}", ticket: "T-1" };
  it("follows a flow-map item's style and keeps its trailing comment and the comment after the list", () => {
    const text =
      "blockedAddresses:\n  networkAcls: { vpcs: { all: true } }\n  entries:\n    - { cidr: 203.0.113.66, reason: x } # why\n    # more later\nwebAcl: { name: w }\n";
    const after = insertEntry(text, 0, entry, "f.yaml");
    expect(after).toBe(
      text.replace("# why\n", '# why\n    - { cidr: 192.0.2.200, reason: "a, b: {c}", ticket: T-1 }\n'),
    );
  });

  it("appends to a flow sequence, and to the right document of a multi-document file", () => {
    const text = "a: 1\n---\nblockedAddresses:\n  entries: [ { cidr: 1.2.3.4, reason: y } ] # end\n";
    expect(insertEntry(text, 1, entry, "f.yaml")).toBe(
      text.replace("y } ]", 'y }, { cidr: 192.0.2.200, reason: "a, b: {c}", ticket: T-1 } ]'),
    );
    expect(() => insertEntry(text, 0, entry, "f.yaml")).toThrow(/document 1 has no blockedAddresses\.entries/);
  });

  it("turns an empty `entries: []` into a block list under its key, keeping its comment", () => {
    const text = "blockedAddresses:\n  entries: [] # none yet\n  # after\nwebAcl: { name: w }\n";
    expect(insertEntry(text, 0, entry, "f.yaml")).toBe(
      'blockedAddresses:\n  entries: # none yet\n    - cidr: 192.0.2.200\n      reason: "a, b: {c}"\n      ticket: T-1\n  # after\nwebAcl: { name: w }\n',
    );
  });

  it("keeps CRLF line ends and a file without a final newline", () => {
    const text = "blockedAddresses:\r\n  entries:\r\n  - cidr: 1.2.3.4\r\n    reason: y";
    expect(insertEntry(text, 0, entry, "f.yaml")).toBe(
      `${text}\r\n  - cidr: 192.0.2.200\r\n    reason: "a, b: {c}"\r\n    ticket: T-1\r\n`,
    );
  });
});
