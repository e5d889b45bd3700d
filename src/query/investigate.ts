// `cordon investigate`'s findings (docs/investigate.md, "Findings"): a few aggregate queries per
// table over a time window, in the SQL both engines run (docs/query.md, "One SQL for both
// engines"), and pure functions that turn their rows into findings with evidence. Nothing here
// changes AWS: the queries only read flow logs.
//
// "Ours" and "outside" are told by address, as the outbound-by-destination report tells them: ours
// is a private IPv4 address (RFC 1918: 10/8, 172.16/12, 192.168/16, which hold the VPC CIDR blocks
// one normally uses), outside is any other address. The queries read the table through the query
// layer's `flows` (the window's partitions and record start times, the --vpc filter), so both
// commands select the same records. What a record's addresses and action mean:
// docs/aws-behaviour.md, "Reading records: addresses and verdicts".

import { formatBytes } from "../domain/bytes.js";
import { cidrOf, formatCidr } from "../domain/cidr.js";
import { epochSecondsIso, percent, protocolName } from "../domain/traffic.js";
import type { Evidence, Finding, FindingKind } from "../model/investigate.js";
import type { QueryCell, QueryEngine, QueryProgress, QueryResult, QueryTable } from "../model/query.js";
import type { BlockRequest } from "../policy/patch.js";
import { cidrCondition, col, flowsCte, type ReportFilters } from "./reports.js";

/** When a finding is reported: each is a flag of `cordon investigate` (docs/investigate.md, "Thresholds"). */
export interface Thresholds {
  /** Outbound flood: one outside destination's share of the window's bytes or packets, at least (0..1). */
  readonly floodShare: number;
  /** Outbound flood: and at least this many packets. */
  readonly floodMinPackets: number;
  /** Inbound scan: one outside source reaching at least this many distinct destination ports of ours… */
  readonly scanPorts: number;
  /** …or this many distinct addresses of ours. */
  readonly scanAddresses: number;
  /** Rejected top talkers: the sources with the most REJECT records, at most this many… */
  readonly rejectedTop: number;
  /** …each with at least this many REJECT records. */
  readonly rejectedMinFlows: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  floodShare: 0.5,
  floodMinPackets: 1000,
  scanPorts: 50,
  scanAddresses: 50,
  rejectedTop: 5,
  rejectedMinFlows: 10,
};

/** How many interfaces a finding names (the most bytes first). */
export const TOP_INTERFACES = 5;

/** The columns the findings read (the default format's fields; docs/flow-logs.md). */
export const FLOW_COLUMNS = [
  "interface_id",
  "srcaddr",
  "dstaddr",
  "dstport",
  "protocol",
  "packets",
  "bytes",
  "start",
  "end",
  "action",
] as const;

/** A declared block of a policy covering a table's target, as the NACL enforces it. */
export interface DeclaredBlock {
  readonly cidr: string;
  /** Which side of a record it applies to: outbound denies the destination, inbound the source. */
  readonly direction: "inbound" | "outbound" | "both";
  readonly file: string;
  readonly line: number | null;
}

/** One table and the rows of it the window selects. */
export interface InvestigateScope {
  readonly table: QueryTable;
  /** The window (partitions and record start times) and the --vpc filter, as `cordon query` takes them. */
  readonly filters: ReportFilters;
  /** The blocks declared for the table's target (policies' blockedAddresses enforced in network ACLs). */
  readonly blocks: readonly DeclaredBlock[];
}

export interface InvestigateRun {
  readonly thresholds: Thresholds;
  readonly signal?: AbortSignal | undefined;
  readonly progress?: ((event: QueryProgress) => void) | undefined;
  readonly maxScanBytes?: number | undefined;
}

export interface InvestigateResult {
  readonly findings: readonly Finding[];
  readonly bytesScanned: number;
  readonly queries: number;
  /** Flow-log records in the window, over every table. */
  readonly records: number;
  readonly costUsd?: number;
}

// --- SQL (the common subset) ------------------------------------------------------------------

