// Estate files: what exists in AWS before Cordon arrives (VPCs, subnets, network ACLs, load
// balancers, buckets, web ACLs, IP sets, access keys). Parsed from YAML (or JSON) with every
// problem reported at file:line:col, normalised (ids filled in, references resolved), then handed
// to each service module's `seed()`, region by region, in registry order.

import { readFileSync } from "node:fs";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { canonicalIpv4Cidr, canonicalIpv6Cidr, ipv4CidrContains } from "./cidr.js";
import { SandboxError } from "./errors.js";
import type { RoleTrust } from "./identity.js";
import { identities } from "./identity.js";
import {
  ApiError,
  type Estate,
  type EstateLoadBalancer,
  type EstateNaclEntry,
  type EstateVpc,
  type RegionEstate,
  type ServiceContext,
  type ServiceModule,
} from "./types.js";

/** A bad estate: `details` holds one `file:line:col: message` line per problem. */
export class EstateError extends SandboxError {
  constructor(message: string, details: readonly string[] = []) {
    super("usage", message, details);
  }
}

type Path = readonly (string | number)[];
interface Problem {
  readonly path: Path;
  readonly message: string;
  /** Report at the last key itself rather than its value (unknown fields). */
  readonly atKey?: boolean;
}

export function loadEstateFile(file: string): Estate {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new SandboxError(
      "usage",
      `cannot read estate file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return parseEstateText(text, file);
}

/** Parses YAML or JSON text; throws EstateError listing every problem with its position. */
export function parseEstateText(text: string, source: string): Estate {
  if (text.trimStart().startsWith("{")) {
    // Fast path for (large, generated) JSON estates; positions are only computed when there are problems.
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (value !== undefined) {
      const problems: Problem[] = [];
      const estate = checkEstate(value, problems);
      if (problems.length === 0) return estate;
    }
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new EstateError(
      `${source} is not valid YAML`,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return `${source}:${pos?.line ?? 1}:${pos?.col ?? 1}: ${e.message.split("\n")[0]}`;
      }),
    );
  }
  const value: unknown = doc.toJS({ maxAliasCount: 1000 });
  const where = (path: Path, atKey: boolean): string => {
    const node = nodeAt(doc.contents as Node | null, path, atKey);
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = lineCounter.linePos(offset);
    return `${source}:${line}:${col}`;
  };
  return checked(value ?? {}, source, where);
}

/** Validates an estate given as an object (control API JSON, tests); problems name the field path. */
export function validateEstateObject(value: unknown, source = "estate"): Estate {
  return checked(value, source, (path) => `${source}: ${formatPath(path)}`);
}

function checked(value: unknown, source: string, where: (path: Path, atKey: boolean) => string): Estate {
  const problems: Problem[] = [];
  const estate = checkEstate(value, problems);
  if (problems.length > 0) {
    throw new EstateError(
      `${source}: ${problems.length} problem${problems.length === 1 ? "" : "s"} in the estate`,
      problems.map((p) => `${where(p.path, p.atKey === true)}: ${p.message}`),
    );
  }
  return estate;
}

function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("") || "(root)";
}

/** The deepest node along `path` (a missing key reports at its parent). */
function nodeAt(root: Node | null, path: Path, atKey = false): Node | null {
  let node: Node | null = root;
  for (const [i, key] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((it) => String(isScalar(it.key) ? it.key.value : it.key) === String(key));
      if (pair === undefined) return node;
      if (atKey && i === path.length - 1 && isScalar(pair.key)) return pair.key;
      if (!pair.value) return isScalar(pair.key) ? pair.key : node;
      node = pair.value as Node;
    } else if (isSeq(node) && typeof key === "number") {
      const item = node.items[key];
      if (item === undefined) return node;
      node = item as Node;
    } else {
      return node;
    }
  }
  return node;
}

// ---- shape checks -------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/;

function keys(v: Obj, allowed: readonly string[], path: Path, problems: Problem[]): void {
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) {
      problems.push({
        path: [...path, k],
        message: `unknown field "${k}" (expected one of: ${allowed.join(", ")})`,
        atKey: true,
      });
    }
  }
}

function str(v: Obj, key: string, path: Path, problems: Problem[], required: boolean): string | undefined {
  const x = v[key];
  if (x === undefined || x === null) {
    if (required) problems.push({ path, message: `missing required field "${key}"` });
    return undefined;
  }
  if (typeof x === "number" || typeof x === "boolean") return String(x);
  if (typeof x !== "string") {
    problems.push({ path: [...path, key], message: `"${key}" must be a string` });
    return undefined;
  }
  return x;
}

function list(v: Obj, key: string, path: Path, problems: Problem[]): unknown[] {
  const x = v[key];
  if (x === undefined || x === null) return [];
  if (!Array.isArray(x)) {
    problems.push({ path: [...path, key], message: `"${key}" must be a list` });
    return [];
  }
  return x;
}

function tags(v: Obj, path: Path, problems: Problem[]): Record<string, string> | undefined {
  const x = v["tags"];
  if (x === undefined || x === null) return undefined;
  if (!isObj(x)) {
    problems.push({ path: [...path, "tags"], message: `"tags" must be a mapping of key: value` });
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(x)) {
    if (val !== null && typeof val === "object") {
      problems.push({ path: [...path, "tags", k], message: `tag "${k}" must have a string value` });
    } else out[k] = val === null || val === undefined ? "" : String(val);
  }
  if (Object.keys(out).length > 50) problems.push({ path: [...path, "tags"], message: "at most 50 tags per resource" });
  return out;
}

function checkEstate(value: unknown, problems: Problem[]): Estate {
  if (!isObj(value)) {
    problems.push({ path: [], message: "an estate must be a mapping with accounts:, accessKeys:, defaultAccount:" });
    return {};
  }
  keys(value, ["apiVersion", "kind", "defaultAccount", "accessKeys", "accounts"], [], problems);
  if (value["kind"] !== undefined && value["kind"] !== "Estate") {
    problems.push({ path: ["kind"], message: 'kind must be "Estate" in an estate file' });
  }
  const defaultAccount = str(value, "defaultAccount", [], problems, false);
  if (defaultAccount !== undefined && !ACCOUNT.test(defaultAccount)) {
    problems.push({ path: ["defaultAccount"], message: "defaultAccount must be a 12-digit account id" });
  }
  const accessKeys: Record<string, { account: string; allow?: string[]; arn?: string; trust?: RoleTrust }> = {};
  const ak = value["accessKeys"];
  if (ak !== undefined && ak !== null && !isObj(ak)) {
    problems.push({ path: ["accessKeys"], message: "accessKeys must be a mapping of access key id (or role ARN)" });
  } else if (isObj(ak)) {
    for (const [id, entry] of Object.entries(ak)) {
      const path = ["accessKeys", id];
      if (!isObj(entry)) {
        problems.push({ path, message: "an access key entry needs account: (and optionally allow:)" });
        continue;
      }
      keys(entry, ["account", "allow", "arn", "trust"], path, problems);
      const account = str(entry, "account", path, problems, true);
      if (account !== undefined && !ACCOUNT.test(account)) {
        problems.push({ path: [...path, "account"], message: "account must be a 12-digit account id" });
      }
      const allow = entry["allow"] === undefined ? undefined : list(entry, "allow", path, problems);
      allow?.forEach((a, i) => {
        if (typeof a !== "string" || !/^([a-z0-9-]+:[A-Za-z0-9*?]+|\*)$/.test(a)) {
          problems.push({
            path: [...path, "allow", i],
            message: `"${String(a)}" is not an IAM action pattern like ec2:Describe*`,
          });
        }
      });
      const arn = str(entry, "arn", path, problems, false);
      const trust =
        entry["trust"] === undefined ? undefined : checkTrust(entry["trust"], id, [...path, "trust"], problems);
      accessKeys[id] = {
        account: account ?? "",
        ...(allow !== undefined ? { allow: allow.map(String) } : {}),
        ...(arn !== undefined ? { arn } : {}),
        ...(trust !== undefined ? { trust } : {}),
      };
    }
  }
  const accounts: Record<string, { regions: Record<string, RegionEstate> }> = {};
  const acc = value["accounts"];
  if (acc !== undefined && acc !== null && !isObj(acc)) {
    problems.push({ path: ["accounts"], message: "accounts must be a mapping of 12-digit account id" });
  } else if (isObj(acc)) {
    for (const [account, a] of Object.entries(acc)) {
      const path = ["accounts", account];
      if (!ACCOUNT.test(account))
        problems.push({ path, message: `"${account}" is not a 12-digit account id (quote it)` });
      if (!isObj(a)) {
        problems.push({ path, message: "an account needs regions:" });
        continue;
      }
      keys(a, ["regions"], path, problems);
      const regions: Record<string, RegionEstate> = {};
      const r = a["regions"];
      if (r !== undefined && r !== null && !isObj(r)) {
        problems.push({ path: [...path, "regions"], message: "regions must be a mapping of region name" });
      } else if (isObj(r)) {
        for (const [region, re] of Object.entries(r)) {
          const rpath = [...path, "regions", region];
          if (!REGION.test(region)) problems.push({ path: rpath, message: `"${region}" is not an AWS region name` });
          regions[region] = checkRegion(re ?? {}, rpath, problems);
        }
      }
      accounts[account] = { regions };
    }
  }
  return {
    ...(defaultAccount !== undefined ? { defaultAccount } : {}),
    accessKeys,
    accounts,
  };
}

const PRINCIPAL = /^(\*|\d{12}|arn:aws[a-z-]*:(iam::\d{12}:(root|user\/[\w+=,.@/-]+|role\/[\w+=,.@/-]+)))$/;

/** `trust: { principals: [...], externalId? }` of a role ARN's entry. */
function checkTrust(value: unknown, id: string, path: Path, problems: Problem[]): RoleTrust | undefined {
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\//.test(id)) {
    problems.push({ path, message: "trust: is for role ARN entries (arn:aws:iam::<account>:role/<name>)" });
    return undefined;
  }
  if (!isObj(value)) {
    problems.push({ path, message: "trust must be a mapping with principals: (and optionally externalId:)" });
    return undefined;
  }
  keys(value, ["principals", "externalId"], path, problems);
  const principals = list(value, "principals", path, problems);
  principals.forEach((p, i) => {
    if (typeof p !== "string" || !PRINCIPAL.test(p)) {
      problems.push({
        path: [...path, "principals", i],
        message: `"${String(p)}" is not a principal: a 12-digit account id, arn:aws:iam::<account>:root, a user or role ARN, or *`,
      });
    }
  });
  const externalId = str(value, "externalId", path, problems, false);
  return { principals: principals.map(String), ...(externalId !== undefined ? { externalId } : {}) };
}

function checkRegion(value: unknown, path: Path, problems: Problem[]): RegionEstate {
  if (!isObj(value)) {
    problems.push({ path, message: "a region must be a mapping (vpcs:, loadBalancers:, buckets:, webAcls:, ipSets:)" });
    return {};
  }
  keys(value, ["vpcs", "loadBalancers", "buckets", "webAcls", "ipSets"], path, problems);
  const vpcs = list(value, "vpcs", path, problems).map((v, i) => checkVpc(v, [...path, "vpcs", i], problems));
  const seenIds = new Set<string>();
  vpcs.forEach((v, i) => {
    const ids = [v.id, ...(v.subnets ?? []).map((s) => s.id), ...(v.networkAcls ?? []).map((a) => a.id)];
    for (const id of ids) {
      if (id === undefined) continue;
      if (seenIds.has(id)) problems.push({ path: [...path, "vpcs", i], message: `id ${id} is declared twice` });
      seenIds.add(id);
    }
  });
  const lbNames = new Set<string>();
  const loadBalancers = list(value, "loadBalancers", path, problems).map((lb, i) => {
    const p = [...path, "loadBalancers", i];
    const out = checkLoadBalancer(lb, p, vpcs, problems);
    if (lbNames.has(out.name)) problems.push({ path: p, message: `load balancer name ${out.name} is declared twice` });
    lbNames.add(out.name);
    return out;
  });
  // Buckets, web ACLs and IP sets belong to the s3 / wafv2 modules, which validate them in seed();
  // here only their common shape is checked.
  const named = (key: "buckets" | "webAcls" | "ipSets") =>
    list(value, key, path, problems).map((x, i) => {
      const p = [...path, key, i];
      if (!isObj(x)) {
        problems.push({ path: p, message: `each of ${key} must be a mapping with name:` });
        return { name: "" };
      }
      str(x, "name", p, problems, true);
      tags(x, p, problems);
      return x;
    });
  return {
    vpcs,
    loadBalancers,
    buckets: named("buckets") as unknown as RegionEstate["buckets"] & object,
    webAcls: named("webAcls") as unknown as RegionEstate["webAcls"] & object,
    ipSets: named("ipSets") as unknown as RegionEstate["ipSets"] & object,
  };
}

function checkId(v: Obj, prefix: string, path: Path, problems: Problem[]): string | undefined {
  const id = str(v, "id", path, problems, false);
  if (id !== undefined && !new RegExp(`^${prefix}-[0-9a-f]{8,17}$`).test(id)) {
    problems.push({
      path: [...path, "id"],
      message: `"${id}" is not a ${prefix} id (${prefix}- and 8 or 17 hex digits)`,
    });
  }
  return id;
}

function checkVpc(value: unknown, path: Path, problems: Problem[]): EstateVpc {
  if (!isObj(value)) {
    problems.push({ path, message: "a VPC must be a mapping with cidr:" });
    return { cidr: "" };
  }
  keys(value, ["id", "cidr", "ipv6Cidr", "tags", "subnets", "networkAcls", "defaultNetworkAclEntries"], path, problems);
  const id = checkId(value, "vpc", path, problems);
  const rawCidr = str(value, "cidr", path, problems, true);
  const cidr = rawCidr === undefined ? undefined : canonicalIpv4Cidr(rawCidr);
  if (rawCidr !== undefined) {
    const prefix = Number(rawCidr.split("/")[1]);
    if (cidr === null || prefix < 16 || prefix > 28) {
      problems.push({ path: [...path, "cidr"], message: `"${rawCidr}" is not an IPv4 CIDR between /16 and /28` });
    }
  }
  const ipv6Cidr = v6(value, path, problems);
  type Acl = { id?: string; tags?: Record<string, string>; entries?: EstateNaclEntry[] };
  const acls = list(value, "networkAcls", path, problems).map((a, i): Acl => {
    const p = [...path, "networkAcls", i];
    if (!isObj(a)) {
      problems.push({ path: p, message: "a network ACL must be a mapping (id:, tags:, entries:)" });
      return {};
    }
    keys(a, ["id", "tags", "entries"], p, problems);
    const aclId = checkId(a, "acl", p, problems);
    const t = tags(a, p, problems);
    return {
      ...(aclId !== undefined ? { id: aclId } : {}),
      ...(t !== undefined ? { tags: t } : {}),
      entries: entries(a, "entries", p, problems),
    };
  });
  const aclRefs = new Set(acls.flatMap((a) => [a.id, a.tags?.["Name"]].filter((x): x is string => x !== undefined)));
  const subnets = list(value, "subnets", path, problems).map((s, i) => {
    const p = [...path, "subnets", i];
    if (!isObj(s)) {
      problems.push({ path: p, message: "a subnet must be a mapping with cidr:" });
      return { cidr: "" };
    }
    keys(s, ["id", "cidr", "ipv6Cidr", "availabilityZone", "tags", "networkAcl"], p, problems);
    const sid = checkId(s, "subnet", p, problems);
    const raw = str(s, "cidr", p, problems, true);
    const c = raw === undefined ? undefined : canonicalIpv4Cidr(raw);
    if (raw !== undefined && (c === null || c === undefined)) {
      problems.push({ path: [...p, "cidr"], message: `"${raw}" is not an IPv4 CIDR` });
    } else if (c && cidr && !ipv4CidrContains(cidr, c)) {
      problems.push({ path: [...p, "cidr"], message: `subnet CIDR ${c} is not inside the VPC CIDR ${cidr}` });
    }
    const az = str(s, "availabilityZone", p, problems, false);
    const nacl = str(s, "networkAcl", p, problems, false);
    if (nacl !== undefined && !aclRefs.has(nacl)) {
      problems.push({
        path: [...p, "networkAcl"],
        message: `no network ACL "${nacl}" (id or Name tag) in this VPC's networkAcls`,
      });
    }
    const t = tags(s, p, problems);
    const sv6 = v6(s, p, problems);
    return {
      ...(sid !== undefined ? { id: sid } : {}),
      cidr: c ?? raw ?? "",
      ...(sv6 !== undefined ? { ipv6Cidr: sv6 } : {}),
      ...(az !== undefined ? { availabilityZone: az } : {}),
      ...(t !== undefined ? { tags: t } : {}),
      ...(nacl !== undefined ? { networkAcl: nacl } : {}),
    };
  });
  const t = tags(value, path, problems);
  return {
    ...(id !== undefined ? { id } : {}),
    cidr: cidr ?? rawCidr ?? "",
    ...(ipv6Cidr !== undefined ? { ipv6Cidr } : {}),
    ...(t !== undefined ? { tags: t } : {}),
    subnets,
    networkAcls: acls,
    defaultNetworkAclEntries: entries(value, "defaultNetworkAclEntries", path, problems),
  };
}

