// Every kind, listed once: its descriptor (src/handlers/contract.ts, KindDescriptor) declared
// beside its handler. The planner, the plan pipeline, ownership scoping, the applied record and the
// reviewer notes read what they need about a kind from here; none of them holds a per-kind table.
// A new kind adds one line to KINDS (docs/contributing.md).
import type { TargetPorts } from "../aws/ports.js";
import type { Kind } from "../model/resource.js";
import { specDigest } from "./applied-tag.js";
import type { Handler, KindDescriptor } from "./contract.js";
import { flowLogKind } from "./flow-log.js";
import { glueDatabaseKind } from "./glue-database.js";
import { glueTableKind } from "./glue-table.js";
import { naclEntriesKind } from "./nacl-entries.js";
import { bucketKind } from "./s3-bucket.js";
import { bucketPolicyKind } from "./s3-bucket-policy.js";
import { publicAccessBlockKind } from "./s3-public-access-block.js";
import { associationKind } from "./waf-association.js";
import { ipSetKind } from "./waf-ip-set.js";
import { webAclKind } from "./waf-web-acl.js";

// biome-ignore lint/suspicious/noExplicitAny: the registry holds descriptors of every spec type.
type AnyKind = KindDescriptor<any, TargetPorts>;
// biome-ignore lint/suspicious/noExplicitAny: a registry holds handlers of every spec type.
type AnyHandler = Handler<any, TargetPorts>;

/** Every kind Cordon reconciles, in creation order (`order`). */
export const KINDS: readonly AnyKind[] = [
  bucketKind,
  bucketPolicyKind,
  publicAccessBlockKind,
  flowLogKind,
  glueDatabaseKind,
  glueTableKind,
  ipSetKind,
  naclEntriesKind,
  webAclKind,
  associationKind,
].sort((a, b) => a.order - b.order);

const BY_KIND: ReadonlyMap<Kind, AnyKind> = new Map(KINDS.map((d) => [d.kind, d]));

/** The descriptor of `kind`; undefined for a kind no descriptor declares. */
export const descriptorOf = (kind: Kind): AnyKind | undefined => BY_KIND.get(kind);

export const HANDLERS: Readonly<Partial<Record<Kind, AnyHandler>>> = Object.fromEntries(
  KINDS.map((d) => [d.kind, d.handler]),
);

export const handlerFor = (kind: Kind): Handler | undefined => BY_KIND.get(kind)?.handler as Handler | undefined;

/** Kinds whose handler can discover owned resources that are no longer declared. */
export const DISCOVERABLE_KINDS: readonly Kind[] = KINDS.filter((d) => d.handler.discover !== undefined).map(
  (d) => d.kind,
);

/**
 * The digest of what applying `spec` writes, recorded in the cordon:applied tag and the applied
 * record: the kind's appliedDigest hook, else specDigest of the spec.
 */
export function appliedDigest(kind: Kind, spec: unknown): string {
  const hook = BY_KIND.get(kind)?.appliedDigest;
  return hook === undefined ? specDigest(spec) : hook(spec);
}
