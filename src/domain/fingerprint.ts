// Canonical JSON and sha256 helpers: the one definition of "the same value" used for policy
// digests, observation fingerprints and stable plan output. Pure; node:crypto only.
import * as nodeCrypto from "node:crypto";
import type { LoadedPolicy } from "../model/policy.js";

/**
 * JSON with object keys sorted (recursively), no whitespace. `undefined` members are dropped
 * like JSON.stringify does; `undefined` array items become null. Non-finite numbers throw.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value));
}

/** A deep copy of `value` whose objects have their keys in sorted (code-unit) order. */
export function sortKeysDeep(value: unknown): unknown {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new TypeError(`cannot canonicalise non-finite number ${value}`);
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortKeysDeep(v)));
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(src).sort()) {
    const v = src[key];
    if (v !== undefined) out[key] = sortKeysDeep(v);
  }
  return out;
}

/**
 * One-shot hashing (Node 20.12 and later): the same digest without a Hash object per call, which a
 * plan of 20,000 flow logs makes 20,000 of (docs/performance.md). Undefined on older Node 20.
 */
const oneShotHash = (nodeCrypto as { hash?: typeof nodeCrypto.hash }).hash;

export function sha256Hex(text: string): string {
  if (oneShotHash !== undefined) return oneShotHash("sha256", text, "hex");
  return nodeCrypto.createHash("sha256").update(text, "utf8").digest("hex");
}

/** sha256 (hex) of the canonical JSON of `value`: equal for values equal up to key order. */
export function fingerprint(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/**
 * Digest of a policy set. Only the policies' content counts, in a canonical order: moving a
 * policy to another file, re-ordering documents or running from another directory keeps the
 * digest; any change of content changes it.
 */
export function policyDigest(policies: readonly LoadedPolicy[]): string {
  const docs = policies.map((p) => canonicalJson(p.policy)).sort();
  return sha256Hex(`[${docs.join(",")}]`);
}

/**
 * The digest of a plan document: sha256 of the canonical JSON of the whole document without its
 * `digest` member. Equal for a document and its JSON rendering read back (undefined members are
 * dropped either way), so a plan file's digest can be checked against its parsed content.
 */
export function planDocumentDigest(doc: object): string {
  const { digest: _ignored, ...rest } = doc as Record<string, unknown>;
  return fingerprint(rest);
}