function v6(v: Obj, path: Path, problems: Problem[]): string | undefined {
  const raw = str(v, "ipv6Cidr", path, problems, false);
  if (raw === undefined) return undefined;
  const c = canonicalIpv6Cidr(raw);
  if (c === null) problems.push({ path: [...path, "ipv6Cidr"], message: `"${raw}" is not an IPv6 CIDR` });
  return c ?? raw;
}

function entries(v: Obj, key: string, path: Path, problems: Problem[]): EstateNaclEntry[] {
  const seen = new Set<string>();
  return list(v, key, path, problems).map((e, i) => {
    const p = [...path, key, i];
    if (!isObj(e)) {
      problems.push({ path: p, message: "an entry needs ruleNumber:, egress:, action:, cidr:" });
      return { ruleNumber: 0, egress: false, action: "deny", cidr: "" };
    }
    keys(e, ["ruleNumber", "egress", "action", "cidr", "protocol", "portRange"], p, problems);
    const rn = e["ruleNumber"];
    if (typeof rn !== "number" || !Number.isInteger(rn) || rn < 1 || rn > 32766) {
      problems.push({ path: [...p, "ruleNumber"], message: "ruleNumber must be an integer from 1 to 32766" });
    }
    const egress = e["egress"] ?? false;
    if (typeof egress !== "boolean") problems.push({ path: [...p, "egress"], message: "egress must be true or false" });
    const action = e["action"];
    if (action !== "allow" && action !== "deny") {
      problems.push({ path: [...p, "action"], message: 'action must be "allow" or "deny"' });
    }
    const raw = str(e, "cidr", p, problems, true);
    const cidr = raw === undefined ? undefined : (canonicalIpv4Cidr(raw) ?? canonicalIpv6Cidr(raw));
    if (raw !== undefined && cidr === null) problems.push({ path: [...p, "cidr"], message: `"${raw}" is not a CIDR` });
    const protocol = str(e, "protocol", p, problems, false) ?? "-1";
    if (!/^(-1|\d{1,3})$/.test(protocol) || Number(protocol) > 255) {
      problems.push({ path: [...p, "protocol"], message: 'protocol must be "-1" (all) or an IANA number such as "6"' });
    }
    const pr = e["portRange"];
    let portRange: { from: number; to: number } | undefined;
    if (pr !== undefined) {
      const ok =
        isObj(pr) &&
        Number.isInteger(pr["from"]) &&
        Number.isInteger(pr["to"]) &&
        (pr["from"] as number) >= 0 &&
        (pr["to"] as number) <= 65535 &&
        (pr["from"] as number) <= (pr["to"] as number);
      if (!ok)
        problems.push({
          path: [...p, "portRange"],
          message: "portRange must be { from, to } with 0 <= from <= to <= 65535",
        });
      else portRange = { from: pr["from"] as number, to: pr["to"] as number };
    }
    if ((protocol === "6" || protocol === "17") && portRange === undefined) {
      problems.push({ path: p, message: "protocol 6 (TCP) and 17 (UDP) entries need portRange" });
    }
    const k = `${String(egress)}/${String(rn)}`;
    if (seen.has(k))
      problems.push({
        path: [...p, "ruleNumber"],
        message: `rule ${String(rn)} (${egress ? "egress" : "ingress"}) is declared twice`,
      });
    seen.add(k);
    return {
      ruleNumber: rn as number,
      egress: egress === true,
      action: action === "allow" ? "allow" : "deny",
      cidr: cidr ?? raw ?? "",
      protocol,
      ...(portRange !== undefined ? { portRange } : {}),
    };
  });
}

