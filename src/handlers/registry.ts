// Every handler, by kind. The engine looks handlers up here.
import type { TargetPorts } from "../aws/ports.js";
import type { Kind } from "../model/resource.js";
import type { Handler } from "./contract.js";
import { flowLogHandler } from "./flow-log.js";
import { glueDatabaseHandler } from "./glue-database.js";
import { glueTableHandler } from "./glue-table.js";
import { naclEntriesHandler } from "./nacl-entries.js";
import { bucketHandler } from "./s3-bucket.js";
import { bucketPolicyHandler } from "./s3-bucket-policy.js";
import { associationHandler } from "./waf-association.js";
import { ipSetHandler } from "./waf-ip-set.js";
import { webAclHandler } from "./waf-web-acl.js";

// biome-ignore lint/suspicious/noExplicitAny: a registry holds handlers of every spec type.
type AnyHandler = Handler<any, TargetPorts>;

export const HANDLERS: Readonly<Partial<Record<Kind, AnyHandler>>> = {
  "s3.bucket": bucketHandler,
  "s3.bucketPolicy": bucketPolicyHandler,
  "ec2.flowLog": flowLogHandler,
  "glue.database": glueDatabaseHandler,
  "glue.table": glueTableHandler,
  "ec2.naclEntries": naclEntriesHandler,
  "wafv2.ipSet": ipSetHandler,
  "wafv2.webAcl": webAclHandler,
  "wafv2.association": associationHandler,
};

export const handlerFor = (kind: Kind): Handler | undefined => HANDLERS[kind] as Handler | undefined;

/** Kinds whose handler can discover owned resources that are no longer declared. */
export const DISCOVERABLE_KINDS: readonly Kind[] = (Object.keys(HANDLERS) as Kind[]).filter(
  (k) => HANDLERS[k]?.discover !== undefined,
);