/** The RFC 1918 ranges: an address in one is ours. */
export const OUR_RANGES: readonly string[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/** SQL: the column holds one of the CIDRs (cidrCondition's reach: IPv4, and IPv6 /128); null when none can be matched. */
export function inCidrs(column: string, cidrs: readonly string[]): string | null {
  const terms = cidrs.map((c) => cidrCondition(column, c)).filter((t): t is string => t !== null);
  return terms.length === 0 ? null : `(${terms.join(" OR ")})`;
}

/** SQL: the column holds an address of ours. */
export const ours = (column: string): string => inCidrs(column, OUR_RANGES)!;
/** SQL: the column holds any other address (or none: "-" rows are dropped when read). */
export const outside = (column: string): string => `NOT ${ours(column)}`;

/** `WITH flows AS (…)` over the scope's table and window (the query layer's own filters), then the statement. */
function overFlows(scope: InvestigateScope, statement: readonly string[]): string {
  return [flowsCte("investigate", [scope.table], FLOW_COLUMNS, scope.filters), ...statement].join("\n");
}

const where = (...conditions: string[]): string =>
  conditions.length === 0 ? "" : `WHERE ${conditions.map((c) => `(${c})`).join("\n  AND ")}`;

/** Totals of the window: records, bytes, packets. */
export function totalsSql(scope: InvestigateScope): string {
  return overFlows(scope, [
    `SELECT COUNT(*) AS flows, SUM(${col("bytes")}) AS bytes, SUM(${col("packets")}) AS packets`,
    "FROM flows",
  ]);
}

const EVIDENCE_COLUMNS = [
  "COUNT(*) AS flows",
  `SUM(${col("bytes")}) AS bytes`,
  `SUM(${col("packets")}) AS packets`,
  `MIN(${col("start")}) AS first_seen`,
  `MAX(${col("end")}) AS last_seen`,
  `COUNT(DISTINCT ${col("interface_id")}) AS interfaces`,
].join(", ");

const ACCEPT = `${col("action")} = 'ACCEPT'`;
const REJECT = `${col("action")} = 'REJECT'`;

/** Accepted egress from ours to each outside destination, most bytes first. */
export function floodSql(scope: InvestigateScope, limit = 10): string {
  return overFlows(scope, [
    `SELECT ${col("dstaddr")} AS address, ${EVIDENCE_COLUMNS}`,
    "FROM flows",
    where(ACCEPT, ours("srcaddr"), outside("dstaddr")),
    `GROUP BY ${col("dstaddr")}`,
    "ORDER BY bytes DESC, address",
    `LIMIT ${limit}`,
  ]);
}

/** Each outside source reaching ours: distinct destination ports and addresses, the widest first. */
export function scanSql(scope: InvestigateScope, t: Thresholds, limit = 10): string {
  const ports = `COUNT(DISTINCT ${col("dstport")})`;
  const addresses = `COUNT(DISTINCT ${col("dstaddr")})`;
  return overFlows(scope, [
    `SELECT ${col("srcaddr")} AS address, ${EVIDENCE_COLUMNS}, ${ports} AS ports, ${addresses} AS addresses`,
    "FROM flows",
    where(outside("srcaddr"), ours("dstaddr")),
    `GROUP BY ${col("srcaddr")}`,
    `HAVING ${ports} >= ${Math.ceil(t.scanPorts)} OR ${addresses} >= ${Math.ceil(t.scanAddresses)}`,
    "ORDER BY ports DESC, addresses DESC, address",
    `LIMIT ${limit}`,
  ]);
}

/** The sources with the most REJECT records. */
export function rejectedSql(scope: InvestigateScope, t: Thresholds): string {
  return overFlows(scope, [
    `SELECT ${col("srcaddr")} AS address, ${EVIDENCE_COLUMNS}, COUNT(DISTINCT ${col("dstaddr")}) AS addresses`,
    "FROM flows",
    where(REJECT),
    `GROUP BY ${col("srcaddr")}`,
    `HAVING COUNT(*) >= ${Math.ceil(t.rejectedMinFlows)}`,
    "ORDER BY flows DESC, bytes DESC, address",
    `LIMIT ${Math.max(1, Math.floor(t.rejectedTop))}`,
  ]);
}

/** The condition on a record a block applies to (destination for outbound, source for inbound); null: cannot be matched. */
export function blockCondition(block: DeclaredBlock): string | null {
  const sides =
    block.direction === "outbound" ? ["dstaddr"] : block.direction === "inbound" ? ["srcaddr"] : ["srcaddr", "dstaddr"];
  const terms = sides.map((s) => cidrCondition(s, block.cidr));
  return terms.some((t) => t === null) ? null : `(${terms.join(" OR ")})`;
}

/**
 * The records one declared block applies to, per block (by its index) and action: the ACCEPTs it
 * should have stopped, and the REJECTs that show when it took effect (with the latest ACCEPT's start).
 */
export function blockHitsSql(scope: InvestigateScope): string | null {
  const cases = scope.blocks
    .map((b, i) => [i, blockCondition(b)] as const)
    .filter((x): x is readonly [number, string] => x[1] !== null);
  if (cases.length === 0) return null;
  const which = `CASE ${cases.map(([i, c]) => `WHEN ${c} THEN ${i}`).join(" ")} END`;
  return overFlows(scope, [
    `SELECT block, ${col("action")} AS action, ${EVIDENCE_COLUMNS}, MAX(${col("start")}) AS last_start`,
    `FROM (SELECT ${which} AS block, ${FLOW_COLUMNS.map(col).join(", ")}`,
    "  FROM flows",
    `  ${where(`(${ACCEPT} OR ${REJECT})`, cases.map(([, c]) => c).join(" OR "))}) hits`,
    `GROUP BY block, ${col("action")}`,
    `ORDER BY block, ${col("action")}`,
  ]);
}

/** The interfaces and protocols behind one finding, most bytes first. */
export function detailSql(scope: InvestigateScope, condition: string): string {
  return overFlows(scope, [
    `SELECT ${col("interface_id")} AS interface_id, ${col("protocol")} AS protocol, SUM(${col("bytes")}) AS bytes`,
    "FROM flows",
    where(condition),
    `GROUP BY ${col("interface_id")}, ${col("protocol")}`,
    "ORDER BY bytes DESC, interface_id, protocol",
    "LIMIT 1000",
  ]);
}

// --- Rows → findings (pure) --------------------------------------------------------------------

/** A result's rows as records keyed by column name. */
export function records(result: QueryResult): Record<string, QueryCell>[] {
  const names = result.columns.map((c) => c.name.toLowerCase());
  return result.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i] ?? null])));
}