function checkLoadBalancer(
  value: unknown,
  path: Path,
  vpcs: readonly EstateVpc[],
  problems: Problem[],
): EstateLoadBalancer {
  if (!isObj(value)) {
    problems.push({ path, message: "a load balancer must be a mapping with name:" });
    return { name: "" };
  }
  keys(value, ["name", "vpc", "type", "scheme", "tags"], path, problems);
  const name = str(value, "name", path, problems, true) ?? "";
  if ((name !== "" && !/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$/.test(name)) || name.startsWith("internal-")) {
    problems.push({
      path: [...path, "name"],
      message: `"${name}" is not a load balancer name (1-32 letters, digits, hyphens)`,
    });
  }
  const vpc = str(value, "vpc", path, problems, false);
  if (vpc !== undefined && resolveVpcRef(vpc, vpcs) === undefined) {
    problems.push({
      path: [...path, "vpc"],
      message: `no VPC "${vpc}" in this region (use an id, a Name tag or vpc#<index>)`,
    });
  }
  if (vpc === undefined && vpcs.length === 0) {
    problems.push({ path, message: "a load balancer needs a VPC in its region" });
  }
  const type = str(value, "type", path, problems, false);
  if (type !== undefined && type !== "application" && type !== "network") {
    problems.push({ path: [...path, "type"], message: 'type must be "application" or "network"' });
  }
  const scheme = str(value, "scheme", path, problems, false);
  if (scheme !== undefined && scheme !== "internet-facing" && scheme !== "internal") {
    problems.push({ path: [...path, "scheme"], message: 'scheme must be "internet-facing" or "internal"' });
  }
  const t = tags(value, path, problems);
  return {
    name,
    ...(vpc !== undefined ? { vpc } : {}),
    ...(type === "network" || type === "application" ? { type } : {}),
    ...(scheme === "internal" || scheme === "internet-facing" ? { scheme } : {}),
    ...(t !== undefined ? { tags: t } : {}),
  };
}

