// ec2.naclEntries — Cordon's rule-number band in one network ACL. name = ACL id.
//
// Ownership: the band (docs/architecture.md, "Ownership lives in AWS"). Nothing outside band.first..band.last is ever created,
// replaced or deleted; every call is checked against the band before it is made. The ACL also
// carries the tag NACL_BAND_TAG = "<first>-<last>" once Cordon has written its band, so that a band
// no policy declares any more is discovered and emptied, and the tag cordon:policy naming the
// declaring policy, whose blockedAddresses mode the emptying then follows (kept in no-delete mode).
//
// First claim: entries inside the declared band that the band tag does not cover (no tag, or a
// tag for another band) were not written by Cordon. They are foreign: the plan refuses the band,
// listing them, unless the policy says networkAcls.adopt: true; then they become Cordon's and the
// transition replaces or removes them like any entry in the band (each shown in the plan). Once
// the tag covers the band, whatever appears inside it is drift and is corrected.
//
// Observation is batched (docs/architecture.md, "Batched reads"): ONE paginated DescribeNetworkAcls per (account,
// region) and pass serves every ACL observed and the discovery. The observation exists when the
// ACL has entries in the band or carries the band tag; its fingerprint covers ALL the ACL's entries
// (the allocation of numbers and the capacity check depend on the entries outside the band too).
//
// create / update execute naclOperations(live, desired) in order — CreateNetworkAclEntry on free
// numbers, ReplaceNetworkAclEntry for in-place swaps, DeleteNetworkAclEntry last — so that a block
// present before and still declared is never missing (docs/architecture.md, "A security control never lapses"). Idempotent: an
// engine-level retry replays the same operations, where NetworkAclEntryAlreadyExists with the same
// content and InvalidNetworkAclEntry.NotFound on delete are success.
import type { NetworkAcl } from "@aws-sdk/client-ec2";
import { errorCode, isAlreadyExists, isNotFound } from "../aws/errors.js";
import { networkAclInfo, readNetworkAcls } from "../aws/inventory.js";
import type { Ec2Port, TargetPorts } from "../aws/ports.js";
import { cidrEquals } from "../domain/cidr.js";
import { fingerprint } from "../domain/fingerprint.js";
import {
  bandTagValue,
  directionName,
  entryBlock,
  inBand,
  liveNaclSpec,
  NACL_BAND_TAG,
  type NaclOp,
  naclEntriesDiff,
  naclOperations,
  naclOrderProblems,
} from "../domain/nacl.js";
import { ConflictError } from "../model/errors.js";
import { ABSENT_FINGERPRINT, type Address, makeAddress, type Observation } from "../model/resource.js";
import {
  type NaclBand,
  type NaclBandEntry,
  type NaclEntriesSpec,
  type NaclEntry,
  OWNERSHIP,
  type Tags,
} from "../model/specs.js";
import { batcher, type Settled } from "./batch.js";
import { type Discovered, type Handler, type HandlerContext, type KindDescriptor, startEarly } from "./contract.js";

type Ctx = HandlerContext<TargetPorts>;
type Live = Observation<NaclEntriesSpec> & { exists: true };

const bandText = bandTagValue;

function bandOfTag(value: string | undefined): NaclBand | null {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(value ?? "");
  if (m === null) return null;
  const first = Number(m[1]);
  const last = Number(m[2]);
  return first >= 1 && first <= last && last <= 32766 ? { first, last } : null;
}

/** Every network ACL of the target, read once per pass. */
function allAcls(ctx: Ctx): Promise<readonly NetworkAcl[]> {
  return ctx.memo("ec2.networkAcls", () => readNetworkAcls(ctx.aws));
}

/**
 * The ACLs of the target where Cordon has written a band (tag NACL_BAND_TAG), read once per pass
 * with a tag-key filter: discovery in a target whose policies declare no blocking costs one small
 * answer, not every ACL of thousands of VPCs.
 */
function bandedAcls(ctx: Ctx): Promise<readonly NetworkAcl[]> {
  return ctx.memo("ec2.networkAcls.banded", async () => {
    const ec2 = await ctx.aws.ec2();
    const out: NetworkAcl[] = [];
    let token: string | undefined;
    do {
      const page = await ec2.describeNetworkAcls({
        Filters: [{ Name: "tag-key", Values: [NACL_BAND_TAG] }],
        MaxResults: 1000,
        ...(token !== undefined ? { NextToken: token } : {}),
      });
      out.push(...(page.NetworkAcls ?? []));
      token = page.NextToken !== undefined && page.NextToken !== "" ? page.NextToken : undefined;
    } while (token !== undefined);
    return out;
  });
}

