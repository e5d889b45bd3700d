// The standard AWS configuration and the per-run client cache.
//
// - Credentials: the default chain (env, AWS_PROFILE / shared config, SSO, web identity, container,
//   IMDS), or the target's role assumed with STS AssumeRole (external id honoured) from the default
//   chain: the policy target's roleArn, else the policy set's plan or apply role template, by the
//   command (src/domain/roles.ts, docs/roles.md). The session is named cordon-<command>-<run>-<actor>.
// - Region: the target's; AWS_REGION only matters for calls that have no target.
// - Endpoint: AWS_ENDPOINT_URL_<SERVICE> or AWS_ENDPOINT_URL (the sandbox); S3 then goes path-style.
// - Retries: the SDK's adaptive mode with `maxAttempts` (AWS_MAX_ATTEMPTS, default 5).
// - ONE client per (account, region, service) for the whole run, created on first use, with its
//   SDK module loaded by dynamic import() so that commands that never reach AWS never load the SDK.
import {
  actorName,
  type RoleTemplates,
  type RoleUse,
  resolveRole,
  roleSessionName,
  roleUseOf,
  runId,
} from "../domain/roles.js";
import type { TargetRef } from "../model/resource.js";
import type { ClientSettings } from "./adapters/call.js";
import type { AthenaPort, Ec2Port, ElbPort, GluePort, S3Port, StsPort, TargetPorts, WafPort } from "./ports.js";

export type ServiceKey = "ec2" | "s3" | "glue" | "sts" | "wafv2" | "elbv2" | "athena";

export interface AwsEnvironment {
  /** Custom endpoint for every service (AWS_ENDPOINT_URL). */
  readonly endpoint?: string;
  /** Per-service overrides (AWS_ENDPOINT_URL_EC2, _S3, _GLUE, _STS, _WAFV2, _ELASTIC_LOAD_BALANCING_V2, _ATHENA). */
  readonly serviceEndpoints: Readonly<Partial<Record<ServiceKey, string>>>;
  readonly profile?: string;
  readonly region?: string;
  readonly maxAttempts: number;
}

const SERVICE_ENV: Readonly<Record<ServiceKey, string>> = {
  ec2: "AWS_ENDPOINT_URL_EC2",
  s3: "AWS_ENDPOINT_URL_S3",
  glue: "AWS_ENDPOINT_URL_GLUE",
  sts: "AWS_ENDPOINT_URL_STS",
  wafv2: "AWS_ENDPOINT_URL_WAFV2",
  elbv2: "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
  athena: "AWS_ENDPOINT_URL_ATHENA",
};

const nonEmpty = (v: string | undefined): string | undefined => (v !== undefined && v !== "" ? v : undefined);

export function awsEnvironment(env: NodeJS.ProcessEnv = process.env): AwsEnvironment {
  const serviceEndpoints: Partial<Record<ServiceKey, string>> = {};
  for (const [service, name] of Object.entries(SERVICE_ENV) as [ServiceKey, string][]) {
    const v = nonEmpty(env[name]);
    if (v !== undefined) serviceEndpoints[service] = v;
  }
  const attempts = Number.parseInt(env["AWS_MAX_ATTEMPTS"] ?? "", 10);
  const endpoint = nonEmpty(env["AWS_ENDPOINT_URL"]);
  const profile = nonEmpty(env["AWS_PROFILE"]);
  const region = nonEmpty(env["AWS_REGION"]) ?? nonEmpty(env["AWS_DEFAULT_REGION"]);
  return {
    serviceEndpoints,
    maxAttempts: Number.isFinite(attempts) && attempts > 0 ? attempts : 5,
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(profile !== undefined ? { profile } : {}),
    ...(region !== undefined ? { region } : {}),
  };
}

/** Every AWS client of one run. */
export interface AwsSession {
  readonly environment: AwsEnvironment;
  /** Which role of the set this run assumes: "plan" (read-only commands) or "apply". */
  readonly use: RoleUse;
  /** The RoleSessionName of every AssumeRole of the run. */
  readonly sessionName: string;
  /** The ports of one target; the same object (and clients) for the same target for the whole run. */
  ports(target: TargetRef): TargetPorts;
  /**
   * The policy set's role templates (cordon.yaml `roles:`), given once the policies are loaded and
   * before any client of a target without its own roleArn is made.
   */
  useRoles(roles: RoleTemplates | undefined): void;
  /** The role a target's clients assume (undefined = the ambient credentials). */
  roleOf(target: TargetRef): string | undefined;
  /** Names the credentials a target's clients use: the same for targets whose clients share them. */
  credentialsKey(target: TargetRef): string;
  /** Records the caller ARN STS GetCallerIdentity answered for a target (the identity check). */
  recordCaller(target: TargetRef, arn: string): void;
  /** The caller ARN recorded for a target, if its identity was checked this run. */
  callerOf(target: TargetRef): string | undefined;
}

