// Desired state of a policy's athena section: the Glue database and the table over the section's
// flow-log location, covering every account and region writing there with the same layout and
// fields, and the ready-to-paste query. Dependencies: database ← table. Pure and synchronous.

import { flowLogField } from "../../domain/flowlog-fields.js";
import { deriveGlueTable, rejectedFlowsQuery } from "../../domain/glue.js";
import { archiveSources, sourcePairs } from "../../domain/log-archive.js";
import { type LoadedPolicy, POLICY_DEFAULTS } from "../../model/policy.js";
import { makeAddress } from "../../model/resource.js";
import type { GlueDatabaseSpec, GlueTableSpec } from "../../model/specs.js";
import { type Builder, type DesiredOptions, originOf } from "./builder.js";
import { type FlowSource, sameLayout } from "./flow-logs.js";

/** ... about a Glue database or table found in place that is not Cordon's. */
const GLUE_CHOICES =
  "choose another name in athena, or set athena.adopt: true to manage it (the plan then shows every setting that would change)";

/** Declares every athena section's database and table over the flow-log `sources` (from buildFlowLogs). */
export function buildAthena(
  b: Builder,
  policies: readonly LoadedPolicy[],
  sources: readonly FlowSource[],
  options: DesiredOptions,
): void {
  // --- Glue database and table ------------------------------------------------------------
  for (const l of policies) {
    const athena = l.policy.athena;
    if (athena === undefined) continue;
    const s = sources.find((x) => x.loaded === l);
    if (s === undefined) {
      b.diag(
        l,
        "error",
        "athena.needs-flow-logs",
        "/athena",
        "the athena section describes this policy's flow logs, but the policy has no flowLogs section",
      );
      continue;
    }
    const unknown = s.fields.filter((f) => flowLogField(f) === undefined);
    if (unknown.length > 0) {
      b.diag(l, "error", "athena.unknown-field", "/flowLogs/fields", `unknown flow-log fields: ${unknown.join(", ")}`);
      continue;
    }
    const sameLocation = sources.filter((x) => x.bucket === s.bucket && x.prefix === s.prefix);
    // Those that record VPCs there (an archive policy may record none), and an archive's sources.
    const readable = sameLocation.filter((x) => sameLayout(x, s) && x.section.vpcs !== undefined).map((x) => x.target);
    const archived = archiveSources(s.policy);
    if (archived !== null) readable.push(...sourcePairs(archived));
    for (const x of sameLocation.filter((y) => !sameLayout(y, s))) {
      b.diag(
        l,
        "warning",
        "athena.mixed-layout",
        "/athena",
        `${x.loaded.source.file} (${x.target.account}/${x.target.region}) writes flow logs under the same location with other fields or layout; table ${athena.table} does not cover them`,
        "give each layout its own bucket prefix",
      );
    }
    const mode = athena.mode ?? POLICY_DEFAULTS.mode;
    const origin = originOf(l, "athena");
    const adoptGlue = athena.adopt === true ? { adopt: true } : {};
    const database = athena.database.toLowerCase();
    const dbSpec: GlueDatabaseSpec = { name: database, description: "VPC flow logs (managed by Cordon)" };
    const dbAddress = makeAddress(s.target, "glue.database", database);
    b.add(
      l,
      "/athena/database",
      {
        address: dbAddress,
        kind: "glue.database",
        name: database,
        target: s.target,
        spec: dbSpec,
        mode,
        origin,
        dependsOn: [],
        ...adoptGlue,
        inPlace: { pointer: "/athena/database", choices: GLUE_CHOICES },
      },
      `Glue database ${database}`,
    );
    let tableSpec: GlueTableSpec;
    try {
      tableSpec = deriveGlueTable({
        database,
        table: athena.table,
        bucket: s.bucket,
        prefix: s.prefix,
        layout: s.layout,
        fields: s.fields,
        accounts: readable.map((x) => x.account),
        regions: readable.map((x) => x.region),
        projectionStartDate: athena.projectionStartDate,
      });
    } catch (e) {
      b.diag(l, "error", "athena.invalid", "/athena", (e as Error).message);
      continue;
    }
    const name = `${database}.${tableSpec.name}`;
    const tableAddress = makeAddress(s.target, "glue.table", name);
    const added = b.add(
      l,
      "/athena/table",
      {
        address: tableAddress,
        kind: "glue.table",
        name,
        target: s.target,
        spec: tableSpec,
        mode,
        origin,
        dependsOn: [dbAddress],
        ...adoptGlue,
        inPlace: { pointer: "/athena/table", choices: GLUE_CHOICES },
      },
      `Glue table ${name} in ${s.target.account}/${s.target.region}`,
    );
    const sql = added ? rejectedFlowsQuery(tableSpec, options.today) : null;
    if (sql !== null) {
      b.query({
        title: `Rejected flows of the last day: ${name} in ${s.target.account}/${s.target.region}`,
        sql,
      });
    }
  }
}
