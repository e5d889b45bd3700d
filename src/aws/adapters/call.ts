// Shared by the SDK adapters: one AWS call, its failure converted into an AwsError naming the resource
// (and, when access is denied, the IAM action).
import { AwsError } from "../../model/errors.js";
import { emitAwsCall } from "../call-events.js";
import { classify, toAwsError } from "../errors.js";
import { iamActionOf } from "../iam-calls.js";

export interface ClientSettings {
  readonly region: string;
  readonly endpoint?: string;
  /** Resolved credential provider, or undefined for the SDK's default chain. */
  readonly credentials?: unknown;
  readonly maxAttempts: number;
}

export async function call<T>(operation: string, resource: string, send: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const out = await send();
    emitAwsCall({ operation, durationMs: performance.now() - started });
    return out;
  } catch (e) {
    const error = namingTheAction(toAwsError(e, operation, resource), operation);
    emitAwsCall({ operation, durationMs: performance.now() - started, errorCode: error.awsCode });
    throw error;
  }
}

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

/**
 * An access-denied error whose message does not name the IAM action (S3 answers HEAD with a bare
 * 403) gets the action the call needs (src/aws/iam-calls.ts), so the user knows what to grant.
 */
function namingTheAction(error: AwsError, operation: string): AwsError {
  const action = iamActionOf(operation);
  if (action === undefined || classify(error) !== "access-denied" || error.message.includes(action)) return error;
  const prefix = `${error.operation} on ${error.resource} failed: ${error.awsCode}: `;
  const detail = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  return new AwsError(
    error.operation,
    error.resource,
    error.awsCode,
    `${detail} (the call needs the IAM action ${action})`,
    error.httpStatus,
  );
}