const num = (v: QueryCell | undefined): number => {
  if (v === null || v === undefined || v === "") return 0;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : 0;
};

const iso = epochSecondsIso;

/** An address cell as canonical text, or null when it is no IP address (such a row is skipped). */
export function addressOf(v: QueryCell | undefined): string | null {
  if (typeof v !== "string") return null;
  const c = cidrOf(v.trim());
  if (c === null || c.prefix !== (c.family === "ipv4" ? 32 : 128)) return null;
  return formatCidr(c).replace(/\/\d+$/, "");
}

export interface Totals {
  readonly flows: number;
  readonly bytes: number;
  readonly packets: number;
}

export function totalsOf(result: QueryResult): Totals {
  const r = records(result)[0] ?? {};
  return { flows: num(r["flows"]), bytes: num(r["bytes"]), packets: num(r["packets"]) };
}

const share = (part: number, whole: number): number => (whole > 0 ? Math.min(1, part / whole) : 0);

/** The evidence of one aggregate row (interfaces and protocols come later, from the detail query). */
export function evidenceOf(r: Record<string, QueryCell>, totals: Totals): Evidence {
  const bytes = num(r["bytes"]);
  const packets = num(r["packets"]);
  return {
    flows: num(r["flows"]),
    bytes,
    packets,
    firstSeen: iso(r["first_seen"]),
    lastSeen: iso(r["last_seen"]),
    interfaces: [],
    interfaceCount: num(r["interfaces"]),
    byteShare: share(bytes, totals.bytes),
    packetShare: share(packets, totals.packets),
    ...(r["ports"] !== undefined ? { distinctPorts: num(r["ports"]) } : {}),
    ...(r["addresses"] !== undefined ? { distinctAddresses: num(r["addresses"]) } : {}),
  };
}

