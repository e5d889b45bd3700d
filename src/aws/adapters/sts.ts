// STS adapter and role assumption. Loaded only through dynamic import().

import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromNodeProviderChain, fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { AwsError } from "../../model/errors.js";
import { toAwsError } from "../errors.js";
import type { StsPort } from "../ports.js";
import { type ClientSettings, callFor, sdkConfig, sharedRequestHandler } from "./call.js";

export function makeStsPort(settings: ClientSettings): StsPort {
  const call = callFor("sts", settings);
  const client = new STSClient(sdkConfig(settings));
  return {
    getCallerIdentity: (i) =>
      call("GetCallerIdentity", "the credentials", () => client.send(new GetCallerIdentityCommand(i))),
  };
}

type Credentials = { readonly expiration?: Date };
type Provider = () => Promise<Credentials>;

/** Refresh this long before expiry. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * One credential lookup shared by every client of the run (each SDK client would otherwise call
 * the provider itself: one AssumeRole per client), refreshed shortly before it expires.
 */
export function shared(provider: Provider): Provider {
  let current: Promise<Credentials> | undefined;
  return async () => {
    if (current !== undefined) {
      const c = await current.catch(() => undefined);
      if (c !== undefined && (c.expiration === undefined || c.expiration.getTime() - Date.now() > REFRESH_MARGIN_MS)) {
        return c;
      }
    }
    const next = provider();
    current = next;
    return next;
  };
}

/** The default credential chain (env, AWS_PROFILE / shared config, SSO, web identity, IMDS...), memoised. */
export function defaultCredentials(profile: string | undefined): unknown {
  return shared(fromNodeProviderChain(profile !== undefined ? { profile } : {}));
}

/**
 * Credentials of `roleArn` assumed with STS AssumeRole from the default chain, as session
 * `sessionName`. The provider caches and refreshes the temporary credentials; one provider is made
 * per (role, external id) per run. A refusal names the role and the target (`target`).
 */
export function assumedRoleCredentials(options: {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly target: string;
  readonly externalId?: string;
  readonly region: string;
  readonly endpoint?: string;
  readonly profile?: string;
  readonly maxAttempts: number;
}): unknown {
  const provider = fromTemporaryCredentials({
    masterCredentials: fromNodeProviderChain(options.profile !== undefined ? { profile: options.profile } : {}),
    params: {
      RoleArn: options.roleArn,
      RoleSessionName: options.sessionName,
      ...(options.externalId !== undefined ? { ExternalId: options.externalId } : {}),
    },
    clientConfig: {
      region: options.region,
      maxAttempts: options.maxAttempts,
      // The SDK takes a provider of the handler's options; its option type names only the options.
      requestHandler: sharedRequestHandler(options.region) as never,
      ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    },
  });
  return shared(async () => {
    try {
      return await provider();
    } catch (e) {
      const error = toAwsError(e, "AssumeRole", `role ${options.roleArn}`, "sts");
      throw new AwsError(
        "AssumeRole",
        `role ${options.roleArn} for target ${options.target}`,
        error.awsCode,
        `${error.message.replace(/^AssumeRole on role \S+ failed: \S+: /, "")} (the role's trust policy must trust these credentials${options.externalId !== undefined ? " and the external id given" : ""}; see docs/roles.md)`,
        error.httpStatus,
      );
    }
  });
}
