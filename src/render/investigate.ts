// Views of `cordon investigate`'s report (src/model/investigate.ts): text for a terminal, markdown
// for a pull request or a ticket, JSON for tools. Addresses, interface ids, file names and the
// diff come from data (query results, policy files): each passes through its medium's function of
// src/render/safe-text.ts (docs/output-safety.md).
import { formatBytes } from "../domain/bytes.js";
import { percent, protocolName } from "../domain/traffic.js";
import type { Finding, InvestigateReport, ProposalOutcome } from "../model/investigate.js";
import { codeBlockLines, fenceFor, jsonText, mdCode, mdText, term } from "./safe-text.js";
import type { Styler } from "./style.js";

const KIND_TITLE: Readonly<Record<Finding["kind"], string>> = {
  "block-not-holding": "block did not hold",
  "outbound-flood": "outbound flood",
  "inbound-scan": "inbound scan",
  "rejected-talker": "rejected top talker",
};

/** Counts for the closing line: findings by severity. */
export function severityCounts(r: InvestigateReport): { error: number; warning: number; info: number } {
  const c = { error: 0, warning: 0, info: 0 };
  for (const f of r.findings) c[f.severity]++;
  return c;
}

/** The closing line of every format. */
export function investigateSummaryLine(r: InvestigateReport): string {
  const c = severityCounts(r);
  const acting = c.error + c.warning;
  const findings =
    acting === 0
      ? "No finding that calls for action"
      : `${acting} finding${acting === 1 ? "" : "s"} (${c.error} error${c.error === 1 ? "" : "s"}, ${c.warning} warning${c.warning === 1 ? "" : "s"})`;
  const info = c.info === 0 ? "" : `, ${c.info} for information`;
  const proposed = r.proposals.filter((p) => p.status === "proposed").length;
  const change =
    proposed === 0
      ? ""
      : r.written
        ? `; ${proposed} block${proposed === 1 ? "" : "s"} written to the policies: review, then cordon plan`
        : `; ${proposed} block${proposed === 1 ? "" : "s"} proposed: --write to edit the policy files`;
  return `${findings}${info}${change}.`;
}

const count = (n: number): string => n.toLocaleString("en-US");

function evidenceLines(f: Finding): string[] {
  const e = f.evidence;
  const lines = [
    `flows ${count(e.flows)} · bytes ${formatBytes(e.bytes)} · packets ${count(e.packets)} · share ${percent(e.byteShare)} of bytes, ${percent(e.packetShare)} of packets`,
    `first seen ${e.firstSeen ?? "-"} · last seen ${e.lastSeen ?? "-"}`,
  ];
  const more = e.interfaceCount - e.interfaces.length;
  const ifaces = e.interfaces.length === 0 ? "-" : e.interfaces.join(", ") + (more > 0 ? ` (+${more} more)` : "");
  const protocols = (e.protocols ?? []).map(protocolName).join(", ");
  lines.push(`interfaces ${ifaces}${protocols === "" ? "" : ` · protocols ${protocols}`}`);
  if (e.distinctPorts !== undefined && f.kind === "inbound-scan")
    lines.push(`distinct ports ${count(e.distinctPorts)} · addresses of ours ${count(e.distinctAddresses ?? 0)}`);
  if (f.declared !== undefined)
    lines.push(`declared at ${f.declared.file}${f.declared.line === null ? "" : `:${f.declared.line}`}`);
  return lines;
}

const where = (file: string, line: number | null): string => (line === null ? file : `${file}:${line}`);

/** One line per proposal outcome, for a person. */
export function proposalLine(p: ProposalOutcome): string {
  switch (p.status) {
    case "proposed":
      return `+ block ${p.cidr} in ${p.file} (policy ${p.policy}), ticket ${p.entry.ticket}${p.entry.expires === undefined ? "" : `, expires ${p.entry.expires}`}${p.note === undefined ? "" : `. Note: ${p.note}`}`;
    case "already-declared":
      return p.expired === undefined
        ? `= ${p.cidr} is already declared: ${p.declared} at ${where(p.file, p.line)} (policy ${p.policy}); not proposed again`
        : `= ${p.cidr} is declared by ${p.declared} at ${where(p.file, p.line)}, which expired on ${p.expired}: move its expiry date forward instead of adding an entry`;
    case "allowlisted":
      return `! ${p.cidr} is in the allowlist: ${p.allowlisted} ("${p.reason}") at ${where(p.file, p.line)}; never proposed for blocking`;
    case "no-section":
      return p.candidates.length === 0
        ? `? ${p.cidr}: no loaded policy targets ${p.account}/${p.region}; load the policy that covers it`
        : `? ${p.cidr}: no policy of ${p.account}/${p.region} has a blockedAddresses section; add one (networkAcls and direction) to ${p.candidates.join(" or ")}, then run investigate again`;
  }
}

