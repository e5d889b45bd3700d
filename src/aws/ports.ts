// Narrow per-service ports: exactly the AWS calls Cordon makes, in the SDK's own input/output
// shapes (type-only imports, so nothing here loads the SDK). Handlers depend on these, never on
// SDK clients, so they can be tested with fakes. Every method rejects with an AwsError naming the
// AWS resource (see src/aws/errors.ts); adapters live in src/aws/adapters/*.
import type * as athena from "@aws-sdk/client-athena";
import type * as ec2 from "@aws-sdk/client-ec2";
import type * as elbv2 from "@aws-sdk/client-elastic-load-balancing-v2";
import type * as glue from "@aws-sdk/client-glue";
import type * as s3 from "@aws-sdk/client-s3";
import type * as sts from "@aws-sdk/client-sts";
import type * as waf from "@aws-sdk/client-wafv2";

type Out<T> = Omit<T, "$metadata">;

export interface Ec2Port {
  describeVpcs(input: ec2.DescribeVpcsCommandInput): Promise<Out<ec2.DescribeVpcsCommandOutput>>;
  describeSubnets(input: ec2.DescribeSubnetsCommandInput): Promise<Out<ec2.DescribeSubnetsCommandOutput>>;
  describeFlowLogs(input: ec2.DescribeFlowLogsCommandInput): Promise<Out<ec2.DescribeFlowLogsCommandOutput>>;
  createFlowLogs(input: ec2.CreateFlowLogsCommandInput): Promise<Out<ec2.CreateFlowLogsCommandOutput>>;
  deleteFlowLogs(input: ec2.DeleteFlowLogsCommandInput): Promise<Out<ec2.DeleteFlowLogsCommandOutput>>;
  createTags(input: ec2.CreateTagsCommandInput): Promise<Out<ec2.CreateTagsCommandOutput>>;
  deleteTags(input: ec2.DeleteTagsCommandInput): Promise<Out<ec2.DeleteTagsCommandOutput>>;
  describeNetworkAcls(input: ec2.DescribeNetworkAclsCommandInput): Promise<Out<ec2.DescribeNetworkAclsCommandOutput>>;
  createNetworkAclEntry(
    input: ec2.CreateNetworkAclEntryCommandInput,
  ): Promise<Out<ec2.CreateNetworkAclEntryCommandOutput>>;
  replaceNetworkAclEntry(
    input: ec2.ReplaceNetworkAclEntryCommandInput,
  ): Promise<Out<ec2.ReplaceNetworkAclEntryCommandOutput>>;
  deleteNetworkAclEntry(
    input: ec2.DeleteNetworkAclEntryCommandInput,
  ): Promise<Out<ec2.DeleteNetworkAclEntryCommandOutput>>;
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
  /** An object's bytes (flow-log files for the local query engine); `signal` aborts the download. */
  getObjectBytes(
    input: s3.GetObjectCommandInput,
    signal?: AbortSignal,
  ): Promise<{ readonly body: Uint8Array; readonly etag: string | undefined }>;
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

export interface WafPort {
  listWebACLs(input: waf.ListWebACLsCommandInput): Promise<Out<waf.ListWebACLsCommandOutput>>;
  getWebACL(input: waf.GetWebACLCommandInput): Promise<Out<waf.GetWebACLCommandOutput>>;
  createWebACL(input: waf.CreateWebACLCommandInput): Promise<Out<waf.CreateWebACLCommandOutput>>;
  updateWebACL(input: waf.UpdateWebACLCommandInput): Promise<Out<waf.UpdateWebACLCommandOutput>>;
  deleteWebACL(input: waf.DeleteWebACLCommandInput): Promise<Out<waf.DeleteWebACLCommandOutput>>;
  listIPSets(input: waf.ListIPSetsCommandInput): Promise<Out<waf.ListIPSetsCommandOutput>>;
  getIPSet(input: waf.GetIPSetCommandInput): Promise<Out<waf.GetIPSetCommandOutput>>;
  createIPSet(input: waf.CreateIPSetCommandInput): Promise<Out<waf.CreateIPSetCommandOutput>>;
  updateIPSet(input: waf.UpdateIPSetCommandInput): Promise<Out<waf.UpdateIPSetCommandOutput>>;
  deleteIPSet(input: waf.DeleteIPSetCommandInput): Promise<Out<waf.DeleteIPSetCommandOutput>>;
  associateWebACL(input: waf.AssociateWebACLCommandInput): Promise<Out<waf.AssociateWebACLCommandOutput>>;
  disassociateWebACL(input: waf.DisassociateWebACLCommandInput): Promise<Out<waf.DisassociateWebACLCommandOutput>>;
  getWebACLForResource(
    input: waf.GetWebACLForResourceCommandInput,
  ): Promise<Out<waf.GetWebACLForResourceCommandOutput>>;
  listResourcesForWebACL(
    input: waf.ListResourcesForWebACLCommandInput,
  ): Promise<Out<waf.ListResourcesForWebACLCommandOutput>>;
  listTagsForResource(input: waf.ListTagsForResourceCommandInput): Promise<Out<waf.ListTagsForResourceCommandOutput>>;
  tagResource(input: waf.TagResourceCommandInput): Promise<Out<waf.TagResourceCommandOutput>>;
  untagResource(input: waf.UntagResourceCommandInput): Promise<Out<waf.UntagResourceCommandOutput>>;
}

export interface ElbPort {
  describeLoadBalancers(
    input: elbv2.DescribeLoadBalancersCommandInput,
  ): Promise<Out<elbv2.DescribeLoadBalancersCommandOutput>>;
  describeTags(input: elbv2.DescribeTagsCommandInput): Promise<Out<elbv2.DescribeTagsCommandOutput>>;
}

/** Athena: the calls of the query engine (src/query/athena.ts, docs/athena-engine.md). */
export interface AthenaPort {
  startQueryExecution(
    input: athena.StartQueryExecutionCommandInput,
  ): Promise<Out<athena.StartQueryExecutionCommandOutput>>;
  getQueryExecution(input: athena.GetQueryExecutionCommandInput): Promise<Out<athena.GetQueryExecutionCommandOutput>>;
  getQueryResults(input: athena.GetQueryResultsCommandInput): Promise<Out<athena.GetQueryResultsCommandOutput>>;
  stopQueryExecution(
    input: athena.StopQueryExecutionCommandInput,
  ): Promise<Out<athena.StopQueryExecutionCommandOutput>>;
  getWorkGroup(input: athena.GetWorkGroupCommandInput): Promise<Out<athena.GetWorkGroupCommandOutput>>;
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
  wafv2(): Promise<WafPort>;
  elbv2(): Promise<ElbPort>;
  athena(): Promise<AthenaPort>;
}
