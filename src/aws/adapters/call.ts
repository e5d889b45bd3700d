// Shared by the SDK adapters: one AWS call, its failure converted into an AwsError naming the resource
// (and, when access is denied, the IAM action the call needs: src/aws/iam-calls.ts).
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

/** The common SDK client configuration: region, endpoint, adaptive retries, credentials. */
export function sdkConfig(s: ClientSettings): Record<string, unknown> {
  return {
    region: s.region,
    maxAttempts: s.maxAttempts,
    retryMode: "adaptive",
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