const tagOf = (acl: NetworkAcl, key: string): string | undefined => acl.Tags?.find((t) => t.Key === key)?.Value;
const bandTagOf = (acl: NetworkAcl): string | undefined => tagOf(acl, NACL_BAND_TAG);

/** Cordon's tags on the ACL: the band, and the policy (and its set) that declares it. */
function cordonTags(acl: NetworkAcl): Tags {
  const out: Record<string, string> = {};
  for (const key of [NACL_BAND_TAG, OWNERSHIP.policyTagKey, OWNERSHIP.setTagKey]) {
    const value = tagOf(acl, key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The band entries the ACL's band tag does not cover: Cordon did not write them. */
function foreignEntries(entries: readonly NaclBandEntry[], tag: string | undefined): NaclBandEntry[] {
  const claimed = bandOfTag(tag);
  return entries.filter((e) => claimed === null || !inBand(claimed, e.ruleNumber));
}

const PROTOCOL_NAMES: Readonly<Record<string, string>> = {
  "-1": "all traffic",
  "1": "icmp",
  "6": "tcp",
  "17": "udp",
  "58": "icmpv6",
};

/** "50 inbound allow tcp ports 443 from 10.0.0.0/8": rule number, direction, action, what, CIDR. */
export function describeBandEntry(e: NaclBandEntry): string {
  const protocol = PROTOCOL_NAMES[e.protocol] ?? `protocol ${e.protocol}`;
  const ports =
    e.portRange === undefined
      ? ""
      : e.portRange.from === e.portRange.to
        ? ` port ${e.portRange.from}`
        : ` ports ${e.portRange.from}–${e.portRange.to}`;
  const icmp = e.icmpTypeCode === undefined ? "" : ` type ${e.icmpTypeCode.type} code ${e.icmpTypeCode.code}`;
  const dir = directionName(e.egress);
  return `${e.ruleNumber} ${dir} ${e.action} ${protocol}${ports}${icmp} ${dir === "inbound" ? "from" : "to"} ${e.cidr}`;
}

function observation(acl: NetworkAcl, band: NaclBand, entryQuota: number): Observation<NaclEntriesSpec> {
  const info = networkAclInfo(acl);
  if (info === null) return { exists: false, fingerprint: ABSENT_FINGERPRINT };
  const spec = liveNaclSpec(info, band, entryQuota);
  const tag = bandTagOf(acl);
  const fp = fingerprint({ id: info.id, entries: [...spec.entries, ...spec.others], tag: tag ?? null });
  if (spec.entries.length === 0 && tag !== bandText(band)) return { exists: false, fingerprint: fp };
  return {
    exists: true,
    live: spec,
    meta: {
      id: info.id,
      fingerprint: fp,
      owned: foreignEntries(spec.entries, tag).length === 0,
      tags: cordonTags(acl),
    },
  };
}

/** The ACL as it is now (one DescribeNetworkAcls for this ACL); throws when it does not exist. */
async function readAcl(ec2: Ec2Port, aclId: string): Promise<NetworkAcl> {
  const r = await ec2.describeNetworkAcls({ NetworkAclIds: [aclId] });
  const acl = r.NetworkAcls?.find((a) => a.NetworkAclId === aclId);
  if (acl === undefined) throw new ConflictError(`network ACL ${aclId} no longer exists`);
  return acl;
}

const sameEntry = (a: NaclEntry | undefined, cidr: string): boolean => {
  if (a === undefined || a.action !== "deny" || a.protocol !== "-1") return false;
  const x = entryBlock(a);
  const y = entryBlock({ cidr });
  return x !== null && y !== null && cidrEquals(x, y);
};

function cidrMember(cidr: string): { CidrBlock: string } | { Ipv6CidrBlock: string } {
  return entryBlock({ cidr })?.family === "ipv6" ? { Ipv6CidrBlock: cidr } : { CidrBlock: cidr };
}

/**
 * Executes `ops` in order against `aclId`. Refuses any op outside `band` before making a call.
 * create on an existing number: success when the entry there is the same deny, a ConflictError
 * otherwise (someone wrote into Cordon's band since the plan). replace of a missing entry creates
 * it (it is missing anyway: creating it closes the gap). delete of a missing entry: success.
 */
export async function executeNaclOps(
  ec2: Ec2Port,
  aclId: string,
  band: NaclBand,
  ops: readonly NaclOp[],
): Promise<void> {
  for (const op of ops) {
    if (!inBand(band, op.ruleNumber)) {
      throw new ConflictError(
        `refusing to touch rule ${op.ruleNumber} of network ACL ${aclId}: outside Cordon's band ${band.first}–${band.last}`,
      );
    }
  }
  for (const op of ops) {
    const key = { NetworkAclId: aclId, RuleNumber: op.ruleNumber, Egress: op.egress };
    switch (op.op) {
      case "create":
      case "replace": {
        const input = { ...key, Protocol: "-1", RuleAction: "deny" as const, ...cidrMember(op.cidr) };
        if (op.op === "replace") {
          try {
            await ec2.replaceNetworkAclEntry(input);
            break;
          } catch (e) {
            if (errorCode(e) !== "InvalidNetworkAclEntry.NotFound") throw e;
          }
        }
        try {
          await ec2.createNetworkAclEntry(input);
        } catch (e) {
          if (!isAlreadyExists(e)) throw e;
          const now = networkAclInfo(await readAcl(ec2, aclId));
          const there = now?.entries.find((x) => x.egress === op.egress && x.ruleNumber === op.ruleNumber);
          if (!sameEntry(there, op.cidr)) {
            throw new ConflictError(
              `network ACL ${aclId}: ${directionName(op.egress)} rule ${op.ruleNumber} was taken by another entry since the plan was made; run cordon plan again`,
            );
          }
        }
        break;
      }
      case "delete":
        try {
          await ec2.deleteNetworkAclEntry(key);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
        break;
    }
  }
}

/** Live entries (band + others) in the model's shape, from an observed spec. */
function liveEntries(spec: NaclEntriesSpec): NaclEntry[] {
  const band = spec.entries.map((e: NaclBandEntry): NaclEntry => {
    const v6 = entryBlock(e)?.family === "ipv6";
    return {
      ruleNumber: e.ruleNumber,
      egress: e.egress,
      action: e.action,
      protocol: e.protocol,
      ...(v6 ? { ipv6Cidr: e.cidr } : { cidr: e.cidr }),
      ...(e.portRange !== undefined ? { portRange: e.portRange } : {}),
      ...(e.icmpTypeCode !== undefined ? { icmpTypeCode: e.icmpTypeCode } : {}),
    };
  });
  return [...band, ...spec.others];
}

/**
 * Tags the ACL first (band and declaring policy: the band is discoverable before anything is written
 * in it, and bands started together share one CreateTags), then executes the operations.
 */
async function converge(ctx: Ctx, spec: NaclEntriesSpec, live: readonly NaclEntry[], tags: Tags) {
  const ec2 = await ctx.aws.ec2();
  const want: Tags = {
    [NACL_BAND_TAG]: bandText(spec.band),
    ...(spec.policy !== undefined ? { [OWNERSHIP.policyTagKey]: spec.policy } : {}),
    ...(spec.set !== undefined ? { [OWNERSHIP.setTagKey]: spec.set } : {}),
  };
  const set = Object.entries(want).filter(([k, v]) => tags[k] !== v);
  if (set.length > 0) {
    const tagging = await ctx.memo("ec2.naclEntries.tagBatcher", async () => tagBatcher(ec2));
    await tagging.add(JSON.stringify(set), { aclId: spec.aclId, tags: set });
  }
  const ops = naclOperations(live, {
    band: spec.band,
    entryQuota: spec.entryQuota,
    entries: spec.entries.map((e) => ({ egress: e.egress, cidr: e.cidr })),
  });
  await executeNaclOps(ec2, spec.aclId, spec.band, ops);
}

/** At most this many resource ids per CreateTags call. */
const MAX_TAGGED_PER_CALL = 1000;

/**
 * Bands written together share one CreateTags call per identical set of tags: a policy applied to
 * the ACLs of 500 VPCs tags them all in one request, not 500.
 */
const tagBatcher = (ec2: Ec2Port) =>
  batcher<{ readonly aclId: string; readonly tags: readonly (readonly [string, string])[] }, void>(
    MAX_TAGGED_PER_CALL,
    async (items) => {
      const tags = items[0]!.tags.map(([Key, Value]) => ({ Key, Value }));
      try {
        await ec2.createTags({ Resources: items.map((i) => i.aclId), Tags: tags });
        return items.map((): Settled<void> => ({ ok: true, value: undefined }));
      } catch (e) {
        if (items.length === 1) throw e;
      }
      // One bad ACL fails the whole call: each ACL alone, so that only that one fails.
      return Promise.all(
        items.map(async (i): Promise<Settled<void>> => {
          try {
            await ec2.createTags({ Resources: [i.aclId], Tags: tags });
            return { ok: true, value: undefined };
          } catch (error) {
            return { ok: false, error };
          }
        }),
      );
    },
  );

export const naclEntriesHandler: Handler<NaclEntriesSpec, TargetPorts> = {
  kind: "ec2.naclEntries",
  // Never used: the band is always changed in place (the diff never asks for a replacement).

  async observe(ctx, desired) {
    const acl = (await allAcls(ctx)).find((a) => a.NetworkAclId === desired.spec.aclId);
    if (acl === undefined) return { exists: false, fingerprint: ABSENT_FINGERPRINT };
    return observation(acl, desired.spec.band, desired.spec.entryQuota);
  },

  prefetch(ctx) {
    startEarly(bandedAcls(ctx));
  },

  async discover(ctx, declared) {
    const out: Discovered<NaclEntriesSpec>[] = [];
    for (const acl of await bandedAcls(ctx)) {
      const band = bandOfTag(bandTagOf(acl));
      if (band === null || acl.NetworkAclId === undefined) continue;
      const address = makeAddress(ctx.target, "ec2.naclEntries", acl.NetworkAclId);
      if (declared.has(address)) continue;
      const obs = observation(acl, band, 20);
      if (!obs.exists) continue;
      out.push({ address, kind: "ec2.naclEntries", name: acl.NetworkAclId, target: ctx.target, observation: obs });
    }
    return out;
  },

  diff: (desired, live) => naclEntriesDiff(desired, live),

  foreign(desired, observed) {
    const tag = observed.meta.tags?.[NACL_BAND_TAG];
    const found = foreignEntries(observed.live.entries, tag);
    if (found.length === 0) return null;
    const band = desired.spec.band;
    const claimed = bandOfTag(tag);
    return {
      what: `the rule band ${band.first}–${band.last} of network ACL ${desired.spec.aclId}`,
      problem: `holds ${found.length === 1 ? "an entry" : `${found.length} entries`} Cordon did not write (${
        claimed === null ? "Cordon has never claimed a band in this ACL" : `Cordon's band there is ${bandText(claimed)}`
      })`,
      details: found.map(describeBandEntry),
    };
  },

  // The ACL as the apply pass read it: ONE DescribeNetworkAcls for every ACL the pass creates a band
  // in (the pass memo), not one per ACL. Only this change writes to this ACL, so that read is its
  // current state; an engine retry replays the same operations, which are idempotent.
  async create(ctx, desired) {
    const acl =
      (await allAcls(ctx)).find((a) => a.NetworkAclId === desired.spec.aclId) ??
      (await readAcl(await ctx.aws.ec2(), desired.spec.aclId));
    const info = networkAclInfo(acl);
    await converge(ctx, desired.spec, info?.entries ?? [], cordonTags(acl));
    return null;
  },

  async update(ctx, desired, live) {
    if (!live.meta.owned && desired.adopt !== true) {
      throw new ConflictError(
        `network ACL ${desired.spec.aclId}: the band ${bandText(desired.spec.band)} holds entries Cordon did not write; not changing them (set blockedAddresses.networkAcls.adopt: true to take them over)`,
      );
    }
    await converge(ctx, desired.spec, liveEntries(live.live), live.meta.tags ?? {});
  },

  async delete(ctx, _address: Address, live: Live) {
    const ec2 = await ctx.aws.ec2();
    const spec = live.live;
    const ops: NaclOp[] = spec.entries.map((e) => ({
      op: "delete",
      egress: e.egress,
      ruleNumber: e.ruleNumber,
      previous: e,
    }));
    try {
      await executeNaclOps(ec2, spec.aclId, spec.band, ops);
      const tagged = Object.keys(live.meta.tags ?? {});
      if (tagged.length > 0) await ec2.deleteTags({ Resources: [spec.aclId], Tags: tagged.map((Key) => ({ Key })) });
    } catch (e) {
      if (!isNotFound(e)) throw e; // the ACL itself is gone
    }
  },
};

export const naclEntriesKind: KindDescriptor<NaclEntriesSpec, TargetPorts> = {
  kind: "ec2.naclEntries",
  order: 70,
  securityControl: true,
  dataOrMonitoring: false,
  blocksTraffic: true,
  replaceAction: "create-then-delete",
  section: "blockedAddresses",
  iam: {
    declaredBy: (p) => p.blockedAddresses?.networkAcls !== undefined,
    observe: ["ec2.describeNetworkAcls"],
    discover: ["ec2.describeNetworkAcls"],
    write: [
      "ec2.createTags",
      "ec2.deleteTags",
      "ec2.createNetworkAclEntry",
      "ec2.replaceNetworkAclEntry",
      "ec2.deleteNetworkAclEntry",
    ],
  },
  contextFields: ["entryQuota", "others"],
  fieldNames: { band: "ruleNumbers" },
  // An allow entry outside the band that runs before Cordon's deny entries: they block nothing.
  exposures: naclOrderProblems,
  handler: naclEntriesHandler,
};