type Target = Pick<Finding, "policy" | "account" | "region">;
const targetOf = (t: QueryTable): Target => ({ policy: t.policy, account: t.account, region: t.region });

function finding(
  kind: FindingKind,
  address: string,
  evidence: Evidence,
  table: QueryTable,
  extra: Partial<Pick<Finding, "declared" | "peer">> = {},
): Finding {
  const severity = kind === "block-not-holding" ? "error" : kind === "rejected-talker" ? "info" : "warning";
  const f: Omit<Finding, "summary"> = {
    kind,
    severity,
    address,
    evidence,
    ...targetOf(table),
    ...extra,
    actionable: kind === "outbound-flood" || kind === "inbound-scan",
  };
  return { ...f, summary: summarize(f) };
}

/** One sentence for a person, from the evidence alone. */
export function summarize(f: Omit<Finding, "summary">): string {
  const e = f.evidence;
  const ifaces = `${e.interfaceCount} interface${e.interfaceCount === 1 ? "" : "s"}`;
  switch (f.kind) {
    case "outbound-flood":
      return `Outbound flood to ${f.address}: ${ifaces} sent ${formatBytes(e.bytes)} in ${e.packets} packets (${percent(e.byteShare)} of the window's bytes, ${percent(e.packetShare)} of its packets), accepted.`;
    case "inbound-scan":
      return `Inbound scan from ${f.address}: ${e.distinctPorts ?? 0} destination ports on ${e.distinctAddresses ?? 0} addresses of ours in ${e.flows} flows.`;
    case "rejected-talker":
      return `Rejected traffic from ${f.address}: ${e.flows} flows to ${e.distinctAddresses ?? 0} addresses, ${formatBytes(e.bytes)} refused.`;
    case "block-not-holding":
      return f.declared?.heldFrom !== undefined
        ? `Declared block ${f.declared.cidr} did not hold: it rejected traffic from ${f.declared.heldFrom}, yet accepted traffic after that, the last at ${e.lastSeen} (in the window: ${e.flows} accepted flows, ${formatBytes(e.bytes)}, through ${ifaces}): its network ACL entry was removed or replaced outside Cordon, or an allow now comes first.`
        : `Declared block ${f.declared?.cidr ?? f.address} did not hold: ${e.flows} flows (${formatBytes(e.bytes)}) were accepted through ${ifaces} and none rejected: its network ACL entry is not applied yet, was removed outside Cordon, or sits after an allow.`;
  }
}

export function floodFindings(rows: QueryResult, totals: Totals, t: Thresholds, table: QueryTable): Finding[] {
  const out: Finding[] = [];
  for (const r of records(rows)) {
    const address = addressOf(r["address"]);
    if (address === null) continue;
    const e = evidenceOf(r, totals);
    const dominant = e.byteShare >= t.floodShare || e.packetShare >= t.floodShare;
    if (dominant && e.packets >= t.floodMinPackets) out.push(finding("outbound-flood", address, e, table));
  }
  return out;
}

export function scanFindings(rows: QueryResult, totals: Totals, t: Thresholds, table: QueryTable): Finding[] {
  const out: Finding[] = [];
  for (const r of records(rows)) {
    const address = addressOf(r["address"]);
    if (address === null) continue;
    const e = evidenceOf(r, totals);
    if ((e.distinctPorts ?? 0) >= t.scanPorts || (e.distinctAddresses ?? 0) >= t.scanAddresses)
      out.push(finding("inbound-scan", address, e, table));
  }
  return out;
}

export function rejectedFindings(rows: QueryResult, totals: Totals, t: Thresholds, table: QueryTable): Finding[] {
  return records(rows)
    .slice(0, Math.max(0, Math.floor(t.rejectedTop)))
    .flatMap((r) => {
      const address = addressOf(r["address"]);
      const e = evidenceOf(r, totals);
      return address === null || e.flows < t.rejectedMinFlows ? [] : [finding("rejected-talker", address, e, table)];
    });
}

