// STS (query protocol): GetCallerIdentity (no permission needed) and AssumeRole, refused with
// AccessDenied when the role's declared trust (accessKeys[roleArn].trust) does not trust the caller
// or the external id differs; roles without a declared trust can be assumed by anyone. A session's
// access key acts for the role's account; its allow-list is the estate's accessKeys entry for the
// role ARN (all actions when there is none). Sessions live in the identities slice, so they
// survive a restart with --state.
import { randomBytes } from "node:crypto";
import { identities, resolveCaller, trustAllows } from "../identity.js";
import { queryError, queryResponse } from "../protocols/query.js";
import { ApiError, type SandboxRequest, type ServiceContext, type ServiceModule } from "../types.js";

export const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";
const OPERATIONS = new Set(["GetCallerIdentity", "AssumeRole"]);
const ALPHANUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function randomKey(prefix: string, length: number): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (let i = 0; i < length; i++) out += ALPHANUM[(bytes[i] as number) % ALPHANUM.length];
  return out;
}

const validation = (message: string) => new ApiError("ValidationError", message);

function assumeRole(req: SandboxRequest, ctx: ServiceContext) {
  const roleArn = req.form.get("RoleArn") ?? "";
  const sessionName = req.form.get("RoleSessionName") ?? "";
  if (roleArn === "")
    throw validation(
      "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
    );
  if (sessionName === "") {
    throw validation(
      "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null",
    );
  }
  const m = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/.exec(roleArn);
  if (!m) throw validation(`${roleArn} is invalid`);
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    throw validation(
      `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    );
  }
  const durationRaw = req.form.get("DurationSeconds");
  const duration = durationRaw ? Number(durationRaw) : 3600;
  if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
    throw validation(
      `1 validation error detected: Value '${durationRaw}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
    );
  }
  const [, account, roleName] = m as unknown as [string, string, string];
  const ids = identities(ctx);
  // A role declared with a trust policy is assumed only by the principals it trusts, with its
  // external id; AWS answers both refusals with the same AccessDenied naming the role.
  const trust = ids.accessKeys[roleArn]?.trust;
  if (trust !== undefined && !trustAllows(trust, resolveCaller(ids, req.accessKeyId), req.form.get("ExternalId"))) {
    throw new ApiError(
      "AccessDenied",
      `User: ${req.callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      403,
    );
  }
  const accessKeyId = randomKey("ASIA", 16);
  const roleId = `AROA${createRoleId(roleArn)}`;
  const arn = `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`;
  const expiration = new Date(ctx.now().getTime() + duration * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const allow = ids.accessKeys[roleArn]?.allow;
  const policy = ids.accessKeys[roleArn]?.policy;
  ids.sessions[accessKeyId] = {
    account,
    arn,
    userId: `${roleId}:${sessionName}`,
    ...(allow !== undefined ? { allow } : {}),
    ...(policy !== undefined ? { policy } : {}),
    expiration,
  };
  ctx.touch();
  return queryResponse("AssumeRole", STS_NAMESPACE, req.requestId, {
    Credentials: {
      AccessKeyId: accessKeyId,
      SecretAccessKey: randomBytes(30).toString("base64"),
      SessionToken: randomBytes(96).toString("base64"),
      Expiration: expiration,
    },
    AssumedRoleUser: { AssumedRoleId: `${roleId}:${sessionName}`, Arn: arn },
    PackedPolicySize: undefined,
  });
}

/** A stable role id for a role ARN (AWS's ids are random but fixed per role). */
function createRoleId(roleArn: string): string {
  let h = 0n;
  for (const c of roleArn) h = (h * 131n + BigInt(c.charCodeAt(0))) % 2n ** 80n;
  let out = "";
  for (let i = 0; i < 16; i++) {
    out += ALPHANUM[Number(h % 32n)];
    h /= 32n;
  }
  return out;
}

export const sts: ServiceModule<Record<string, never>> = {
  name: "sts",
  protocol: "query",
  iamPrefix: "sts",
  throttle: { code: "Throttling", status: 400 },
  operation(req) {
    const action = req.form.get("Action") ?? "";
    if (!OPERATIONS.has(action)) {
      throw new ApiError("InvalidAction", `Could not find operation ${action || "(none)"} for version 2011-06-15`);
    }
    return action;
  },
  handle(operation, req, ctx) {
    switch (operation) {
      case "GetCallerIdentity": {
        const session = identities(ctx).sessions[req.accessKeyId];
        return queryResponse("GetCallerIdentity", STS_NAMESPACE, req.requestId, {
          UserId:
            session?.userId ??
            (req.accessKeyId.startsWith("AKIA") ? `AIDA${req.accessKeyId.slice(4)}` : req.accessKeyId),
          Account: req.account,
          Arn: req.callerArn,
        });
      }
      case "AssumeRole":
        return assumeRole(req, ctx);
      default:
        throw new ApiError("InvalidAction", `Could not find operation ${operation} for version 2011-06-15`);
    }
  },
  errorResponse: (error, req) => queryError(error, STS_NAMESPACE, req.requestId),
  initialState: () => ({}),
};