export interface SessionOptions {
  /** The command ("plan", "apply", "drift --correct", ...): chooses the role and names the session. */
  readonly command?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Starts loading the STS and EC2 adapters with their SDK clients, which every plan calls first
 * (identity check, inventory): the files are read while the policies are, so that the first AWS
 * request does not wait for them (docs/performance.md, "A third pass"). A failure to load is left to
 * the call that needs the module.
 */
export function preloadPlanClients(): void {
  import("./adapters/sts.js").catch(() => undefined);
  import("./adapters/ec2.js").catch(() => undefined);
}

const targetKey = (t: TargetRef): string => `${t.account}|${t.region}|${t.roleArn ?? ""}|${t.externalId ?? ""}`;

export function createAwsSession(
  environment: AwsEnvironment = awsEnvironment(),
  options: SessionOptions = {},
): AwsSession {
  const command = options.command ?? "plan";
  const env = options.env ?? process.env;
  const use = roleUseOf(command);
  const sessionName = roleSessionName(command, runId(env), actorName(env));
  let roles: RoleTemplates | undefined;
  const callers = new Map<string, string>();
  // The SDK warns on Node 20 about SDK releases after January 2027; the SDK is bundled into
  // Cordon at a fixed version, so the warning is noise a Cordon user cannot act on.
  process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
  const byTarget = new Map<string, TargetPorts>();
  const credentialsByRole = new Map<string, Promise<unknown>>();
  let ambient: Promise<unknown> | undefined;

  const endpointOf = (service: ServiceKey): string | undefined =>
    environment.serviceEndpoints[service] ?? environment.endpoint;

  const credentialsFor = (t: TargetRef): Promise<unknown> => {
    const role = resolveRole(t, use, roles);
    if (role === undefined) {
      ambient ??= import("./adapters/sts.js").then((m) => m.defaultCredentials(environment.profile));
      return ambient;
    }
    const key = `${role.roleArn}|${role.externalId ?? ""}`;
    let p = credentialsByRole.get(key);
    if (p === undefined) {
      const stsEndpoint = endpointOf("sts");
      p = import("./adapters/sts.js").then((m) =>
        m.assumedRoleCredentials({
          roleArn: role.roleArn,
          sessionName,
          target: `${t.account}/${t.region}`,
          region: t.region,
          maxAttempts: environment.maxAttempts,
          ...(role.externalId !== undefined ? { externalId: role.externalId } : {}),
          ...(stsEndpoint !== undefined ? { endpoint: stsEndpoint } : {}),
          ...(environment.profile !== undefined ? { profile: environment.profile } : {}),
        }),
      );
      credentialsByRole.set(key, p);
    }
    return p;
  };

  const settingsFor = async (t: TargetRef, service: ServiceKey): Promise<ClientSettings> => {
    const endpoint = endpointOf(service);
    return {
      region: t.region,
      account: t.account,
      maxAttempts: environment.maxAttempts,
      credentials: await credentialsFor(t),
      ...(endpoint !== undefined ? { endpoint } : {}),
    };
  };

  const lazy = <P>(make: () => Promise<P>): (() => Promise<P>) => {
    let p: Promise<P> | undefined;
    return () => {
      p ??= make();
      // A failed load (e.g. credentials) is not cached: the next call tries again.
      p.catch(() => {
        p = undefined;
      });
      return p;
    };
  };

  return {
    environment,
    use,
    sessionName,
    useRoles(r) {
      roles = r;
    },
    roleOf: (t) => resolveRole(t, use, roles)?.roleArn,
    credentialsKey(t) {
      const role = resolveRole(t, use, roles);
      return role === undefined ? "ambient" : `role|${role.roleArn}|${role.externalId ?? ""}`;
    },
    recordCaller(t, arn) {
      callers.set(`${t.account}/${t.region}`, arn);
    },
    callerOf: (t) => callers.get(`${t.account}/${t.region}`),
    ports(target) {
      const key = targetKey(target);
      const existing = byTarget.get(key);
      if (existing) return existing;
      const ports: TargetPorts = {
        ec2: lazy<Ec2Port>(async () =>
          (await import("./adapters/ec2.js")).makeEc2Port(await settingsFor(target, "ec2")),
        ),
        s3: lazy<S3Port>(async () => (await import("./adapters/s3.js")).makeS3Port(await settingsFor(target, "s3"))),
        glue: lazy<GluePort>(async () =>
          (await import("./adapters/glue.js")).makeGluePort(await settingsFor(target, "glue")),
        ),
        sts: lazy<StsPort>(async () =>
          (await import("./adapters/sts.js")).makeStsPort(await settingsFor(target, "sts")),
        ),
        wafv2: lazy<WafPort>(async () =>
          (await import("./adapters/wafv2.js")).makeWafPort(await settingsFor(target, "wafv2")),
        ),
        elbv2: lazy<ElbPort>(async () =>
          (await import("./adapters/elbv2.js")).makeElbPort(await settingsFor(target, "elbv2")),
        ),
        athena: lazy<AthenaPort>(async () =>
          (await import("./adapters/athena.js")).makeAthenaPort(await settingsFor(target, "athena")),
        ),
      };
      byTarget.set(key, ports);
      return ports;
    },
  };
}
