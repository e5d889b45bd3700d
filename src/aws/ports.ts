// Narrow per-service ports: exactly the AWS calls Cordon makes, in the SDK's own input/output
// shapes (type-only imports, so nothing here loads the SDK). Handlers depend on these, never on
// SDK clients, so they can be tested with fakes. Every method rejects with an AwsError naming the
// AWS resource (see src/aws/errors.ts); adapters live in src/aws/adapters/*.
import type * as ec2 from "@aws-sdk/client-ec2";
import type * as glue from "@aws-sdk/client-glue";
import type * as s3 from "@aws-sdk/client-s3";
import type * as sts from "@aws-sdk/client-sts";

type Out<T> = Omit<T, "$metadata">;

export interface Ec2Port {
  describeVpcs(input: ec2.DescribeVpcsCommandInput): Promise<Out<ec2.DescribeVpcsCommandOutput>>;
  describeSubnets(input: ec2.DescribeSubnetsCommandInput): Promise<Out<ec2.DescribeSubnetsCommandOutput>>;
  describeFlowLogs(input: ec2.DescribeFlowLogsCommandInput): Promise<Out<ec2.DescribeFlowLogsCommandOutput>>;
  createFlowLogs(input: ec2.CreateFlowLogsCommandInput): Promise<Out<ec2.CreateFlowLogsCommandOutput>>;
  deleteFlowLogs(input: ec2.DeleteFlowLogsCommandInput): Promise<Out<ec2.DeleteFlowLogsCommandOutput>>;
  createTags(input: ec2.CreateTagsCommandInput): Promise<Out<ec2.CreateTagsCommandOutput>>;
  deleteTags(input: ec2.DeleteTagsCommandInput): Promise<Out<ec2.DeleteTagsCommandOutput>>;
}

export interface S3Port {
  headBucket(input: s3.HeadBucketCommandInput): Promise<Out<s3.HeadBucketCommandOutput>>;
  createBucket(input: s3.CreateBucketCommandInput): Promise<Out<s3.CreateBucketCommandOutput>>;
  getBucketPolicy(input: s3.GetBucketPolicyCommandInput): Promise<Out<s3.GetBucketPolicyCommandOutput>>;
  putBucketPolicy(input: s3.PutBucketPolicyCommandInput): Promise<Out<s3.PutBucketPolicyCommandOutput>>;
  deleteBucketPolicy(input: s3.DeleteBucketPolicyCommandInput): Promise<Out<s3.DeleteBucketPolicyCommandOutput>>;
  getBucketTagging(input: s3.GetBucketTaggingCommandInput): Promise<Out<s3.GetBucketTaggingCommandOutput>>;
  putBucketTagging(input: s3.PutBucketTaggingCommandInput): Promise<Out<s3.PutBucketTaggingCommandOutput>>;
  deleteBucketTagging(input: s3.DeleteBucketTaggingCommandInput): Promise<Out<s3.DeleteBucketTaggingCommandOutput>>;
  getPublicAccessBlock(input: s3.GetPublicAccessBlockCommandInput): Promise<Out<s3.GetPublicAccessBlockCommandOutput>>;
  putPublicAccessBlock(input: s3.PutPublicAccessBlockCommandInput): Promise<Out<s3.PutPublicAccessBlockCommandOutput>>;
  getBucketEncryption(input: s3.GetBucketEncryptionCommandInput): Promise<Out<s3.GetBucketEncryptionCommandOutput>>;
  putBucketEncryption(input: s3.PutBucketEncryptionCommandInput): Promise<Out<s3.PutBucketEncryptionCommandOutput>>;
  getBucketLifecycleConfiguration(
    input: s3.GetBucketLifecycleConfigurationCommandInput,
  ): Promise<Out<s3.GetBucketLifecycleConfigurationCommandOutput>>;
  putBucketLifecycleConfiguration(
    input: s3.PutBucketLifecycleConfigurationCommandInput,
  ): Promise<Out<s3.PutBucketLifecycleConfigurationCommandOutput>>;
  deleteBucketLifecycle(
    input: s3.DeleteBucketLifecycleCommandInput,
  ): Promise<Out<s3.DeleteBucketLifecycleCommandOutput>>;
  /** Objects (lock, audit and applied records under cordon/): the body is read as UTF-8 text. */
  getObjectText(input: s3.GetObjectCommandInput): Promise<{ readonly body: string; readonly etag: string | undefined }>;
  putObject(input: s3.PutObjectCommandInput): Promise<Out<s3.PutObjectCommandOutput>>;
  deleteObject(input: s3.DeleteObjectCommandInput): Promise<Out<s3.DeleteObjectCommandOutput>>;
  listObjectsV2(input: s3.ListObjectsV2CommandInput): Promise<Out<s3.ListObjectsV2CommandOutput>>;
}

export interface GluePort {
  getDatabase(input: glue.GetDatabaseCommandInput): Promise<Out<glue.GetDatabaseCommandOutput>>;
  createDatabase(input: glue.CreateDatabaseCommandInput): Promise<Out<glue.CreateDatabaseCommandOutput>>;
  updateDatabase(input: glue.UpdateDatabaseCommandInput): Promise<Out<glue.UpdateDatabaseCommandOutput>>;
  deleteDatabase(input: glue.DeleteDatabaseCommandInput): Promise<Out<glue.DeleteDatabaseCommandOutput>>;
  getTable(input: glue.GetTableCommandInput): Promise<Out<glue.GetTableCommandOutput>>;
  createTable(input: glue.CreateTableCommandInput): Promise<Out<glue.CreateTableCommandOutput>>;
  updateTable(input: glue.UpdateTableCommandInput): Promise<Out<glue.UpdateTableCommandOutput>>;
  deleteTable(input: glue.DeleteTableCommandInput): Promise<Out<glue.DeleteTableCommandOutput>>;
}

export interface StsPort {
  getCallerIdentity(input: sts.GetCallerIdentityCommandInput): Promise<Out<sts.GetCallerIdentityCommandOutput>>;
}

/**
 * The ports of one target (account + region). Each service is loaded on first use (dynamic
 * import of its SDK client) and then reused for the whole run.
 */
export interface TargetPorts {
  ec2(): Promise<Ec2Port>;
  s3(): Promise<S3Port>;
  glue(): Promise<GluePort>;
  sts(): Promise<StsPort>;
}