function header(r: InvestigateReport): string {
  const tables = r.tables.map((t) => `${t.policy} (${t.account}/${t.region})`).join(", ");
  const cost = r.costUsd === undefined ? "" : `, about $${r.costUsd.toFixed(4)}`;
  return `Investigated ${r.from} to ${r.until} with the ${r.engine} engine: ${tables || "no table"}; ${count(r.records)} records, ${r.queries} queries, ${formatBytes(r.bytesScanned)} scanned${cost}.`;
}

export function renderInvestigateText(r: InvestigateReport, s: Styler): string {
  const out: string[] = [term(header(r)), ""];
  const colour = (f: Finding) => (f.severity === "error" ? s.red : f.severity === "warning" ? s.yellow : s.dim);
  for (const f of r.findings) {
    const target = `${f.policy} ${f.account}/${f.region}`;
    out.push(
      `${colour(f)(s.bold(f.severity.padEnd(7)))} ${s.bold(KIND_TITLE[f.kind])}  ${term(f.address)}  ${s.dim(term(`[${target}]`))}`,
    );
    out.push(`  ${term(f.summary)}`);
    for (const l of evidenceLines(f)) out.push(`  ${s.dim(term(l))}`);
    out.push("");
  }
  if (r.findings.length === 0)
    out.push(
      r.records === 0
        ? "No flow-log records in this window: check the window, the filters, and that the flow logs deliver (cordon plan shows their delivery status)."
        : "No findings in this window.",
      "",
    );
  if (r.proposals.length > 0) {
    out.push(s.bold("Proposed policy change:"));
    for (const p of r.proposals) {
      const line = term(proposalLine(p));
      out.push(`  ${p.status === "proposed" ? s.green(line) : p.status === "allowlisted" ? s.yellow(line) : line}`);
    }
    out.push("");
  }
  for (const patch of r.patches) {
    for (const line of patch.diff.replace(/\n$/, "").split("\n")) {
      const safe = term(line);
      if (line.startsWith("+") && !line.startsWith("+++")) out.push(s.green(safe));
      else if (line.startsWith("-") && !line.startsWith("---")) out.push(s.red(safe));
      else if (line.startsWith("@@")) out.push(s.cyan(safe));
      else out.push(safe);
    }
    out.push("");
  }
  out.push(s.bold(term(investigateSummaryLine(r))));
  return out.join("\n");
}

export function renderInvestigateMarkdown(r: InvestigateReport): string {
  const out: string[] = ["### Cordon investigate", "", mdText(header(r)), ""];
  if (r.findings.length > 0) {
    out.push("| severity | finding | address | flows | bytes | share of bytes | first seen | last seen | interfaces |");
    out.push("| --- | --- | --- | ---: | ---: | ---: | --- | --- | --- |");
    for (const f of r.findings) {
      const e = f.evidence;
      out.push(
        `| ${f.severity} | ${KIND_TITLE[f.kind]} | ${mdCode(f.address, { table: true })} | ${e.flows} | ${mdText(formatBytes(e.bytes))} | ${mdText(percent(e.byteShare))} | ${mdText(e.firstSeen ?? "-")} | ${mdText(e.lastSeen ?? "-")} | ${e.interfaces.map((i) => mdCode(i, { table: true })).join(" ")} |`,
      );
    }
    out.push("");
    for (const f of r.findings) out.push(`- ${mdText(f.summary)}`);
    out.push("");
  } else {
    out.push(r.records === 0 ? "No flow-log records in this window." : "No findings in this window.", "");
  }
  if (r.proposals.length > 0) {
    out.push("#### Proposed policy change", "");
    for (const p of r.proposals) out.push(`- ${mdText(proposalLine(p))}`);
    out.push("");
  }
  for (const patch of r.patches) {
    const body = codeBlockLines(patch.diff.replace(/\n$/, "").split("\n")).join("\n");
    const fence = fenceFor(body);
    out.push(`${fence}diff`, body, fence, "");
  }
  out.push(mdText(investigateSummaryLine(r)));
  return out.join("\n");
}

/** The report as JSON: everything but the files' full text (the diff says what changes). */
export function renderInvestigateJson(r: InvestigateReport): string {
  return jsonText({
    ...r,
    patches: r.patches.map((p) => ({ file: p.file, diff: p.diff })),
    summary: { ...severityCounts(r), line: investigateSummaryLine(r) },
  });
}
