// `cordon investigate`'s findings (docs/investigate.md, "Findings"): a few aggregate queries per
// table over a time window, in the SQL both engines run (docs/query.md, "One SQL for both
// engines"), and pure functions that turn their rows into findings with evidence. Nothing here
// changes AWS: the queries only read flow logs.
//
// "Ours" and "outside" are told by address: ours is a private IPv4 address (RFC 1918's 10/8,
// 172.16/12, 192.168/16 and RFC 6598's 100.64/10, which hold the VPC CIDR blocks AWS allows
// except public ranges brought to AWS), outside is any other IPv4 address. IPv6 records take part
// only in the block-not-holding check, for blocked IPv6 addresses (/128).
import { type Cidr, cidrOf, cidrRange, formatCidr } from "../domain/cidr.js";
import { humanBytes, percent, protocolName } from "../domain/traffic.js";
import { UsageError } from "../model/errors.js";
import type { Evidence, Finding, FindingKind } from "../model/investigate.js";
import type {
  PartitionWindow,
  QueryCell,
  QueryEngine,
  QueryProgress,
  QueryResult,
  QueryTable,
} from "../model/query.js";
import type { BlockRequest } from "../policy/patch.js";

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

/** The columns the findings read: the default format's fields (docs/flow-logs.md). */
export const REQUIRED_COLUMNS = [
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
  /** SQL conditions selecting the window's rows (partition predicate, record times, filters); ANDed. */
  readonly where: readonly string[];
  /** The partitions, for the local engine's pruning. */
  readonly window?: PartitionWindow | undefined;
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
  readonly costUsd?: number;
}

// --- SQL (the common subset) ------------------------------------------------------------------

/** The table as queries name it: "database"."table". */
export const tableRef = (t: QueryTable): string => `${quoteIdent(t.spec.database)}.${quoteIdent(t.spec.name)}`;
const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** An IPv4 address column as a number; NULL for IPv6 and anything else that is no dotted quad. */
export function ipv4Number(column: string): string {
  const part = (n: number) => `TRY_CAST(split_part(${column}, '.', ${n}) AS BIGINT)`;
  return `(${part(1)} * 16777216 + ${part(2)} * 65536 + ${part(3)} * 256 + ${part(4)})`;
}

