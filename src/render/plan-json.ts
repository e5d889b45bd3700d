// The plan document as JSON (the document is complete; text and markdown are views of it).
// Stable output: plan, change and summary members in a fixed documented order, everything else
// (specs, values) with sorted keys. Every rendering carries `digest`, the sha256 of the canonical
// JSON of the rest of the document, so an edit of a saved plan is detected (planFileIntegrity).
// Described by schemas/plan.schema.json.

import { planDocumentDigest, sortKeysDeep } from "../domain/fingerprint.js";
import type { Change } from "../model/change.js";
import { UsageError } from "../model/errors.js";
import { PLAN_FORMAT_VERSION, type PlanDocument } from "../model/plan.js";
import { jsonText } from "./safe-text.js";

const DOC_KEYS = [
  "formatVersion",
  "cordonVersion",
  "createdAt",
  "digest",
  "policyDigest",
  "policyPaths",
  "policyFiles",
  "today",
  "only",
  "shard",
  "targets",
  "summary",
  "changes",
  "notes",
  "warnings",
  "queries",
];
const CHANGE_KEYS = [
  "address",
  "kind",
  "name",
  "label",
  "target",
  "action",
  "mode",
  "reason",
  "impact",
  "dependsOn",
  "origin",
  "observedFingerprint",
  "fields",
  "contextFields",
  "fieldNames",
  "references",
  "declared",
  "before",
  "after",
];
const SUMMARY_KEYS = ["add", "change", "destroy", "replace", "broadensAccess", "observeOnly", "noop"];
const TARGET_KEYS = ["account", "region", "roleArn", "externalId"];
const IMPACT_KEYS = ["broadensAccess", "destructive", "notes"];
const FIELD_KEYS = ["path", "forcesReplacement", "before", "after"];
const ORIGIN_KEYS = ["file", "document", "section"];
const NOTE_KEYS = ["severity", "address", "message"];
const DECLARED_ENTRY_KEYS = ["value", "reason", "ticket", "expires"];
const QUERY_KEYS = ["title", "sql"];
const DIAGNOSTIC_KEYS = ["severity", "code", "file", "document", "position", "pointer", "message", "hint"];

/** Members in `order` first (when present), then any others sorted; values through `inner`. */
function ordered(
  obj: object | null,
  order: readonly string[],
  inner: (key: string, v: unknown) => unknown = (_k, v) => sortKeysDeep(v),
): unknown {
  if (obj === null) return null;
  const src = obj as Record<string, unknown>;
  const keys = [
    ...order.filter((k) => k in src),
    ...Object.keys(src)
      .filter((k) => !order.includes(k))
      .sort(),
  ];
  const out: Record<string, unknown> = {};
  for (const k of keys) if (src[k] !== undefined) out[k] = inner(k, src[k]);
  return out;
}

const orderChange = (c: Change): unknown =>
  ordered(c, CHANGE_KEYS, (k, v) => {
    switch (k) {
      case "target":
        return ordered(v as object, TARGET_KEYS);
      case "impact":
        return ordered(v as object, IMPACT_KEYS);
      case "origin":
        return ordered(v as object | null, ORIGIN_KEYS);
      case "fields":
        return (v as object[]).map((f) => ordered(f, FIELD_KEYS));
      case "declared":
        return (v as object[]).map((d) =>
          ordered(d, ["rule", "entries"], (k2, v2) =>
            k2 === "entries" ? (v2 as object[]).map((e) => ordered(e, DECLARED_ENTRY_KEYS)) : v2,
          ),
        );
      default:
        return sortKeysDeep(v);
    }
  });

/**
 * The plan document as stable, indented JSON with a final newline, its `digest` computed over
 * the rest of the document (whatever digest `doc` carried is replaced).
 */
export function renderPlanJson(doc: PlanDocument): string {
  const { digest: _old, ...rest } = doc;
  const withDigest: PlanDocument = { ...rest, digest: planDocumentDigest(rest) };
  const value = ordered(withDigest, DOC_KEYS, (k, v) => {
    switch (k) {
      case "targets":
        return (v as object[]).map((t) => ordered(t, TARGET_KEYS));
      case "summary":
        return ordered(v as object, SUMMARY_KEYS);
      case "changes":
        return (v as Change[]).map(orderChange);
      case "notes":
        return (v as object[]).map((n) => ordered(n, NOTE_KEYS));
      case "queries":
        return (v as object[]).map((q) => ordered(q, QUERY_KEYS));
      case "warnings":
        return (v as object[]).map((d) => ordered(d, DIAGNOSTIC_KEYS));
      default:
        return sortKeysDeep(v);
    }
  });
  return `${jsonText(value)}\n`;
}

/**
 * Reads a plan file's text back. Checks the format version and the members apply relies on;
 * throws UsageError naming `file` otherwise. (Full validation: schemas/plan.schema.json.)
 */
export function parsePlanJson(text: string, file = "plan file"): PlanDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file} is not JSON: ${(e as Error).message}`);
  }
  const doc = value as Partial<PlanDocument> | null;
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new UsageError(`${file} is not a Cordon plan document`);
  }
  if (doc.formatVersion !== PLAN_FORMAT_VERSION) {
    throw new UsageError(
      `${file} has plan format ${JSON.stringify(doc.formatVersion ?? null)}; this Cordon reads format ${PLAN_FORMAT_VERSION}`,
      ["re-run cordon plan with this version"],
    );
  }
  for (const key of ["policyDigest", "createdAt", "cordonVersion"] as const) {
    if (typeof doc[key] !== "string") throw new UsageError(`${file}: "${key}" is missing or not a string`);
  }
  for (const key of ["digest", "today", "shard"] as const) {
    if (doc[key] !== undefined && typeof doc[key] !== "string")
      throw new UsageError(`${file}: "${key}" is not a string`);
  }
  for (const key of ["policyPaths", "only"] as const) {
    const v = doc[key];
    if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== "string"))) {
      throw new UsageError(`${file}: "${key}" is not a list of strings`);
    }
  }
  const files = doc.policyFiles;
  if (
    files !== undefined &&
    (files === null ||
      typeof files !== "object" ||
      Array.isArray(files) ||
      Object.values(files).some((x) => typeof x !== "string"))
  ) {
    throw new UsageError(`${file}: "policyFiles" is not an object of path → digest`);
  }
  if (!Array.isArray(doc.changes) || doc.summary === undefined) {
    throw new UsageError(`${file}: "changes" and "summary" are required`);
  }
  doc.changes.forEach((c, i) => {
    if (typeof c?.address !== "string" || typeof c.action !== "string" || typeof c.observedFingerprint !== "string") {
      throw new UsageError(`${file}: changes[${i}] lacks address, action or observedFingerprint`);
    }
  });
  return doc as PlanDocument;
}

/** Whether a plan read back is what the renderer wrote: its digest matches its content. */
export type PlanIntegrity =
  | { readonly status: "intact"; readonly digest: string }
  | { readonly status: "no-digest" }
  | { readonly status: "edited"; readonly recorded: string; readonly actual: string };

/** Checks a parsed plan's `digest` against the rest of its content (see planDocumentDigest). */
export function planFileIntegrity(doc: PlanDocument): PlanIntegrity {
  if (doc.digest === undefined) return { status: "no-digest" };
  const actual = planDocumentDigest(doc);
  return actual === doc.digest
    ? { status: "intact", digest: actual }
    : { status: "edited", recorded: doc.digest, actual };
}