/**
 * A declared block that did not hold: ACCEPT records it should have stopped. When the window also
 * holds its REJECTs and every ACCEPT started before the first of them, the block took effect during
 * the window (the ACCEPTs are from before it was applied): no finding. ACCEPTs that started at or
 * after the first REJECT, or ACCEPTs with no REJECT at all, are the finding (docs/investigate.md).
 */
export function blockFindings(rows: QueryResult, totals: Totals, scope: InvestigateScope): Finding[] {
  const byBlock = new Map<number, { accept?: Record<string, QueryCell>; reject?: Record<string, QueryCell> }>();
  for (const r of records(rows)) {
    if (r["block"] === null || r["block"] === undefined) continue;
    const i = num(r["block"]);
    const entry = byBlock.get(i) ?? {};
    if (r["action"] === "ACCEPT") entry.accept = r;
    else if (r["action"] === "REJECT") entry.reject = r;
    byBlock.set(i, entry);
  }
  return [...byBlock].flatMap(([i, { accept, reject }]) => {
    const block = scope.blocks[i];
    if (block === undefined || accept === undefined) return [];
    const e = evidenceOf(accept, totals);
    if (e.flows === 0) return [];
    const heldFrom = reject === undefined ? null : num(reject["first_seen"]);
    if (heldFrom !== null && heldFrom > 0 && num(accept["last_start"]) < heldFrom) return [];
    const since = heldFrom === null ? null : iso(heldFrom);
    return [
      finding("block-not-holding", block.cidr, e, scope.table, {
        declared: {
          cidr: block.cidr,
          file: block.file,
          line: block.line,
          ...(since !== null ? { heldFrom: since } : {}),
        },
      }),
    ];
  });
}

/** The condition selecting a finding's records, for its detail query. */
export function conditionOf(f: Finding, scope: InvestigateScope): string {
  const is = (column: string) => cidrCondition(column, f.address) ?? "FALSE";
  switch (f.kind) {
    case "outbound-flood":
      return `${ACCEPT} AND ${ours("srcaddr")} AND ${is("dstaddr")}`;
    case "inbound-scan":
      return `${is("srcaddr")} AND ${ours("dstaddr")}`;
    case "rejected-talker":
      return `${REJECT} AND ${is("srcaddr")}`;
    case "block-not-holding": {
      const block = scope.blocks.find((b) => b.cidr === f.declared?.cidr);
      const cond = block === undefined ? null : blockCondition(block);
      return `${ACCEPT} AND ${cond ?? "FALSE"}`;
    }
  }
}

/** Adds the detail rows (interfaces, most bytes first; protocols) to a finding's evidence. */
export function withDetail(f: Finding, detail: QueryResult): Finding {
  const byInterface = new Map<string, number>();
  const byProtocol = new Map<number, number>();
  for (const r of records(detail)) {
    const id = typeof r["interface_id"] === "string" ? r["interface_id"] : null;
    const bytes = num(r["bytes"]);
    if (id !== null && id !== "-") byInterface.set(id, (byInterface.get(id) ?? 0) + bytes);
    const p = num(r["protocol"]);
    byProtocol.set(p, (byProtocol.get(p) ?? 0) + bytes);
  }
  const sortDesc = <K>(m: Map<K, number>) =>
    [...m].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
  const evidence: Evidence = {
    ...f.evidence,
    interfaces: sortDesc(byInterface)
      .slice(0, TOP_INTERFACES)
      .map(([id]) => id),
    protocols: sortDesc(byProtocol).map(([p]) => p),
  };
  return { ...f, evidence, summary: summarize({ ...f, evidence }) };
}

// --- The run --------------------------------------------------------------------------------

const kindOrder: Readonly<Record<FindingKind, number>> = {
  "block-not-holding": 0,
  "outbound-flood": 1,
  "inbound-scan": 2,
  "rejected-talker": 3,
};

