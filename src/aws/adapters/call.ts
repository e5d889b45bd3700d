// Shared by the SDK adapters: one AWS call, its failure converted into an AwsError naming the resource
// (and, when access is denied, the IAM action the call needs: src/aws/iam-calls.ts).
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { loadConfigsForDefaultMode } from "@smithy/core/client";
import { resolveDefaultsModeConfig } from "@smithy/core/config";
import { type AwsService, emitAwsCall } from "../call-events.js";
import { toAwsError } from "../errors.js";

export interface ClientSettings {
  readonly region: string;
  /** The target's account (labels the call events: metrics by target). */
  readonly account?: string;
  readonly endpoint?: string;
  /** Resolved credential provider, or undefined for the SDK's default chain. */
  readonly credentials?: unknown;
  readonly maxAttempts: number;
}

/** One service's `call(operation, resource, send)`: each adapter makes its own. */
export const callFor = (service: AwsService, settings?: Pick<ClientSettings, "region" | "account">) => {
  const region = settings?.region;
  const target = { account: settings?.account ?? "", region: region ?? "" };
  return async <T>(operation: string, resource: string, send: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      const out = await send();
      emitAwsCall({ service, operation, ...target, durationMs: performance.now() - started });
      return out;
    } catch (e) {
      const error = toAwsError(e, operation, resource, service, region);
      emitAwsCall({ service, operation, ...target, durationMs: performance.now() - started, errorCode: error.awsCode });
      throw error;
    }
  };
};

/**
 * The HTTP(S) agents of every SDK client of the process. Each client would otherwise make its own
 * (keep-alive, 50 sockets), so that the clients of a run of many targets (one per account, region and
 * service) each opened their own connections, and against AWS each its own TLS handshake, to the same
 * endpoints (docs/performance.md, "A third pass"). Keep-alive as the SDK's; no socket limit, as the
 * SDK's 50 per client never held back a run (Cordon bounds its own concurrency): a shared limit
 * would. Credentials, retries and everything else stay per client. No client is ever destroyed: that
 * would close the agents of all.
 */
export const SHARED_AGENTS: { readonly httpAgent: HttpAgent; readonly httpsAgent: HttpsAgent } = {
  httpAgent: new HttpAgent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY }),
  httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY }),
};

/**
 * An SDK client's `requestHandler` option: the request handler's settings as the client makes them
 * itself (those of the defaults mode, AWS_DEFAULTS_MODE or the profile's defaults_mode: a connection
 * timeout), with the shared agents.
 */
export function sharedRequestHandler(region: string): () => Promise<Record<string, unknown>> {
  const defaultsMode = resolveDefaultsModeConfig({ region });
  return async () => ({ ...loadConfigsForDefaultMode(await defaultsMode()), ...SHARED_AGENTS });
}

/** The common SDK client configuration: region, endpoint, adaptive retries, credentials, shared agents. */
export function sdkConfig(s: ClientSettings): Record<string, unknown> {
  return {
    region: s.region,
    maxAttempts: s.maxAttempts,
    retryMode: "adaptive",
    requestHandler: sharedRequestHandler(s.region),
    ...(s.endpoint !== undefined ? { endpoint: s.endpoint } : {}),
    ...(s.credentials !== undefined ? { credentials: s.credentials } : {}),
  };
}

export const idsOf = (ids: readonly string[] | undefined, fallback: string): string =>
  ids && ids.length > 0
    ? ids.length <= 3
      ? ids.join(", ")
      : `${ids.slice(0, 3).join(", ")} (+${ids.length - 3})`
    : fallback;
