// The investigate report's views: data from query results and policy files (interface ids, file
// names, reasons in a diff) never reaches a terminal or a pull request raw; the closing line and
// the exit-relevant counts follow the severities.
import { describe, expect, it } from "vitest";
import type { Finding, InvestigateReport } from "../../../src/model/investigate.js";
import {
  investigateSummaryLine,
  proposalLine,
  renderInvestigateJson,
  renderInvestigateMarkdown,
  renderInvestigateText,
  severityCounts,
} from "../../../src/render/investigate.js";
import { makeStyler } from "../../../src/render/style.js";

const HOSTILE = "eni-1\u001b[2J\nfake line";
const finding = (kind: Finding["kind"], severity: Finding["severity"]): Finding => ({
  kind,
  severity,
  address: "203.0.113.66",
  summary: `summary of ${kind}`,
  evidence: {
    flows: 3,
    bytes: 3_000_000,
    packets: 300,
    firstSeen: "2026-12-05T10:00:00Z",
    lastSeen: "2026-12-05T10:29:59Z",
    interfaces: [HOSTILE, "eni-2"],
    interfaceCount: 7,
    byteShare: 0.97,
    packetShare: 0.5,
    protocols: [17],
  },
  policy: "p",
  account: "111122223333",
  region: "eu-west-1",
  actionable: kind === "outbound-flood",
});

const report = (findings: Finding[]): InvestigateReport => ({
  from: "2026-12-05T10:00:00.000Z",
  until: "2026-12-05T10:30:00.000Z",
  engine: "local",
  tables: [{ policy: "p\u001b]0;x", account: "111122223333", region: "eu-west-1" }],
  findings,
  proposals: [
    {
      status: "proposed",
      cidr: "203.0.113.66",
      policy: "p",
      file: "pol\u001b[31m.yaml",
      entry: { cidr: "203.0.113.66", reason: "r", ticket: "TICKET-TODO", expires: "2027-01-04" },
    },
    {
      status: "allowlisted",
      cidr: "192.0.2.1",
      policy: "p",
      file: "a.yaml",
      line: 4,
      allowlisted: "192.0.2.0/24",
      reason: "office",
    },
  ],
  patches: [
    { file: "a.yaml", before: "", after: "", diff: "--- a.yaml\n+++ a.yaml\n@@ -1 +1,2 @@\n a: 1\n+# \u001b[31m```\n" },
  ],
  written: false,
  bytesScanned: 1000,
  queries: 6,
  records: 12_345,
});

describe("investigate renderers", () => {
  it("text: colourless without a styler, no raw control character from data, the diff coloured by line", () => {
    const r = report([finding("outbound-flood", "warning"), finding("rejected-talker", "info")]);
    const plain = renderInvestigateText(r, makeStyler(false));
    expect(plain).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(plain).toContain("eni-1\\u{1b}[2J\\nfake line, eni-2 (+5 more) · protocols UDP");
    expect(plain).toMatch(/^warning outbound flood {2}203\.0\.113\.66/m);
    expect(plain).toContain(
      "+ block 203.0.113.66 in pol\\u{1b}[31m.yaml (policy p), ticket TICKET-TODO, expires 2027-01-04",
    );
    const coloured = renderInvestigateText(r, makeStyler(true));
    expect(coloured).toContain("\u001b[32m+# \\u{1b}[31m```\u001b[39m");
  });

  it("says so when the window holds no record at all, apart from holding no finding", () => {
    const empty = { ...report([]), proposals: [], patches: [] };
    expect(renderInvestigateText({ ...empty, records: 0 }, makeStyler(false))).toMatch(
      /No flow-log records in this window/,
    );
    const quiet = renderInvestigateText(empty, makeStyler(false));
    expect(quiet).toMatch(/12,345 records, 6 queries/);
    expect(quiet).toMatch(/No findings in this window\./);
    expect(quiet).toMatch(/No finding that calls for action\.$/);
  });

  it("markdown: a table of findings with cells that cannot break it, the diff in a fence it cannot close", () => {
    const md = renderInvestigateMarkdown(report([finding("outbound-flood", "warning")]));
    expect(md).toMatch(/^\| warning \| outbound flood \| `203\.0\.113\.66` \| 3 \|/m);
    expect(md).not.toContain("\u001b");
    expect(md).toMatch(/^````diff$/m);
  });

  it("json: the report without the files' full text, with the counts", () => {
    const json = JSON.parse(renderInvestigateJson(report([finding("block-not-holding", "error")])));
    expect(json.patches).toEqual([{ file: "a.yaml", diff: expect.stringContaining("+# ") }]);
    expect(json.summary).toMatchObject({ error: 1, warning: 0, info: 0 });
    expect(renderInvestigateJson(report([]))).not.toMatch(/\u001b/);
  });

  it("the closing line counts what calls for action; info alone is not a finding to act on", () => {
    expect(investigateSummaryLine(report([finding("rejected-talker", "info")]))).toBe(
      "No finding that calls for action, 1 for information; 1 block proposed: --write to edit the policy files.",
    );
    expect(
      severityCounts(report([finding("outbound-flood", "warning"), finding("block-not-holding", "error")])),
    ).toEqual({ error: 1, warning: 1, info: 0 });
    expect(
      proposalLine({ status: "no-section", cidr: "1.2.3.4", account: "1", region: "r", candidates: ["a.yaml"] }),
    ).toMatch(/no policy of 1\/r has a blockedAddresses section; add one .* to a\.yaml/);
  });
});
