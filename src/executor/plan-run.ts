// The plan a command shows, saves and applies: the loaded policies observed and planned
// (src/executor/pipeline.ts), with what `cordon apply plan.json` needs to make the same plan again
// recorded in the document: the policy paths, each policy file's digest, the day and the --target
// addresses. Read-only: nothing here calls a mutating API.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { relative, resolve, sep } from "node:path";
import { type AwsSession, createAwsSession } from "../aws/config.js";
import type { PlanDocument } from "../model/plan.js";
import { shardLabel } from "../policy/shard.js";
import { type Loaded, type PlanRun, planPolicies } from "./pipeline.js";

/** A plan run with the policies it was made from and the AWS session it observed through. */
export interface LoadedPlanRun extends PlanRun {
  readonly loaded: Loaded;
  readonly session: AwsSession;
}

export interface PlanLoadedOptions {
  readonly today: string;
  readonly cordonVersion: string;
  /** --target addresses (or prefixes); empty or absent = the whole plan. */
  readonly only?: readonly string[];
  /** Default: a session from the standard AWS configuration. */
  readonly session?: AwsSession;
}

/**
 * Observes and plans `loaded` (read from `paths`). The plan records the policy paths, each policy
 * file's digest, the day and the --target addresses. Throws PolicyErrorWithDiagnostics when the
 * desired state has errors.
 */
export async function planLoadedPolicies(
  loaded: Loaded,
  paths: readonly string[],
  options: PlanLoadedOptions,
): Promise<LoadedPlanRun> {
  const session = options.session ?? createAwsSession();
  const only = options.only !== undefined && options.only.length > 0 ? [...options.only] : undefined;
  const run = await planPolicies(loaded, {
    today: options.today,
    session,
    cordonVersion: options.cordonVersion,
    ...(only !== undefined ? { only } : {}),
  });
  const plan: PlanDocument = {
    ...run.plan,
    policyPaths: [...paths],
    policyFiles: policyFileDigests(loaded.files ?? loaded.policies.map((p) => p.source.file)),
    today: options.today,
    ...(only !== undefined ? { only } : {}),
    ...(loaded.shard === undefined ? {} : { shard: shardLabel(loaded.shard) }),
  };
  return { ...run, plan, loaded, session };
}

/** A policy file's path relative to the working directory, with forward slashes: how plans name files. */
export const comparablePath = (file: string): string => {
  const rel = relative(process.cwd(), resolve(file));
  return (rel === "" ? "." : rel).split(sep).join("/");
};

/** Each file's comparablePath → sha256 of its bytes (sorted by path); an unreadable file → "unreadable". */
export function policyFileDigests(files: readonly string[]): Record<string, string> {
  const entries = [...new Set(files)].map((f): [string, string] => {
    try {
      return [comparablePath(f), createHash("sha256").update(readFileSync(f)).digest("hex")];
    } catch {
      return [comparablePath(f), "unreadable"];
    }
  });
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