/** The private IPv4 ranges that count as ours. */
export const OUR_RANGES: readonly string[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"];

const range = (c: Cidr): { first: bigint; last: bigint } => cidrRange(c);

/** SQL: the address column lies in one of the CIDRs (IPv4 ranges by number, IPv6 by exact address). */
export function inCidrs(column: string, cidrs: readonly Cidr[]): string {
  const terms: string[] = [];
  const v6: string[] = [];
  for (const c of cidrs) {
    if (c.family === "ipv4") {
      const { first, last } = range(c);
      terms.push(
        first === last ? `${ipv4Number(column)} = ${first}` : `${ipv4Number(column)} BETWEEN ${first} AND ${last}`,
      );
    } else if (c.prefix === 128) {
      v6.push(sqlString(formatCidr(c).replace(/\/128$/, "")));
    }
  }
  if (v6.length > 0) terms.push(`lower(${column}) IN (${v6.join(", ")})`);
  return terms.length === 0 ? "FALSE" : `(${terms.join(" OR ")})`;
}

const OURS = OUR_RANGES.map((c) => cidrOf(c)!);
/** SQL: the column holds an address of ours. */
export const ours = (column: string): string => inCidrs(column, OURS);
/** SQL: the column holds an outside IPv4 address (not ours; IPv6 and "-" are neither). */
export const outside = (column: string): string =>
  `(${ipv4Number(column)} IS NOT NULL AND NOT ${inCidrs(column, OURS)})`;

const whereOf = (scope: InvestigateScope, ...more: string[]): string =>
  [...scope.where, ...more].map((c) => `(${c})`).join("\n  AND ") || "TRUE";

/** Totals of the window: records, bytes, packets. */
export function totalsSql(scope: InvestigateScope): string {
  return `SELECT count(*) AS flows, sum(bytes) AS bytes, sum(packets) AS packets\nFROM ${tableRef(scope.table)}\nWHERE ${whereOf(scope)}`;
}

const EVIDENCE_COLUMNS =
  'count(*) AS flows, sum(bytes) AS bytes, sum(packets) AS packets, min(start) AS first_seen, max("end") AS last_seen, count(DISTINCT interface_id) AS interfaces';

/** Accepted egress from ours to each outside destination, most bytes first. */
export function floodSql(scope: InvestigateScope, limit = 10): string {
  return [
    `SELECT dstaddr AS address, ${EVIDENCE_COLUMNS}`,
    `FROM ${tableRef(scope.table)}`,
    `WHERE ${whereOf(scope, "action = 'ACCEPT'", ours("srcaddr"), outside("dstaddr"))}`,
    "GROUP BY dstaddr",
    "ORDER BY bytes DESC, address",
    `LIMIT ${limit}`,
  ].join("\n");
}

/** Each outside source reaching ours: distinct destination ports and addresses, the widest first. */
export function scanSql(scope: InvestigateScope, t: Thresholds, limit = 10): string {
  return [
    `SELECT srcaddr AS address, ${EVIDENCE_COLUMNS}, count(DISTINCT dstport) AS ports, count(DISTINCT dstaddr) AS addresses`,
    `FROM ${tableRef(scope.table)}`,
    `WHERE ${whereOf(scope, outside("srcaddr"), ours("dstaddr"))}`,
    "GROUP BY srcaddr",
    `HAVING count(DISTINCT dstport) >= ${Math.ceil(t.scanPorts)} OR count(DISTINCT dstaddr) >= ${Math.ceil(t.scanAddresses)}`,
    "ORDER BY ports DESC, addresses DESC, address",
    `LIMIT ${limit}`,
  ].join("\n");
}

/** The sources with the most REJECT records. */
export function rejectedSql(scope: InvestigateScope, t: Thresholds): string {
  return [
    `SELECT srcaddr AS address, ${EVIDENCE_COLUMNS}, count(DISTINCT dstaddr) AS addresses`,
    `FROM ${tableRef(scope.table)}`,
    `WHERE ${whereOf(scope, "action = 'REJECT'")}`,
    "GROUP BY srcaddr",
    `HAVING count(*) >= ${Math.ceil(t.rejectedMinFlows)}`,
    "ORDER BY flows DESC, bytes DESC, address",
    `LIMIT ${Math.max(0, Math.floor(t.rejectedTop))}`,
  ].join("\n");
}

/** The condition on a record a block applies to (destination for outbound, source for inbound). */
function blockCondition(block: DeclaredBlock): string | null {
  const c = cidrOf(block.cidr);
  if (c === null) return null;
  const sides =
    block.direction === "outbound" ? ["dstaddr"] : block.direction === "inbound" ? ["srcaddr"] : ["srcaddr", "dstaddr"];
  return sides.map((s) => inCidrs(s, [c])).join(" OR ");
}

/** ACCEPT records one declared block should have stopped, per block (by its index). */
export function blockHitsSql(scope: InvestigateScope): string | null {
  const cases = scope.blocks
    .map((b, i) => [i, blockCondition(b)] as const)
    .filter((x): x is readonly [number, string] => x[1] !== null);
  if (cases.length === 0) return null;
  const which = `CASE ${cases.map(([i, c]) => `WHEN ${c} THEN ${i}`).join(" ")} END`;
  return [
    `SELECT block, ${EVIDENCE_COLUMNS}`,
    `FROM (SELECT ${which} AS block, bytes, packets, start, "end", interface_id`,
    `  FROM ${tableRef(scope.table)}`,
    `  WHERE ${whereOf(scope, "action = 'ACCEPT'", cases.map(([, c]) => `(${c})`).join(" OR "))}) hits`,
    "GROUP BY block",
    "ORDER BY block",
  ].join("\n");
}

/** The interfaces and protocols behind one finding, most bytes first. */
export function detailSql(scope: InvestigateScope, condition: string): string {
  return [
    "SELECT interface_id, protocol, sum(bytes) AS bytes",
    `FROM ${tableRef(scope.table)}`,
    `WHERE ${whereOf(scope, condition)}`,
    "GROUP BY interface_id, protocol",
    "ORDER BY bytes DESC, interface_id, protocol",
    "LIMIT 1000",
  ].join("\n");
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

/** Epoch seconds → ISO 8601 (UTC, seconds). */
const iso = (v: QueryCell | undefined): string | null => {
  if (v === null || v === undefined || v === "") return null;
  const n = num(v);
  return n > 0 ? new Date(n * 1000).toISOString().replace(/\.000Z$/, "Z") : null;
};

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
      return `Outbound flood to ${f.address}: ${ifaces} sent ${humanBytes(e.bytes)} in ${e.packets} packets (${percent(e.byteShare)} of the window's bytes, ${percent(e.packetShare)} of its packets), accepted.`;
    case "inbound-scan":
      return `Inbound scan from ${f.address}: ${e.distinctPorts ?? 0} destination ports on ${e.distinctAddresses ?? 0} addresses of ours in ${e.flows} flows.`;
    case "rejected-talker":
      return `Rejected traffic from ${f.address}: ${e.flows} flows to ${e.distinctAddresses ?? 0} addresses, ${humanBytes(e.bytes)} refused.`;
    case "block-not-holding":
      return `Declared block ${f.declared?.cidr ?? f.address} did not hold: ${e.flows} flows (${humanBytes(e.bytes)}) were accepted through ${ifaces} — a missing network ACL entry or one placed after an allow.`;
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

export function blockFindings(rows: QueryResult, totals: Totals, scope: InvestigateScope): Finding[] {
  return records(rows).flatMap((r) => {
    const block = scope.blocks[num(r["block"])];
    if (block === undefined || r["block"] === null) return [];
    const e = evidenceOf(r, totals);
    if (e.flows === 0) return [];
    return [
      finding("block-not-holding", block.cidr, e, scope.table, {
        declared: { cidr: block.cidr, file: block.file, line: block.line },
      }),
    ];
  });
}

/** The condition selecting a finding's records, for its detail query. */
export function conditionOf(f: Finding, scope: InvestigateScope): string {
  const c = cidrOf(f.address)!;
  switch (f.kind) {
    case "outbound-flood":
      return `action = 'ACCEPT' AND ${ours("srcaddr")} AND ${inCidrs("dstaddr", [c])}`;
    case "inbound-scan":
      return `${inCidrs("srcaddr", [c])} AND ${ours("dstaddr")}`;
    case "rejected-talker":
      return `action = 'REJECT' AND ${inCidrs("srcaddr", [c])}`;
    case "block-not-holding": {
      const block = scope.blocks.find((b) => b.cidr === f.declared?.cidr);
      const cond = block === undefined ? null : blockCondition(block);
      return `action = 'ACCEPT' AND (${cond ?? "FALSE"})`;
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

/** Columns a table must have for the findings; a UsageError names the missing ones. */
export function checkColumns(table: QueryTable): void {
  const have = new Set([...table.spec.columns.map((c) => c.Name), ...table.spec.partitionKeys.map((k) => k.Name)]);
  const missing = REQUIRED_COLUMNS.filter((c) => !have.has(c));
  if (missing.length > 0) {
    throw new UsageError(
      `table ${table.spec.database}.${table.spec.name} (policy ${table.policy}) lacks the columns ${missing.join(", ")} that investigate reads`,
      ["Its flow logs need the default fields (flowLogs.fields: default) or a format that includes these."],
    );
  }
}

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
  let costUsd: number | undefined;
  const query = async (scope: InvestigateScope, sql: string): Promise<QueryResult> => {
    const result = await engine.run({
      sql,
      tables: [scope.table],
      window: scope.window,
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
    checkColumns(scope.table);
    const totals = totalsOf(await query(scope, totalsSql(scope)));
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
  return { findings, bytesScanned, queries, ...(costUsd === undefined ? {} : { costUsd }) };
}

// --- Proposals ------------------------------------------------------------------------------

/** The reason written into the proposed entry: the evidence in one line of plain text (≤ 256 characters). */
export function reasonOf(f: Finding): string {
  const e = f.evidence;
  const when = e.firstSeen !== null && e.lastSeen !== null ? `, ${e.firstSeen} to ${e.lastSeen}` : "";
  const over = e.protocols !== undefined && e.protocols.length > 0 ? ` over ${protocolName(e.protocols[0]!)}` : "";
  const text =
    f.kind === "outbound-flood"
      ? `Outbound flood found by cordon investigate: ${e.interfaceCount} of our interfaces sent ${humanBytes(e.bytes)} (${percent(e.byteShare)} of the bytes)${over} to it${when}.`
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
    }));
}
