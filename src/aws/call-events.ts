// A process-wide tap on every AWS call made through the adapters' `call()` (src/aws/adapters/call.ts):
// the watch loop counts API calls by service, operation and outcome (success or the error code) from it. Listeners must not
// throw and must be cheap; with no listener the tap costs one Set lookup per call.

/** The SDK client a call went through. */
export type AwsService = "athena" | "ec2" | "elbv2" | "glue" | "s3" | "sts" | "wafv2";

export interface AwsCallEvent {
  readonly service: AwsService;
  readonly operation: string;
  /** The target the call was made for ("" when the client belongs to no target). */
  readonly account: string;
  readonly region: string;
  readonly durationMs: number;
  /** The AWS error code when the call failed (after the SDK's own retries). */
  readonly errorCode?: string;
}

export type AwsCallListener = (event: AwsCallEvent) => void;

const listeners = new Set<AwsCallListener>();

/** Subscribes; returns the unsubscribe function. */
export function onAwsCall(listener: AwsCallListener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function emitAwsCall(event: AwsCallEvent): void {
  for (const l of listeners) {
    try {
      l(event);
    } catch {
      // A listener's failure never fails an AWS call.
    }
  }
}
