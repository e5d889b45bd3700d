// glue.table — the Athena table over the flow logs. name = "database.table" (lower case).
//
// UpdateTable replaces the whole definition with the TableInput it is given, so an update sends
// Cordon's full TableInput plus the live table's parameters that are not Cordon's (added by AWS,
// Athena, crawlers, people). That includes a change of partition keys (an older Cordon's single
// `day` key → year, month, day) and of table type: the definition is replaced in place, the table
// never disappears and no data moves (docs/athena-table.md). So the table is never replaced, and,
// not discovered either, never deleted by Cordon: its delete (and glue:DeleteTable) is never used.
// Ownership: the table parameter OWNERSHIP.tagKey (not a managed parameter, so never a diff). A
// table of that name without it is foreign: the plan refuses it unless the policy says adopt: true,
// and update refuses to change it unless it is that adoption.
import { isAlreadyExists, isNotFound } from "../aws/errors.js";
import type { TargetPorts } from "../aws/ports.js";
import { fingerprint } from "../domain/fingerprint.js";
import { glueTableDiff, isManagedTableParameter, normalizeLiveTable, tableInputOf } from "../domain/glue.js";
import { ConflictError } from "../model/errors.js";
import { ABSENT_FINGERPRINT } from "../model/resource.js";
import { type GlueTableSpec, OWNERSHIP } from "../model/specs.js";
import type { Handler, KindDescriptor } from "./contract.js";

export const glueTableHandler: Handler<GlueTableSpec, TargetPorts> = {
  kind: "glue.table",

  async observe(ctx, desired) {
    const glue = await ctx.aws.glue();
    let table: Awaited<ReturnType<typeof glue.getTable>>["Table"];
    try {
      table = (await glue.getTable({ DatabaseName: desired.spec.database, Name: desired.spec.name })).Table;
    } catch (e) {
      if (isNotFound(e)) return { exists: false, fingerprint: ABSENT_FINGERPRINT };
      throw e;
    }
    if (table === undefined) return { exists: false, fingerprint: ABSENT_FINGERPRINT };
    const live = normalizeLiveTable({ ...table, DatabaseName: table.DatabaseName ?? desired.spec.database });
    const parameters = table.Parameters ?? {};
    return {
      exists: true,
      live,
      meta: {
        id: `${live.database}.${live.name}`,
        fingerprint: fingerprint(live),
        owned: parameters[OWNERSHIP.tagKey] === OWNERSHIP.tagValue,
        extra: { parameters },
      },
    };
  },

  diff: (desired, live) => glueTableDiff(desired, live),

  foreign: (desired, observed) =>
    observed.meta.owned
      ? null
      : {
          what: `Glue table ${desired.spec.database}.${desired.spec.name}`,
          problem: `already exists and is not Cordon's (no table parameter ${OWNERSHIP.tagKey}=${OWNERSHIP.tagValue})`,
          details: [],
        },

  async create(ctx, desired) {
    const glue = await ctx.aws.glue();
    const input = tableInputOf(desired.spec);
    try {
      await glue.createTable({
        DatabaseName: desired.spec.database,
        TableInput: { ...input, Parameters: { ...input.Parameters, [OWNERSHIP.tagKey]: OWNERSHIP.tagValue } },
      });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
    return null;
  },

  async update(ctx, desired, live) {
    if (!live.meta.owned && desired.adopt !== true) {
      throw new ConflictError(
        `Glue table ${live.live.database}.${live.live.name} is not Cordon's: not changing it; set athena.adopt: true to take it over`,
      );
    }
    const glue = await ctx.aws.glue();
    const input = tableInputOf(desired.spec);
    const liveParameters = (live.meta.extra?.["parameters"] ?? {}) as Record<string, string>;
    const kept = Object.fromEntries(Object.entries(liveParameters).filter(([k]) => !isManagedTableParameter(k)));
    await glue.updateTable({
      DatabaseName: desired.spec.database,
      TableInput: {
        ...input,
        Parameters: { ...kept, ...input.Parameters, [OWNERSHIP.tagKey]: OWNERSHIP.tagValue },
      },
    });
  },

  async delete(ctx, _address, live) {
    const glue = await ctx.aws.glue();
    try {
      await glue.deleteTable({ DatabaseName: live.live.database, Name: live.live.name });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  },
};

export const glueTableKind: KindDescriptor<GlueTableSpec, TargetPorts> = {
  kind: "glue.table",
  order: 50,
  securityControl: false,
  dataOrMonitoring: false,
  blocksTraffic: false,
  replaceAction: "delete-then-create",
  section: "athena",
  iam: {
    declaredBy: (p) => p.athena !== undefined,
    observe: ["glue.getTable"],
    discover: [],
    write: ["glue.createTable", "glue.updateTable"],
  },
  handler: glueTableHandler,
};
