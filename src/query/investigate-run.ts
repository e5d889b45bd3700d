// One `cordon investigate` run, shared by the command and `cordon demo` (docs/investigate.md):
// the policies' tables and declared blocks → the findings over the window (investigate.ts) → a
// blockedAddresses entry proposed for each actionable one (src/policy/patch.ts) → the report, and
// with `write` the policy files edited in place. Never changes AWS: the engine only reads.
import { readFileSync } from "node:fs";
import { isExpired } from "../domain/blocklist.js";
import { IoError } from "../model/errors.js";
import type { InvestigateReport } from "../model/investigate.js";
import type { LoadedPolicy } from "../model/policy.js";
import type { PartitionWindow, QueryEngine, QueryProgress, QueryTable } from "../model/query.js";
import { lineOf, proposeBlocks, TICKET_PLACEHOLDER, writePolicyFile } from "../policy/patch.js";
import {
  blockRequests,
  type DeclaredBlock,
  type InvestigateScope,
  investigate,
  type Thresholds,
} from "./investigate.js";
import { distinctTables } from "./tables.js";

export interface InvestigateRunOptions {
  /** The loaded policies (every one: proposals may go to a policy without a table). */
  readonly policies: readonly LoadedPolicy[];
  /** The tables to read (the query layer's queryTables, narrowed by --account/--region). */
  readonly tables: readonly QueryTable[];
  readonly window: PartitionWindow;
  readonly vpcs?: readonly string[] | undefined;
  readonly engine: QueryEngine;
  readonly thresholds: Thresholds;
  /** The ticket of proposed entries (default the placeholder TICKET-TODO). */
  readonly ticket?: string | undefined;
  /** The expiry of proposed entries, YYYY-MM-DD; undefined: none. */
  readonly expires?: string | undefined;
  /** The day expiry is judged against (YYYY-MM-DD). */
  readonly today: string;
  /** Edit the policy files in place (atomically). */
  readonly write: boolean;
  readonly signal?: AbortSignal | undefined;
  readonly progress?: ((event: QueryProgress) => void) | undefined;
  readonly maxScanBytes?: number | undefined;
}

const readText = (file: string): string => {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new IoError(`cannot read ${file}: ${(e as Error).message}`);
  }
};

/**
 * The blocks a table's records should obey: the unexpired entries of the policies of its target
 * that enforce them in network ACLs (a web ACL block acts on HTTP requests after the connection the
 * flow log records was accepted, so it changes no record).
 */
export function declaredBlocks(policies: readonly LoadedPolicy[], table: QueryTable, today: string): DeclaredBlock[] {
  const out: DeclaredBlock[] = [];
  for (const p of policies) {
    const section = p.policy.blockedAddresses;
    if (p.policy.target.account !== table.account || p.policy.target.region !== table.region) continue;
    if (section?.networkAcls === undefined) continue;
    const text = readText(p.source.file);
    for (const [index, e] of section.entries.entries()) {
      if (isExpired(e.expires, today)) continue;
      out.push({
        cidr: e.cidr,
        direction: section.networkAcls.direction ?? "both",
        file: p.source.file,
        line: lineOf(text, p.source.document, ["blockedAddresses", "entries", index]),
      });
    }
  }
  return out;
}

export async function runInvestigation(o: InvestigateRunOptions): Promise<InvestigateReport> {
  const tables = distinctTables(o.tables, "name");
  const scopes: InvestigateScope[] = tables.map((table) => ({
    table,
    filters: { window: o.window, vpcs: o.vpcs, limit: 10 },
    blocks: declaredBlocks(o.policies, table, o.today),
  }));
  const result = await investigate(o.engine, scopes, {
    thresholds: o.thresholds,
    signal: o.signal,
    progress: o.progress,
    maxScanBytes: o.maxScanBytes,
  });
  const requests = blockRequests(result.findings, { ticket: o.ticket ?? TICKET_PLACEHOLDER, expires: o.expires });
  const proposal = proposeBlocks(o.policies, requests, readText, o.today);
  if (o.write) for (const p of proposal.patches) writePolicyFile(p.file, p.after);
  return {
    from: o.window.from.toISOString(),
    until: o.window.until.toISOString(),
    engine: o.engine.name,
    tables: tables.map((t) => ({ policy: t.policy, account: t.account, region: t.region })),
    findings: result.findings,
    proposals: proposal.outcomes,
    patches: proposal.patches,
    written: o.write && proposal.patches.length > 0,
    bytesScanned: result.bytesScanned,
    queries: result.queries,
    records: result.records,
    ...(result.costUsd === undefined ? {} : { costUsd: result.costUsd }),
  };
}