/** A VPC reference in an estate: its id, its Name tag, or `vpc#<index>`. Returns the index. */
function resolveVpcRef(ref: string, vpcs: readonly EstateVpc[]): number | undefined {
  const m = /^vpc#(\d+)$/.exec(ref);
  if (m) return Number(m[1]) < vpcs.length ? Number(m[1]) : undefined;
  const i = vpcs.findIndex((v) => v.id === ref || v.tags?.["Name"] === ref);
  return i < 0 ? undefined : i;
}

// ---- normalising and seeding --------------------------------------------------------------------

/** Fills in missing ids and availability zones and resolves load-balancer VPC references to ids. */
export function normaliseRegion(region: string, estate: RegionEstate, newId: (prefix: string) => string): RegionEstate {
  const vpcs: EstateVpc[] = (estate.vpcs ?? []).map((v) => {
    const networkAcls = (v.networkAcls ?? []).map((a) => ({ ...a, id: a.id ?? newId("acl-") }));
    return {
      ...v,
      id: v.id ?? newId("vpc-"),
      networkAcls,
      subnets: (v.subnets ?? []).map((s, i) => {
        const acl =
          s.networkAcl === undefined
            ? undefined
            : networkAcls.find((a) => a.id === s.networkAcl || a.tags?.["Name"] === s.networkAcl);
        return {
          ...s,
          id: s.id ?? newId("subnet-"),
          availabilityZone: s.availabilityZone ?? `${region}${"abc"[i % 3]}`,
          ...(acl !== undefined ? { networkAcl: acl.id } : {}),
        };
      }),
    };
  });
  const loadBalancers = (estate.loadBalancers ?? []).map((lb) => {
    const i = lb.vpc === undefined ? 0 : resolveVpcRef(lb.vpc, estate.vpcs ?? []);
    const vpc = i === undefined ? lb.vpc : vpcs[i]?.id;
    return { ...lb, ...(vpc !== undefined ? { vpc } : {}) };
  });
  return { ...estate, vpcs, loadBalancers };
}

/** Seeds identities and every region of every account through the modules' `seed()`, in order. */
export function seedEstate(estate: Estate, ctx: ServiceContext, modules: readonly ServiceModule[]): void {
  const ids = identities(ctx);
  if (estate.defaultAccount !== undefined) ids.defaultAccount = estate.defaultAccount;
  for (const [key, entry] of Object.entries(estate.accessKeys ?? {})) ids.accessKeys[key] = entry;
  const problems: string[] = [];
  for (const [account, a] of Object.entries(estate.accounts ?? {})) {
    for (const [region, r] of Object.entries(a.regions ?? {})) {
      const normalised = normaliseRegion(region, r, (p) => ctx.newId(p));
      for (const m of modules) {
        try {
          m.seed?.(normalised, account, region, ctx);
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          problems.push(`accounts.${account}.regions.${region} (${m.name}): ${e.code}: ${e.message}`);
        }
      }
    }
  }
  if (problems.length > 0) throw new EstateError("the estate conflicts with the sandbox's state", problems);
  ctx.touch();
}
