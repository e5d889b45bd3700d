// S3 URIs as policies and Glue tables give them (s3://bucket/key/). Pure.
import { UsageError } from "../model/errors.js";

/** "s3://bucket/key/" → bucket and key prefix. */
export function splitS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (m === null) throw new UsageError(`not an S3 location: ${uri}`);
  return { bucket: m[1] as string, key: m[2] as string };
}
