// What Cordon applied, recorded where AWS lets it: on taggable resources (bucket, flow logs, web
// ACL, IP sets) the tag APPLIED_TAG holds a short digest of the desired spec the handler wrote;
// `cordon drift` compares it with the desired spec (pending policy changes) and with live AWS
// (drift). The tag is Cordon's bookkeeping, never part of a spec: handlers leave it out of the
// live spec they diff, so it never shows as a difference.
//
// Which digest a kind records is its descriptor's appliedDigest hook (default: specDigest of the
// spec); appliedDigest(kind, spec) in src/handlers/registry.ts reads it.

import { fingerprint } from "../domain/fingerprint.js";
import type { Tags } from "../model/specs.js";

export const APPLIED_TAG = "cordon:applied";

/** 16 hex characters of the sha256 of the spec's canonical JSON (fits any tag value limit). */
export const specDigest = (spec: unknown): string => fingerprint(spec).slice(0, 16);

/** `tags` without the applied-digest tag. */
export function withoutAppliedTag<T extends Readonly<Record<string, string>>>(tags: T): T {
  if (!(APPLIED_TAG in tags)) return tags;
  const { [APPLIED_TAG]: _omit, ...rest } = tags;
  return rest as T;
}

/** The tags a create/update writes: the desired ones plus the digest of `spec` (specDigest). */
export const withAppliedTag = (tags: Tags, spec: unknown): Tags => ({
  ...tags,
  [APPLIED_TAG]: specDigest(spec),
});

/** Comparable live tags plus the applied tag as read (`all`), so a tag sync rewrites it only when it changed. */
export function liveWithAppliedTag(comparable: Tags, all: Tags | undefined): Tags {
  const applied = all?.[APPLIED_TAG];
  return applied === undefined ? comparable : { ...comparable, [APPLIED_TAG]: applied };
}
