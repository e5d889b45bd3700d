// What `cordon iam --for query|investigate` needs from the query layer (docs/iam.md, "query and
// investigate"): the engine the commands choose for these policies (or --engine), that engine's
// AWS calls as it declares them beside the code that makes them, the tables the commands read,
// and for Athena the workgroup and output location they run with. Pure: reads the policies only.
import { splitS3Uri } from "../domain/s3-uri.js";
import { UsageError } from "../model/errors.js";
import type { LoadedPolicy } from "../model/policy.js";
import type { QueryEngineName } from "../model/query.js";
import type { QueryIamScope } from "../policy/iam-scope.js";
import { ATHENA_ENGINE_CALLS, DEFAULT_WORKGROUP } from "./athena.js";
import { LOCAL_ENGINE_CALLS } from "./local.js";
import { athenaSettings, defaultEngine, queryablePolicies, queryTables } from "./tables.js";

export const ENGINE_CALLS = { local: LOCAL_ENGINE_CALLS, athena: ATHENA_ENGINE_CALLS } as const;

export interface QueryIamOptions {
  readonly engine?: QueryEngineName | undefined;
  readonly workgroup?: string | undefined;
  readonly outputLocation?: string | undefined;
}

/** What the query commands reach for `policies` (those with an athena section), as they would run. */
export function queryIamScope(policies: readonly LoadedPolicy[], today: string, o: QueryIamOptions): QueryIamScope {
  const queryable = queryablePolicies(policies);
  const tables = queryTables(queryable, today);
  const engine = o.engine ?? defaultEngine(queryable);
  if (engine === "local") return { calls: ENGINE_CALLS.local, tables };
  const settings = athenaSettings(queryable, o);
  const workgroup = settings.workgroup ?? DEFAULT_WORKGROUP;
  const { outputLocation } = settings;
  if (outputLocation === undefined) {
    throw new UsageError(
      `the Athena engine writes results to workgroup ${workgroup}'s output location, which cordon iam cannot read from the policies`,
      ["set athena.outputLocation in the policy, or give --output-location s3://BUCKET/PREFIX/ (as to cordon query)"],
    );
  }
  splitS3Uri(outputLocation); // an error naming it unless it is an S3 URI
  return { calls: ENGINE_CALLS.athena, tables, workgroup, outputLocation };
}
