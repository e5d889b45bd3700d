// S3 adapter: the S3Port over @aws-sdk/client-s3. Loaded only through dynamic import().
// With a custom endpoint (AWS_ENDPOINT_URL) requests are path-style (docs/aws-behaviour.md, "Custom endpoints and S3 path-style requests").
import {
  CreateBucketCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketPolicyCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import type { S3Port } from "../ports.js";
import { type ClientSettings, callFor, sdkConfig } from "./call.js";

export function makeS3Port(settings: ClientSettings): S3Port {
  const call = callFor("s3", settings);
  const client = new S3Client({ ...sdkConfig(settings), forcePathStyle: settings.endpoint !== undefined });
  const r = (bucket: string | undefined) => `s3://${bucket ?? "?"}`;
  const o = (bucket: string | undefined, key: string | undefined) => `s3://${bucket ?? "?"}/${key ?? ""}`;
  return {
    headBucket: (i) => call("HeadBucket", r(i.Bucket), () => client.send(new HeadBucketCommand(i))),
    createBucket: (i) => call("CreateBucket", r(i.Bucket), () => client.send(new CreateBucketCommand(i))),
    getBucketPolicy: (i) => call("GetBucketPolicy", r(i.Bucket), () => client.send(new GetBucketPolicyCommand(i))),
    putBucketPolicy: (i) => call("PutBucketPolicy", r(i.Bucket), () => client.send(new PutBucketPolicyCommand(i))),
    deleteBucketPolicy: (i) =>
      call("DeleteBucketPolicy", r(i.Bucket), () => client.send(new DeleteBucketPolicyCommand(i))),
    getBucketTagging: (i) => call("GetBucketTagging", r(i.Bucket), () => client.send(new GetBucketTaggingCommand(i))),
    putBucketTagging: (i) => call("PutBucketTagging", r(i.Bucket), () => client.send(new PutBucketTaggingCommand(i))),
    deleteBucketTagging: (i) =>
      call("DeleteBucketTagging", r(i.Bucket), () => client.send(new DeleteBucketTaggingCommand(i))),
    getPublicAccessBlock: (i) =>
      call("GetPublicAccessBlock", r(i.Bucket), () => client.send(new GetPublicAccessBlockCommand(i))),
    putPublicAccessBlock: (i) =>
      call("PutPublicAccessBlock", r(i.Bucket), () => client.send(new PutPublicAccessBlockCommand(i))),
    getBucketEncryption: (i) =>
      call("GetBucketEncryption", r(i.Bucket), () => client.send(new GetBucketEncryptionCommand(i))),
    putBucketEncryption: (i) =>
      call("PutBucketEncryption", r(i.Bucket), () => client.send(new PutBucketEncryptionCommand(i))),
    getBucketLifecycleConfiguration: (i) =>
      call("GetBucketLifecycleConfiguration", r(i.Bucket), () =>
        client.send(new GetBucketLifecycleConfigurationCommand(i)),
      ),
    putBucketLifecycleConfiguration: (i) =>
      call("PutBucketLifecycleConfiguration", r(i.Bucket), () =>
        client.send(new PutBucketLifecycleConfigurationCommand(i)),
      ),
    deleteBucketLifecycle: (i) =>
      call("DeleteBucketLifecycle", r(i.Bucket), () => client.send(new DeleteBucketLifecycleCommand(i))),
    getObjectText: (i) =>
      call("GetObject", o(i.Bucket, i.Key), async () => {
        const out = await client.send(new GetObjectCommand(i));
        return { body: (await out.Body?.transformToString("utf-8")) ?? "", etag: out.ETag };
      }),
    getObjectBytes: (i, signal) =>
      call("GetObject", o(i.Bucket, i.Key), async () => {
        const out = await client.send(new GetObjectCommand(i), signal === undefined ? {} : { abortSignal: signal });
        return { body: (await out.Body?.transformToByteArray()) ?? new Uint8Array(), etag: out.ETag };
      }),
    putObject: (i) => call("PutObject", o(i.Bucket, i.Key), () => client.send(new PutObjectCommand(i))),
    deleteObject: (i) => call("DeleteObject", o(i.Bucket, i.Key), () => client.send(new DeleteObjectCommand(i))),
    listObjectsV2: (i) => call("ListObjectsV2", r(i.Bucket), () => client.send(new ListObjectsV2Command(i))),
  };
}
