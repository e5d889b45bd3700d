// What `cordon query` and `cordon investigate` read from the policies: the Glue table each policy's
// athena section declares (exactly the spec the table handler manages), the addresses its
// blockedAddresses entries block, and the engine the policies choose (docs/query.md, "Engines").
// Pure: the tables come from the desired state alone, without reading AWS.

import { UsageError } from "../model/errors.js";
import type { LoadedPolicy } from "../model/policy.js";
import type { QueryEngineName, QueryTable } from "../model/query.js";
import type { GlueTableSpec } from "../model/specs.js";
import { desiredMonitoring } from "../policy/desired/index.js";

/** The policies that can be queried (an athena section); an error naming the files when none can. */
export function queryablePolicies(policies: readonly LoadedPolicy[]): LoadedPolicy[] {
  const withAthena = policies.filter((l) => l.policy.athena !== undefined);
  if (withAthena.length === 0) {
    const files = [...new Set(policies.map((l) => l.source.file))];
    throw new UsageError(
      files.length === 0
        ? "no policy was loaded: nothing to query"
        : `no policy in ${files.join(", ")} has an athena section: only a policy's Athena table can be queried`,
      ["add an athena section (database, table, projectionStartDate) to the policy and apply it"],
    );
  }
  return withAthena;
}

/** The Glue table of every queryable policy, as the table handler declares it; `today` as for plan. */
export function queryTables(policies: readonly LoadedPolicy[], today: string): QueryTable[] {
  const queryable = queryablePolicies(policies);
  // The flow logs' VPC selectors need inventories; the table does not, so none are read.
  const state = desiredMonitoring(queryable, new Map(), { today });
  const tables: QueryTable[] = [];
  for (const r of state.resources) {
    if (r.kind !== "glue.table") continue;
    tables.push({
      spec: r.spec as GlueTableSpec,
      account: r.target.account,
      region: r.target.region,
      policy: r.origin.file,
      target: r.target,
    });
  }
  if (tables.length === 0) {
    const problems = state.diagnostics.filter((d) => d.severity === "error" && d.code.startsWith("athena."));
    throw new UsageError(
      `the policies declare no Athena table that can be queried`,
      problems.map((d) => `${d.file}: ${d.message}`),
    );
  }
  return tables;
}

/** The CIDRs of the policies' blockedAddresses entries (every declared entry, expired or not). */
export function blockedCidrs(policies: readonly LoadedPolicy[]): string[] {
  const out = new Set<string>();
  for (const l of policies) for (const e of l.policy.blockedAddresses?.entries ?? []) out.add(e.cidr);
  return [...out].sort();
}

/** The engine when none is asked for: Athena when a policy names a workgroup, else the local one. */
export function defaultEngine(policies: readonly LoadedPolicy[]): QueryEngineName {
  return policies.some((l) => l.policy.athena?.workgroup !== undefined) ? "athena" : "local";
}

/**
 * The workgroup and output location the Athena engine uses: the flags' (--workgroup,
 * --output-location) when given, else the first policy's that names each. cordon query, investigate
 * and `cordon iam --for query` all take them from here.
 */
export function athenaSettings(
  policies: readonly LoadedPolicy[],
  flags: { readonly workgroup?: string | undefined; readonly outputLocation?: string | undefined } = {},
): { workgroup?: string; outputLocation?: string } {
  const workgroup =
    flags.workgroup ?? policies.find((l) => l.policy.athena?.workgroup !== undefined)?.policy.athena?.workgroup;
  const outputLocation =
    flags.outputLocation ??
    policies.find((l) => l.policy.athena?.outputLocation !== undefined)?.policy.athena?.outputLocation;
  return {
    ...(workgroup !== undefined ? { workgroup } : {}),
    ...(outputLocation !== undefined ? { outputLocation } : {}),
  };
}

/**
 * The tables once each: by "location", a table several policies or targets declare over the same
 * objects (a policy with several targets declares it in each) is read once; by "name", every table
 * of one database.table name is one (the local engine's one view; a report selects it once). The
 * merged table has the union of the projected enum values (accounts, regions) of its declarations.
 */
export function distinctTables(tables: readonly QueryTable[], by: "location" | "name" = "name"): QueryTable[] {
  const merged = new Map<string, QueryTable>();
  for (const t of tables) {
    const key = `${t.spec.database}.${t.spec.name}${by === "location" ? `|${t.spec.location}` : ""}`;
    const seen = merged.get(key);
    if (seen === undefined) {
      merged.set(key, t);
      continue;
    }
    const parameters: Record<string, string> = { ...seen.spec.parameters };
    for (const [k, v] of Object.entries(t.spec.parameters)) {
      if (!k.endsWith(".values")) continue;
      const all = [...(parameters[k] ?? "").split(","), ...v.split(",")].filter((x) => x !== "");
      parameters[k] = [...new Set(all)].sort().join(",");
    }
    merged.set(key, { ...seen, spec: { ...seen.spec, parameters } });
  }
  return [...merged.values()];
}
