// A tiny object store over S3 for Cordon's own records under the cordon/ prefix of a bucket: the
// apply lock, the audit log and the applied-spec records. Conditional writes carry the
// concurrency control: If-None-Match: * creates only when absent, If-Match: <etag> replaces or
// deletes only the version that was read. A failed condition is a PreconditionFailedError.
import { errorCode, errorStatus } from "../aws/errors.js";
import type { PortCall } from "../aws/iam-calls.js";
import type { S3Port } from "../aws/ports.js";
import { ConflictError } from "../model/errors.js";

export interface StoredObject {
  readonly text: string;
  readonly etag: string;
}

export interface PutCondition {
  /** Create only: fails when the key exists. */
  readonly ifNoneMatch?: true;
  /** Replace only this version: fails when the key is absent or has another ETag. */
  readonly ifMatch?: string;
}

export interface ObjectStore {
  /** "s3://bucket" — for messages. */
  readonly where: string;
  /** null when the key does not exist. */
  get(key: string): Promise<StoredObject | null>;
  /** Returns the new ETag. */
  put(key: string, text: string, condition?: PutCondition): Promise<string>;
  /** Absent keys are fine; with `ifMatch`, only that version is deleted. */
  delete(key: string, ifMatch?: string): Promise<void>;
  /** Keys under `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
}

/** A conditional write or delete lost: someone else wrote the key first. */
export class PreconditionFailedError extends ConflictError {}

const isMissingKey = (e: unknown): boolean => {
  const code = errorCode(e);
  return code === "NoSuchKey" || code === "NotFound" || (errorStatus(e) === 404 && code !== "NoSuchBucket");
};

/** 412 PreconditionFailed, or 409 ConditionalRequestConflict (a concurrent conditional write in flight). */
const isConditionFailure = (e: unknown): boolean => {
  const code = errorCode(e);
  const status = errorStatus(e);
  return code === "PreconditionFailed" || code === "ConditionalRequestConflict" || status === 412 || status === 409;
};

/**
 * The calls of the store (src/aws/iam-calls.ts declares their IAM actions): reading a record
 * (drift: the applied record), and the writes of a locked, audited run.
 */
export const RECORD_CALLS = {
  read: ["s3.getObjectText"],
  write: ["s3.getObjectText", "s3.putObject", "s3.deleteObject"],
} as const satisfies Record<string, readonly PortCall[]>;

export function s3ObjectStore(s3: S3Port, bucket: string): ObjectStore {
  const where = `s3://${bucket}`;
  return {
    where,
    async get(key) {
      try {
        const out = await s3.getObjectText({ Bucket: bucket, Key: key });
        return { text: out.body, etag: out.etag ?? "" };
      } catch (e) {
        if (isMissingKey(e)) return null;
        throw e;
      }
    },
    async put(key, text, condition = {}) {
      try {
        const out = await s3.putObject({
          Bucket: bucket,
          Key: key,
          Body: text,
          ContentType: "application/json",
          ...(condition.ifNoneMatch === true ? { IfNoneMatch: "*" } : {}),
          ...(condition.ifMatch !== undefined ? { IfMatch: condition.ifMatch } : {}),
        });
        return out.ETag ?? "";
      } catch (e) {
        if (isConditionFailure(e) || (condition.ifMatch !== undefined && isMissingKey(e))) {
          throw new PreconditionFailedError(`${where}/${key} was changed by someone else`);
        }
        throw e;
      }
    },
    async delete(key, ifMatch) {
      try {
        await s3.deleteObject({ Bucket: bucket, Key: key, ...(ifMatch !== undefined ? { IfMatch: ifMatch } : {}) });
      } catch (e) {
        if (isMissingKey(e)) return;
        if (isConditionFailure(e)) throw new PreconditionFailedError(`${where}/${key} was changed by someone else`);
        throw e;
      }
    },
    async list(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.listObjectsV2({
          Bucket: bucket,
          Prefix: prefix,
          ...(token !== undefined ? { ContinuationToken: token } : {}),
        });
        for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return keys.sort();
    },
  };
}
