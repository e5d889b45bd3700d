// Which IAM role a command works through (docs/roles.md). The policy set (cordon.yaml) may declare
// role templates, `roles: { plan, apply, externalId }`, with the placeholders {account} and
// {region}; a policy's own target.roleArn (with its externalId) overrides both. Read-only commands
// (plan, drift, iam --for plan|drift) use the plan role; commands that write (apply,
// drift --correct, watch, force-unlock) the apply role. No template and no roleArn: the ambient
// credentials. Pure.
import { randomBytes } from "node:crypto";
import { userInfo } from "node:os";
import type { TargetRef } from "../model/resource.js";

/** The `roles:` of cordon.yaml. */
export interface RoleTemplates {
  readonly plan?: string;
  readonly apply?: string;
  readonly externalId?: string;
}

export type RoleUse = "plan" | "apply";

export interface ResolvedRole {
  readonly roleArn: string;
  readonly externalId?: string;
}

/** The placeholders a role template may hold. */
export const ROLE_PLACEHOLDERS = ["account", "region"] as const;

/** The role of `target` for `use`: its own roleArn, else the set's template filled in, else none (ambient). */
export function resolveRole(
  target: TargetRef,
  use: RoleUse,
  templates: RoleTemplates | undefined,
): ResolvedRole | undefined {
  if (target.roleArn !== undefined) {
    return { roleArn: target.roleArn, ...(target.externalId !== undefined ? { externalId: target.externalId } : {}) };
  }
  const template = templates?.[use];
  if (template === undefined) return undefined;
  const roleArn = template.replaceAll("{account}", target.account).replaceAll("{region}", target.region);
  return { roleArn, ...(templates?.externalId !== undefined ? { externalId: templates.externalId } : {}) };
}

/** The role each command works through: read-only commands the plan role, the others the apply role. */
export function roleUseOf(command: string): RoleUse {
  return command === "plan" || command === "drift" || command === "query" || command === "investigate"
    ? "plan"
    : "apply";
}

/** AWS's limits on RoleSessionName: 2 to 64 characters of [\w+=,.@-] (docs/aws-behaviour.md). */
export const SESSION_NAME_MAX = 64;
const SESSION_CHAR = /[^\w+=,.@-]/g;

const sanitise = (s: string): string => s.replace(SESSION_CHAR, "-");

/** The run id: GITHUB_RUN_ID (with GITHUB_RUN_ATTEMPT), else CORDON_RUN_ID, else a random id. */
export function runId(env: NodeJS.ProcessEnv = process.env): string {
  const gh = env["GITHUB_RUN_ID"];
  if (gh !== undefined && gh !== "") {
    const attempt = env["GITHUB_RUN_ATTEMPT"];
    return attempt !== undefined && attempt !== "" ? `${gh}.${attempt}` : gh;
  }
  const own = env["CORDON_RUN_ID"];
  if (own !== undefined && own !== "") return own;
  return randomBytes(4).toString("hex");
}

/** Who runs Cordon: GITHUB_ACTOR, else the OS user. */
export function actorName(env: NodeJS.ProcessEnv = process.env): string {
  const gh = env["GITHUB_ACTOR"];
  if (gh !== undefined && gh !== "") return gh;
  const user = env["USER"] ?? env["USERNAME"] ?? "";
  if (user !== "") return user;
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

/**
 * `cordon-<command>-<run>-<actor>`, every character outside [\w+=,.@-] replaced by "-", cut to 64
 * characters (the actor is shortened first, then the run).
 */
export function roleSessionName(command: string, run: string, actor: string): string {
  const head = `cordon-${sanitise(command.replace(/\s+-*/g, "-"))}-`;
  const r = sanitise(run);
  const a = sanitise(actor);
  const full = `${head}${r}-${a}`;
  if (full.length <= SESSION_NAME_MAX) return full;
  const withRun = `${head}${r}`;
  if (withRun.length + 2 <= SESSION_NAME_MAX) return `${withRun}-${a}`.slice(0, SESSION_NAME_MAX);
  return withRun.slice(0, SESSION_NAME_MAX);
}