/**
 * Runs the findings' queries for every scope, one after the other (totals, flood, scan, rejected,
 * the declared blocks, then one detail query per finding), and returns the findings: errors first,
 * then warnings, then info; within a kind, most bytes first.
 */
export async function investigate(
  engine: QueryEngine,
  scopes: readonly InvestigateScope[],
  run: InvestigateRun,
): Promise<InvestigateResult> {
  let bytesScanned = 0;
  let queries = 0;
  let records = 0;
  let costUsd: number | undefined;
  const query = async (scope: InvestigateScope, sql: string): Promise<QueryResult> => {
    const result = await engine.run({
      sql,
      tables: [scope.table],
      window: scope.filters.window,
      signal: run.signal,
      progress: run.progress,
      maxScanBytes: run.maxScanBytes,
    });
    queries++;
    bytesScanned += result.stats.bytesScanned;
    if (result.stats.costUsd !== undefined) costUsd = (costUsd ?? 0) + result.stats.costUsd;
    return result;
  };
  const findings: Finding[] = [];
  for (const scope of scopes) {
    const totals = totalsOf(await query(scope, totalsSql(scope)));
    records += totals.flows;
    if (totals.flows === 0) continue;
    const t = run.thresholds;
    const found = [
      ...floodFindings(await query(scope, floodSql(scope)), totals, t, scope.table),
      ...scanFindings(await query(scope, scanSql(scope, t)), totals, t, scope.table),
      ...rejectedFindings(await query(scope, rejectedSql(scope, t)), totals, t, scope.table),
    ];
    const hits = blockHitsSql(scope);
    if (hits !== null) found.push(...blockFindings(await query(scope, hits), totals, scope));
    for (const f of found) findings.push(withDetail(f, await query(scope, detailSql(scope, conditionOf(f, scope)))));
  }
  findings.sort((a, b) => kindOrder[a.kind] - kindOrder[b.kind] || b.evidence.bytes - a.evidence.bytes);
  return { findings, bytesScanned, queries, records, ...(costUsd === undefined ? {} : { costUsd }) };
}

// --- Proposals ------------------------------------------------------------------------------

/** The reason written into the proposed entry: the evidence in one line of plain text (≤ 256 characters). */
export function reasonOf(f: Finding): string {
  const e = f.evidence;
  const when = e.firstSeen !== null && e.lastSeen !== null ? `, ${e.firstSeen} to ${e.lastSeen}` : "";
  const over = e.protocols !== undefined && e.protocols.length > 0 ? ` over ${protocolName(e.protocols[0]!)}` : "";
  const text =
    f.kind === "outbound-flood"
      ? `Outbound flood found by cordon investigate: ${e.interfaceCount} of our interfaces sent ${formatBytes(e.bytes)} (${percent(e.byteShare)} of the bytes)${over} to it${when}.`
      : `Inbound scan found by cordon investigate: it reached ${e.distinctPorts ?? 0} ports on ${e.distinctAddresses ?? 0} of our addresses${over}${when}.`;
  return text.length <= 256 ? text : `${text.slice(0, 255)}…`;
}

/** `days` days after the later of `today` and the window's last day, YYYY-MM-DD. */
export function expiryAfter(today: string, until: Date, days: number): string {
  const windowDay = new Date(until.getTime() - 1).toISOString().slice(0, 10);
  const base = windowDay > today ? windowDay : today;
  return new Date(Date.parse(`${base}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export interface ProposalOptions {
  readonly ticket: string;
  /** The expiry date for the entries; undefined: none (a permanent block). */
  readonly expires?: string | undefined;
}

/** A block request per actionable finding: a flood's destination, a scan's source. */
export function blockRequests(findings: readonly Finding[], o: ProposalOptions): BlockRequest[] {
  return findings
    .filter((f) => f.actionable)
    .map((f) => ({
      cidr: f.address,
      reason: reasonOf(f),
      ticket: o.ticket,
      expires: o.expires,
      account: f.account,
      region: f.region,
      policy: f.policy,
      stops: f.kind === "inbound-scan" ? ("inbound" as const) : ("outbound" as const),
    }));
}
