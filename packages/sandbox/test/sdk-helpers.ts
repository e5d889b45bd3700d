// Shared by the sandbox service suites: clients of the real SDK v3 pointed at a sandbox, and an
// assertion on the error the SDK raises.
import { GlueClient } from "@aws-sdk/client-glue";
import { S3Client } from "@aws-sdk/client-s3";
import { WAFV2Client } from "@aws-sdk/client-wafv2";
import { expect } from "vitest";

export const ACCOUNT = "111122223333";
export const OTHER_ACCOUNT = "444455556666";

interface ClientOptions {
  readonly region?: string;
  /** Access key id; a 12-digit key acts as that account. */
  readonly key?: string;
}

function common(url: string, o: ClientOptions) {
  return {
    endpoint: url,
    region: o.region ?? "eu-west-1",
    credentials: { accessKeyId: o.key ?? ACCOUNT, secretAccessKey: "sandbox" },
    maxAttempts: 1,
  };
}

export function s3Client(url: string, o: ClientOptions = {}): S3Client {
  return new S3Client({ ...common(url, o), forcePathStyle: true });
}

export function glueClient(url: string, o: ClientOptions = {}): GlueClient {
  return new GlueClient(common(url, o));
}

export function wafClient(url: string, o: ClientOptions = {}): WAFV2Client {
  return new WAFV2Client(common(url, o));
}

export interface SdkError extends Error {
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $response?: { readonly headers?: Record<string, string> };
  readonly [member: string]: unknown;
}

/** Awaits `promise`, expecting the SDK to reject it with an error named `name` (and `status` when given). */
export async function expectError(promise: Promise<unknown>, name: string, status?: number): Promise<SdkError> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${name}`).toBeInstanceOf(Error);
  const error = caught as SdkError;
  expect(error.name).toBe(name);
  if (status !== undefined) expect(error.$metadata?.httpStatusCode).toBe(status);
  return error;
}
