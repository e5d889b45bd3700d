// An independent reading of a Glue table's partition projection (Athena User Guide, "Supported
// types for partition projection"), for tests: the storage.location.template as a regular
// expression that captures each partition column, and a check that a value is one the projection
// generates (enum member; integer in range with its digits; date in its format from the range
// start to NOW). Written from the documentation, not from src/domain/glue.ts.
import type { GlueTableSpec } from "../../src/model/specs.js";

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The template as `^…` capturing every `${column}` as a named group (one key segment each). */
export function templateRegex(spec: GlueTableSpec): RegExp {
  const template = spec.parameters["storage.location.template"];
  if (template === undefined) throw new Error("no storage.location.template");
  const parts = template.split(/\$\{([^}]+)\}/);
  const source = parts.map((p, i) => (i % 2 === 0 ? escapeRegex(p) : `(?<${p}>[^/]+)`)).join("");
  return new RegExp(`^${source}`);
}

const pad = (n: number, digits: number) => String(n).padStart(digits, "0");

/** The Java DateTimeFormatter patterns the tests meet (yyyy, MM, dd, HH, 'literals') as a RegExp. */
function javaPatternRegex(pattern: string): RegExp {
  const source = pattern.replace(/'([^']*)'|yyyy|MM|dd|HH|[^']/g, (tok, lit: string | undefined) => {
    if (lit !== undefined) return escapeRegex(lit);
    if (tok === "yyyy") return "\\d{4}";
    if (tok === "MM" || tok === "dd" || tok === "HH") return "\\d{2}";
    return escapeRegex(tok);
  });
  return new RegExp(`^${source}$`);
}

/**
 * Why `value` is not a value the projection of `column` generates on `now` (null: it is). Only
 * the parameters the documentation defines are read.
 */
export function projectionRejects(spec: GlueTableSpec, column: string, value: string, now: Date): string | null {
  const p = (k: string) => spec.parameters[`projection.${column}.${k}`];
  const type = p("type")?.trim().toLowerCase();
  if (type === "enum") {
    return (p("values") ?? "").split(",").includes(value) ? null : `${value} is not one of ${p("values")}`;
  }
  if (type === "integer") {
    const [lo, hi] = (p("range") ?? "").split(",").map((x) => Number(x.trim()));
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < (lo as number) || n > (hi as number)) return `${value} is outside ${p("range")}`;
    const digits = p("digits");
    if (digits !== undefined && value !== pad(n, Number(digits))) return `${value} does not have ${digits} digits`;
    return null;
  }
  if (type === "date") {
    const format = p("format") ?? "";
    if (!javaPatternRegex(format).test(value)) return `${value} is not in the format ${format}`;
    const [start, end] = (p("range") ?? "").split(",");
    if (end?.trim() !== "NOW") return `range ${p("range")} does not end at NOW`;
    // Zero-padded, most significant first: text order is time order for these formats.
    if (value < (start as string)) return `${value} is before the range start ${start}`;
    if (format === "yyyy" && Number(value) > now.getUTCFullYear()) return `${value} is after NOW`;
    return null;
  }
  return `no projection type for ${column}`;
}
