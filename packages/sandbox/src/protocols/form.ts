// Form-parameter helpers for the ec2 protocol (flat `Key.N` lists) and the query protocol (`Key.member.N`).
// ec2 lists are flattened (`VpcId.1`, `Filter.1.Value.2`); query lists use `.member.N`.
// Indexes are 1-based and may arrive in any order; a key with an empty value counts as absent.

/** The values of `Key.1`, `Key.2`, … in index order (ec2 protocol). */
export function flatList(form: URLSearchParams, key: string): string[] {
  return indexed(form, `${key}.`, (rest) => (/^\d+$/.test(rest) ? Number(rest) : null));
}

/** The values of `Key.member.1`, … in index order (query protocol). */
export function memberList(form: URLSearchParams, key: string): string[] {
  return flatList(form, `${key}.member`);
}

function indexed(form: URLSearchParams, prefix: string, index: (rest: string) => number | null): string[] {
  const found: [number, string][] = [];
  for (const [k, v] of form) {
    if (!k.startsWith(prefix) || v === "") continue;
    const n = index(k.slice(prefix.length));
    if (n !== null) found.push([n, v]);
  }
  found.sort((a, b) => a[0] - b[0]);
  return found.map(([, v]) => v);
}

/**
 * Groups `Prefix.N.Rest=value` into one record per N (index order): { Rest: value }.
 * Used for `Tag.N.Key/Value`, `TagSpecification.N.…`, `Filter.N.…`.
 */
export function groups(form: URLSearchParams, prefix: string): Record<string, string>[] {
  const byIndex = new Map<number, Record<string, string>>();
  const p = `${prefix}.`;
  for (const [k, v] of form) {
    if (!k.startsWith(p)) continue;
    const rest = k.slice(p.length);
    const dot = rest.indexOf(".");
    if (dot <= 0) continue;
    const n = rest.slice(0, dot);
    if (!/^\d+$/.test(n)) continue;
    const i = Number(n);
    let g = byIndex.get(i);
    if (g === undefined) {
      g = {};
      byIndex.set(i, g);
    }
    g[rest.slice(dot + 1)] = v;
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, g]) => g);
}

/** Values of `Sub.1`, `Sub.2`, … inside one group produced by `groups` (e.g. `Value.M` of a filter). */
export function groupList(group: Readonly<Record<string, string>>, key: string): string[] {
  return flatList(new URLSearchParams(Object.entries(group)), key);
}

export interface Filter {
  readonly name: string;
  readonly values: readonly string[];
}

/** EC2 `Filter.N.Name` / `Filter.N.Value.M`. */
export function ec2Filters(form: URLSearchParams): Filter[] {
  const out: Filter[] = [];
  for (const g of groups(form, "Filter")) {
    const name = g["Name"];
    if (name === undefined || name === "") continue;
    out.push({ name, values: groupList(g, "Value") });
  }
  return out;
}

/** Tags from `Prefix.N.Key` / `Prefix.N.Value` (value may be empty). */
export function tagList(form: URLSearchParams, prefix: string): { key: string; value: string | undefined }[] {
  return groups(form, prefix)
    .filter((g) => g["Key"] !== undefined)
    .map((g) => ({ key: g["Key"] as string, value: g["Value"] }));
}

export function parseBool(value: string | null | undefined): boolean | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  return value.toLowerCase() === "true";
}
