// Schema validation: a ParsedDocument against schemas/policy.schema.json (JSON Schema 2020-12),
// every problem mapped to a Diagnostic at file:line:column with a JSON pointer and one
// plain-English sentence. Ajv's raw errors are reshaped: unknown keys get a did-you-mean,
// enum errors list the allowed values, and the cascades of anyOf/oneOf/if-then collapse into
// one message. The validators are generated from the schemas at build time (no ajv compile at run time).
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { editDistance } from "../domain/nearest.js";
import { describeChar, escapeUnsafe, firstUnsafe } from "../domain/text.js";
import type { Diagnostic, Position } from "../model/diagnostics.js";
import type { ParsedDocument } from "./document.js";
import { escapePointerSegment, parsePointer } from "./load.js";
import { validatePolicy, validatePolicySet } from "./validators.gen.js";

export { isCalendarDate } from "./date-format.js";

/** The code of the one diagnostic a document that is not a Cordon policy gets. */
export const NOT_A_POLICY = "schema.not-a-policy";

/**
 * A mapping that does not say it is a Cordon policy (neither `kind: Policy` nor an apiVersion that
 * names cordon): a Kubernetes manifest, a CI file… next to the policies, or a file reached through
 * a symbolic link. One error, and none of its values (they are not Cordon's to print: a secret, a
 * password file); null for a document that is, or tries to be, a policy.
 */
function notAPolicy(doc: ParsedDocument): Diagnostic | null {
  const v = doc.value;
  if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
  const { kind, apiVersion } = v as Record<string, unknown>;
  if (kind === "Policy" || (typeof apiVersion === "string" && /cordon/i.test(apiVersion))) return null;
  return {
    severity: "error",
    code: NOT_A_POLICY,
    file: doc.file,
    position: doc.locate(""),
    pointer: "",
    document: doc.document,
    message:
      "This document is not a Cordon policy (it has no kind: Policy and no cordon.dev apiVersion); its content is not shown.",
    hint: "A policy starts with apiVersion: cordon.dev/v1 and kind: Policy. Keep other YAML files out of the policy directories, or name the policy files.",
  };
}

/** Validates one document against the policy schema; [] when it is valid. */
export function validateSchema(doc: ParsedDocument): Diagnostic[] {
  const foreign = notAPolicy(doc);
  if (foreign !== null) return [foreign];
  return validateAgainst(
    validatePolicy as ValidateFunction,
    doc,
    "The policy",
    "a policy (a mapping with apiVersion, kind, metadata and target)",
  );
}

/** Validates the document of a policy-set file (cordon.yaml) against its schema; [] when it is valid. */
export function validatePolicySetSchema(doc: ParsedDocument): Diagnostic[] {
  return validateAgainst(
    validatePolicySet as ValidateFunction,
    doc,
    "The policy set",
    "a policy set (a mapping with apiVersion, kind and metadata)",
  );
}

/**
 * `validate`: the schema's validator, generated at build time by ajv's standalone code generation
 * (scripts/gen-policy-validator.mjs), so nothing is compiled at run time.
 * `root`: how the whole document is named in messages; `shape`: what the document must be. */
