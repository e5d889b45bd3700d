// glue.database — the Glue database of the flow-log table. name = database name (lower case).
// Ownership: the database parameter OWNERSHIP.tagKey. Cordon deletes only a database it created
// (deleting a Glue database deletes its tables); an update keeps the database's other settings and
// sets the marker. A database of that name without the marker is foreign: the plan refuses it
// unless the policy says adopt: true, and update refuses to change it unless it is that adoption.
import { isAlreadyExists, isNotFound } from "../aws/errors.js";
import type { TargetPorts } from "../aws/ports.js";
import { inPlaceDiff } from "../domain/diff.js";
import { fingerprint } from "../domain/fingerprint.js";
import { ConflictError } from "../model/errors.js";
import { ABSENT_FINGERPRINT } from "../model/resource.js";
import { type GlueDatabaseSpec, OWNERSHIP } from "../model/specs.js";
import type { Handler, KindDescriptor } from "./contract.js";

export const glueDatabaseHandler: Handler<GlueDatabaseSpec, TargetPorts> = {
  kind: "glue.database",

  async observe(ctx, desired) {
    const glue = await ctx.aws.glue();
    let db: Awaited<ReturnType<typeof glue.getDatabase>>["Database"];
    try {
      db = (await glue.getDatabase({ Name: desired.spec.name })).Database;
    } catch (e) {
      if (isNotFound(e)) return { exists: false, fingerprint: ABSENT_FINGERPRINT };
      throw e;
    }
    if (db === undefined) return { exists: false, fingerprint: ABSENT_FINGERPRINT };
    const live: GlueDatabaseSpec = {
      name: (db.Name ?? desired.spec.name).toLowerCase(),
      description: db.Description ?? "",
    };
    return {
      exists: true,
      live,
      meta: {
        id: live.name,
        fingerprint: fingerprint(live),
        owned: db.Parameters?.[OWNERSHIP.tagKey] === OWNERSHIP.tagValue,
        extra: { parameters: db.Parameters ?? {}, locationUri: db.LocationUri ?? null },
      },
    };
  },

  diff: (desired, live) => inPlaceDiff(desired, live),

  foreign: (desired, observed) =>
    observed.meta.owned
      ? null
      : {
          what: `Glue database ${desired.spec.name}`,
          problem: `already exists and is not Cordon's (no parameter ${OWNERSHIP.tagKey}=${OWNERSHIP.tagValue})`,
          details: [],
        },

  async create(ctx, desired) {
    const glue = await ctx.aws.glue();
    try {
      await glue.createDatabase({
        DatabaseInput: {
          Name: desired.spec.name,
          Description: desired.spec.description,
          Parameters: { [OWNERSHIP.tagKey]: OWNERSHIP.tagValue },
        },
      });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
    return null;
  },

  async update(ctx, desired, live) {
    if (!live.meta.owned && desired.adopt !== true) {
      throw new ConflictError(
        `Glue database ${live.live.name} is not Cordon's: not changing it; set athena.adopt: true to take it over`,
      );
    }
    const glue = await ctx.aws.glue();
    const extra = live.meta.extra ?? {};
    const parameters = (extra["parameters"] ?? {}) as Record<string, string>;
    const locationUri = typeof extra["locationUri"] === "string" ? extra["locationUri"] : undefined;
    await glue.updateDatabase({
      Name: live.live.name,
      DatabaseInput: {
        Name: desired.spec.name,
        Description: desired.spec.description,
        Parameters: { ...parameters, [OWNERSHIP.tagKey]: OWNERSHIP.tagValue },
        ...(locationUri !== undefined ? { LocationUri: locationUri } : {}),
      },
    });
  },

  async delete(ctx, address, live) {
    if (!live.meta.owned) {
      throw new ConflictError(
        `${address}: the Glue database ${live.live.name} was not created by Cordon; not deleting it`,
      );
    }
    const glue = await ctx.aws.glue();
    try {
      await glue.deleteDatabase({ Name: live.live.name });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  },
};

export const glueDatabaseKind: KindDescriptor<GlueDatabaseSpec, TargetPorts> = {
  kind: "glue.database",
  order: 40,
  securityControl: false,
  dataOrMonitoring: false,
  blocksTraffic: false,
  replaceAction: "delete-then-create",
  section: "athena",
  iam: {
    declaredBy: (p) => p.athena !== undefined,
    observe: ["glue.getDatabase"],
    discover: [],
    write: ["glue.createDatabase", "glue.updateDatabase"],
  },
  handler: glueDatabaseHandler,
};
