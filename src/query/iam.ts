// What `cordon iam --for query|investigate` needs from the query layer (docs/iam.md, "query and
// investigate"): the engine the commands choose for these policies (or --engine), that engine's
// AWS calls as it declares them beside the code that makes them, the tables the commands read,
// and for Athena the workgroup and output location they run with. Pure: reads the policies only.
import { splitS3Uri } from "../domain/s3-uri.js";
import { UsageError } from "../model/errors.js";
import type { LoadedPolicy } from "../model/policy.js";
import type { QueryEngineName } from "../model/query.js";
import type { QueryIamScope } from "../policy/iam-scope.js";
import { ATHENA_ENGINE_CALLS } from "./athena.js";
import { LOCAL_ENGINE_CALLS } from "./local.js";
import { athenaSettings, defaultEngine, queryablePolicies, queryTables } from "./tables.js";

export const ENGINE_CALLS = { local: LOCAL_ENGINE_CALLS, athena: ATHENA_ENGINE_CALLS } as const;

export interface QueryIamOptions {
  readonly engine?: QueryEngineName | undefined;
  readonly workgroup?: string | undefined;
  readonly outputLocation?: string | undefined;
}

/** The workgroup the Athena engine uses when neither the policy nor --workgroup names one. */
export const DEFAULT_WORKGROUP = "primary";

/** What the query commands reach for `policies` (those with an athena section), as they would run. */
export function queryIamScope(policies: readonly LoadedPolicy[], today: string, o: QueryIamOptions): QueryIamScope {
  const queryable = queryablePolicies(policies);
  const tables = queryTables(queryable, today);
  const engine = o.engine ?? defaultEngine(queryable);
  if (engine === "local") return { engine, calls: ENGINE_CALLS.local, tables };
  const fromPolicy = athenaSettings(queryable);
  const workgroup = o.workgroup ?? fromPolicy.workgroup ?? DEFAULT_WORKGROUP;
  const outputLocation = o.outputLocation ?? fromPolicy.outputLocation;
  if (outputLocation === undefined) {
    throw new UsageError(
      `the Athena engine writes results to workgroup ${workgroup}'s output location, which cordon iam cannot read from the policies`,
      ["set athena.outputLocation in the policy, or give --output-location s3://BUCKET/PREFIX/ (as to cordon query)"],
    );
  }
  splitS3Uri(outputLocation); // an error naming it unless it is an S3 URI
  return { engine, calls: ENGINE_CALLS.athena, tables, workgroup, outputLocation };
}