function validateAgainst(validate: ValidateFunction, doc: ParsedDocument, root: string, shape: string): Diagnostic[] {
  if (validate(doc.value)) return [];
  if (doc.value === null || typeof doc.value !== "object" || Array.isArray(doc.value)) {
    return [
      diagnostic(doc, "schema.type", "", doc.locate(""), {
        message: `The document must be ${shape}, not ${describeValue(doc.value)}.`,
      }),
    ];
  }
  const errors = collapse(validate.errors ?? []);
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const e of errors) {
    const d = toDiagnostic(doc, e, root);
    if (d === null) continue;
    const key = `${d.pointer}\u0000${d.code}\u0000${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}

type SchemaNode = Record<string, unknown>;
const asNode = (v: unknown): SchemaNode => (v !== null && typeof v === "object" ? (v as SchemaNode) : {});

/**
 * Removes the noise of combinators: for each failed anyOf/oneOf, when exactly one branch declares
 * the type the data has, keep that branch's errors and drop the rest; otherwise keep only the
 * combinator's own error (reported with its errorMessage). `if` errors are dropped in favour of
 * the `then` errors they come with; `propertyNames` wrappers in favour of the inner error.
 */
function collapse(errors: readonly ErrorObject[]): ErrorObject[] {
  const drop = new Set<ErrorObject>();
  for (const e of errors) {
    if (e.keyword === "if" || e.keyword === "propertyNames") drop.add(e);
    if (e.keyword !== "anyOf" && e.keyword !== "oneOf") continue;
    const prefix = `${e.schemaPath}/`;
    const branches = Array.isArray(e.schema) ? (e.schema as unknown[]) : [];
    const dataType = jsonType(e.data);
    const applicable = branches
      .map((b, i) => ({ i, type: asNode(b)["type"] }))
      .filter((b) => b.type === dataType || (b.type === "integer" && dataType === "number"));
    const keep = applicable.length === 1 ? `${prefix}${applicable[0]!.i}/` : null;
    for (const inner of errors) {
      if (inner === e || !inner.schemaPath.startsWith(prefix)) continue;
      if (keep === null || !inner.schemaPath.startsWith(keep)) drop.add(inner);
    }
    if (keep !== null) drop.add(e);
  }
  return errors.filter((e) => !drop.has(e));
}

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function describeValue(v: unknown): string {
  switch (jsonType(v)) {
    case "null":
      return "empty";
    case "array":
      return "a list";
    case "object":
      return "a mapping";
    case "string":
      return "a string";
    case "integer":
    case "number":
      return "a number";
    case "boolean":
      return "true/false";
    default:
      return typeof v;
  }
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  object: "a mapping (key: value lines)",
  array: "a list",
  string: "a string",
  integer: "a whole number",
  number: "a number",
  boolean: "true or false",
  null: "empty",
};

/** "flowLogs.bucket.name", "blockedAddresses.entries[2].cidr"; "" for the root. */
export function pointerToPath(pointer: string): string {
  const segments = parsePointer(pointer) ?? [];
  let out = "";
  for (const s of segments) {
    if (/^(0|[1-9][0-9]*)$/.test(s)) out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(s)) out += out === "" ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

function subject(pointer: string, root: string): string {
  return pointer === "" ? root : pointerToPath(pointer);
}

function got(v: unknown): string {
  if (v === null || v === undefined) return "it is empty";
  if (typeof v === "object") return `got ${describeValue(v)}`;
  // Never the raw text of a control, bidi or separator character: a visible escape instead.
  const text = escapeUnsafe(JSON.stringify(v));
  return `got ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

/** Where to report a problem with the value at `pointer`: a mapping or list is shown at its key. */
function place(doc: ParsedDocument, pointer: string, data: unknown): Position | null {
  const composite = data !== null && typeof data === "object";
  return doc.locate(pointer, composite && pointer !== "" ? { key: true } : undefined);
}

function diagnostic(
  doc: ParsedDocument,
  code: string,
  pointer: string,
  position: Position | null,
  text: { message: string; hint?: string | undefined },
): Diagnostic {
  return {
    severity: "error",
    code,
    file: doc.file,
    position,
    pointer,
    document: doc.document,
    message: text.message,
    ...(text.hint === undefined ? {} : { hint: text.hint }),
  };
}

const DEPENDENCY_MESSAGES: Readonly<Record<string, string>> = {
  athena: "The athena section needs a flowLogs section: the table is built over the flow logs.",
  blockedCountries: "blockedCountries needs a webAcl section: the web ACL's geo-match rule enforces the block.",
};

/** For each if/then rule of the schema (by the schemaPath of its `then` keyword): where its condition lives. */
const CONDITION_ANCHORS: Readonly<Record<string, string>> = {
  "#/then/required": "/blockedAddresses/webAcl",
};

function toDiagnostic(doc: ParsedDocument, e: ErrorObject, root: string): Diagnostic | null {
  const parent = asNode(e.parentSchema);
  const custom = typeof parent["errorMessage"] === "string" ? (parent["errorMessage"] as string) : undefined;
  const at = e.instancePath;
  const params = e.params as Record<string, unknown>;
  // An error inside propertyNames concerns a key: point at the key itself.
  const propertyName = (e as ErrorObject & { propertyName?: string }).propertyName;
  const unsafe = unsafeText(doc, e, propertyName, root);
  if (unsafe !== null) return unsafe;
  if (propertyName !== undefined) {
    const pointer = `${at}/${escapePointerSegment(propertyName)}`;
    return diagnostic(doc, "schema.key-format", pointer, doc.locate(pointer, { key: true }), {
      message: `The key ${escapeUnsafe(JSON.stringify(propertyName))} in ${subject(at, root)} ${custom ?? keyConstraint(e)}.`,
    });
  }
  switch (e.keyword) {
    case "additionalProperties": {
      const key = String(params["additionalProperty"]);
      const pointer = `${at}/${escapePointerSegment(key)}`;
      const allowed = Object.keys(asNode(parent["properties"]));
      const suggestion = didYouMean(key, allowed);
      const where = at === "" ? root.toLowerCase() : pointerToPath(at);
      return diagnostic(doc, "schema.unknown-key", pointer, doc.locate(pointer, { key: true }), {
        message: `Unknown key ${JSON.stringify(key)} in ${where}.`,
        hint:
          suggestion !== null
            ? `Did you mean ${JSON.stringify(suggestion)}?`
            : allowed.length > 0
              ? `Allowed keys here: ${allowed.join(", ")}.`
              : undefined,
      });
    }
    case "required": {
      const missing = String(params["missingProperty"]);
      const pointer = `${at}/${escapePointerSegment(missing)}`;
      if (custom !== undefined) {
        // A conditional requirement (if/then) is reported where the condition is written.
        const anchor = CONDITION_ANCHORS[e.schemaPath] ?? at;
        return diagnostic(doc, "schema.dependency", pointer, doc.locate(anchor, { key: true }), { message: custom });
      }
      const position = doc.locate(at, { key: true });
      return diagnostic(doc, "schema.missing-key", pointer, position, {
        message: `${subject(at, root)} is missing the required key ${JSON.stringify(missing)}.`,
      });
    }
    case "dependentRequired": {
      const property = String(params["property"]);
      const missing = String(params["missingProperty"]);
      const pointer = `${at}/${escapePointerSegment(property)}`;
      return diagnostic(doc, "schema.dependency", pointer, doc.locate(pointer, { key: true }), {
        message:
          DEPENDENCY_MESSAGES[property] ??
          `${pointerToPath(pointer)} needs ${JSON.stringify(missing)} to be present as well.`,
      });
    }
    case "type": {
      const expected = String(params["type"]);
      const isNumberForString = expected === "string" && typeof e.data === "number";
      return diagnostic(doc, "schema.type", at, place(doc, at, e.data), {
        message: `${subject(at, root)} must be ${TYPE_NAMES[expected] ?? expected}, but ${e.data === null ? "it is empty" : `it is ${describeValue(e.data)}`}.`,
        hint: isNumberForString ? "Put the value in quotes so YAML reads it as text." : undefined,
      });
    }
    case "enum": {
      const allowed = (params["allowedValues"] as unknown[]) ?? [];
      const suggestion =
        typeof e.data === "string"
          ? didYouMean(
              e.data,
              allowed.filter((a): a is string => typeof a === "string"),
            )
          : null;
      return diagnostic(doc, "schema.enum", at, place(doc, at, e.data), {
        message: `${subject(at, root)} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")} (${got(e.data)}).`,
        hint: suggestion !== null ? `Did you mean ${JSON.stringify(suggestion)}?` : undefined,
      });
    }
    case "const":
      return diagnostic(doc, "schema.const", at, place(doc, at, e.data), {
        message: `${subject(at, root)} must be ${JSON.stringify(params["allowedValue"])} (${got(e.data)}).`,
        hint:
          params["allowedValue"] === true && e.data === false
            ? "Leave the key out instead of setting it false."
            : undefined,
      });
    case "pattern":
    case "format":
      return diagnostic(doc, "schema.format", at, place(doc, at, e.data), {
        message: `${subject(at, root)} ${custom ?? (e.keyword === "format" ? `must be a valid ${String(params["format"])}` : `must match ${String(params["pattern"])}`)} (${got(e.data)}).`,
      });
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return diagnostic(doc, "schema.range", at, place(doc, at, e.data), {
        message: `${subject(at, root)} must be ${e.keyword === "minimum" ? "at least" : e.keyword === "maximum" ? "at most" : e.keyword === "exclusiveMinimum" ? "more than" : "less than"} ${String(params["limit"])} (${got(e.data)}).`,
      });
    case "minLength":
    case "maxLength": {
      const limit = Number(params["limit"]);
      return diagnostic(doc, "schema.length", at, place(doc, at, e.data), {
        message:
          e.keyword === "minLength" && limit === 1
            ? `${subject(at, root)} must not be empty.`
            : `${subject(at, root)} must be ${e.keyword === "minLength" ? "at least" : "at most"} ${limit} characters long (it has ${typeof e.data === "string" ? [...e.data].length : "?"}).`,
      });
    }
    case "minItems":
    case "maxItems": {
      const limit = Number(params["limit"]);
      return diagnostic(doc, "schema.items", at, place(doc, at, e.data), {
        message:
          e.keyword === "minItems" && limit === 1
            ? `${subject(at, root)} must list at least one item.`
            : `${subject(at, root)} must list ${e.keyword === "minItems" ? "at least" : "at most"} ${limit} items.`,
      });
    }
    case "uniqueItems": {
      const i = Number(params["i"]);
      const j = Number(params["j"]);
      const later = Math.max(i, j);
      const pointer = `${at}/${later}`;
      return diagnostic(doc, "schema.duplicate-item", pointer, doc.locate(pointer), {
        message: `${subject(at, root)} lists the same value twice (items ${Math.min(i, j)} and ${later}, counting from 0).`,
        hint: "Remove the duplicate.",
      });
    }
    case "minProperties":
    case "maxProperties":
      return diagnostic(doc, "schema.selector", at, place(doc, at, e.data), {
        message: `${subject(at, root)} ${custom ?? `must have ${e.keyword === "minProperties" ? "at least" : "at most"} ${String(params["limit"])} keys`}.`,
      });
    case "anyOf":
    case "oneOf": {
      // A misspelt keyword among the alternatives ("defaults" for "default") gets a did-you-mean.
      const words = (Array.isArray(e.schema) ? (e.schema as unknown[]) : []).flatMap((b) => {
        const branch = asNode(b);
        const values = "const" in branch ? [branch["const"]] : Array.isArray(branch["enum"]) ? branch["enum"] : [];
        return values.filter((v): v is string => typeof v === "string");
      });
      const suggestion = typeof e.data === "string" ? didYouMean(e.data, words) : null;
      return diagnostic(doc, "schema.alternatives", at, place(doc, at, e.data), {
        message: `${subject(at, root)} ${custom ?? "does not match any of the allowed forms"}.`,
        hint: suggestion !== null ? `Did you mean ${JSON.stringify(suggestion)}?` : undefined,
      });
    }
    case "then":
    case "if":
    case "allOf":
    case "propertyNames":
      return null;
    default:
      return diagnostic(doc, "schema.invalid", at, place(doc, at, e.data), {
        message: `${subject(at, root)} ${e.message ?? "is invalid"}.`,
      });
  }
}

/**
 * A value or key refused because it holds a control, bidi or separator character (the schema's
 * `$defs/freeText` pattern, or any other pattern): the message names the field and the character as
 * U+XXXX, never the character itself (docs/output-safety.md).
 */
function unsafeText(
  doc: ParsedDocument,
  e: ErrorObject,
  propertyName: string | undefined,
  root: string,
): Diagnostic | null {
  if (e.keyword !== "pattern") return null;
  const text = propertyName ?? (typeof e.data === "string" ? e.data : null);
  const found = text === null ? null : firstUnsafe(text);
  if (found === null) return null;
  const at = e.instancePath;
  const pointer = propertyName === undefined ? at : `${at}/${escapePointerSegment(propertyName)}`;
  const what = propertyName === undefined ? subject(at, root) : `A key in ${subject(at, root)}`;
  return diagnostic(
    doc,
    "schema.control-character",
    pointer,
    propertyName === undefined ? place(doc, at, e.data) : doc.locate(pointer, { key: true }),
    {
      message: `${what} contains ${describeChar(found.char)} at character ${found.index + 1}: free text may not hold control characters (newline, tab, ESC, ...), bidi controls or line separators.`,
      hint: "They could forge what reviewers see in a plan, a terminal or a job log (docs/output-safety.md). Write plain text on one line (a YAML block scalar, | or >, adds line breaks).",
    },
  );
}

function keyConstraint(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "maxLength":
      return `is longer than ${String(p["limit"])} characters`;
    case "minLength":
      return "must not be empty";
    default:
      return e.message ?? "is not allowed";
  }
}

/** The closest candidate, if it is close enough to be a likely typo; case differences cost nothing. */
export function didYouMean(input: string, candidates: readonly string[]): string | null {
  const lower = input.toLowerCase();
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const distance = editDistance(lower, c.toLowerCase());
    if (distance < bestDistance) {
      best = c;
      bestDistance = distance;
    }
  }
  if (best === null) return null;
  const threshold = Math.max(1, Math.floor(Math.max(input.length, best.length) / 3));
  if (bestDistance <= threshold) return best;
  // A truncated word ("own" for "owned") is a likely slip too, when it is long enough to be unambiguous.
  const prefixed = candidates.filter((c) => lower.length >= 3 && c.toLowerCase().startsWith(lower));
  return prefixed.length === 1 ? prefixed[0]! : null;
}
