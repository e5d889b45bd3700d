// The target inventory that selectors resolve against. Read-only.
// - VPCs and subnets (Inventory): ONE paginated DescribeVpcs and ONE paginated DescribeSubnets per
//   (account, region), concurrently.
// - What blocking needs beyond them (BlockingInventory): network ACLs with their entries and
//   associations (ONE paginated DescribeNetworkAcls per account and region), and Application Load
//   Balancers (ONE paginated DescribeLoadBalancers, DescribeTags in batches of 20 ARNs, and
//   GetWebACLForResource per ALB for the web ACL protecting it). Each part is read only when a
//   policy of the target needs it; the other is left empty.
import type { NetworkAcl, NetworkAclEntry, Subnet, Vpc } from "@aws-sdk/client-ec2";
import type {
  BlockingInventory,
  Inventory,
  LoadBalancerInfo,
  NaclEntry,
  NetworkAclInfo,
  Tags,
} from "../model/specs.js";
import type { PortCall } from "./iam-calls.js";
import type { Ec2Port, TargetPorts } from "./ports.js";

/** The calls of each part of the inventory (src/aws/iam-calls.ts declares their IAM actions). */
export const INVENTORY_CALLS = {
  network: ["ec2.describeVpcs", "ec2.describeSubnets"],
  networkAcls: ["ec2.describeNetworkAcls"],
  loadBalancers: ["elbv2.describeLoadBalancers", "elbv2.describeTags", "wafv2.getWebACLForResource"],
} as const satisfies Record<string, readonly PortCall[]>;

/** AWS's Key/Value tag list as a record (a tag without a Key is skipped). */
export const tagsOf = (tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined): Tags => {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? "";
  return out;
};

/** Every item of a paginated call: `fetch` is called with each NextToken until AWS returns none (or ""). */
export async function allPages<T>(
  fetch: (token: string | undefined) => Promise<{ items: readonly T[]; next: string | undefined }>,
): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    out.push(...page.items);
    token = page.next !== undefined && page.next !== "" ? page.next : undefined;
  } while (token !== undefined);
  return out;
}

/**
 * `subnets: false` leaves the subnets out (an empty list, no DescribeSubnets): for a target whose
 * policies select no subnet and block nothing, reading thousands of subnets is wasted
 * (docs/performance.md).
 */
export async function readInventory(ec2: Ec2Port, options: { readonly subnets?: boolean } = {}): Promise<Inventory> {
  const [vpcs, subnets] = await Promise.all([
    // Each page is cut down to what Cordon reads as it arrives: the SDK's objects of 20,000 VPCs are
    // never all alive at once (docs/performance.md).
    allPages(async (token) => {
      const r = await ec2.describeVpcs({ MaxResults: 1000, ...(token !== undefined ? { NextToken: token } : {}) });
      return { items: (r.Vpcs ?? []).flatMap(vpcOf), next: r.NextToken };
    }),
    options.subnets === false
      ? Promise.resolve<Inventory["subnets"][number][]>([])
      : allPages(async (token) => {
          const r = await ec2.describeSubnets({
            MaxResults: 1000,
            ...(token !== undefined ? { NextToken: token } : {}),
          });
          return { items: (r.Subnets ?? []).flatMap(subnetOf), next: r.NextToken };
        }),
  ]);
  const byId = <T extends { id: string }>(xs: T[]) => xs.sort((a, b) => a.id.localeCompare(b.id));
  return { vpcs: byId(vpcs), subnets: byId(subnets) };
}

function vpcOf(v: Vpc): Inventory["vpcs"][number][] {
  if (v.VpcId === undefined) return [];
  const cidrs = (v.CidrBlockAssociationSet ?? [])
    .filter((a) => a.CidrBlockState?.State === undefined || a.CidrBlockState.State === "associated")
    .map((a) => a.CidrBlock)
    .filter((c): c is string => c !== undefined);
  return [
    {
      id: v.VpcId,
      cidrs: cidrs.length > 0 ? cidrs : v.CidrBlock !== undefined ? [v.CidrBlock] : [],
      ipv6Cidrs: (v.Ipv6CidrBlockAssociationSet ?? [])
        .map((a) => a.Ipv6CidrBlock)
        .filter((c): c is string => c !== undefined),
      tags: tagsOf(v.Tags),
      isDefault: v.IsDefault === true,
    },
  ];
}

function subnetOf(s: Subnet): Inventory["subnets"][number][] {
  if (s.SubnetId === undefined || s.VpcId === undefined) return [];
  const ipv6 = s.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock;
  return [
    {
      id: s.SubnetId,
      vpcId: s.VpcId,
      cidr: s.CidrBlock ?? "",
      ...(ipv6 !== undefined ? { ipv6Cidr: ipv6 } : {}),
      tags: tagsOf(s.Tags),
    },
  ];
}

export interface BlockingNeeds {
  readonly networkAcls: boolean;
  readonly loadBalancers: boolean;
}

const DESCRIBE_TAGS_BATCH = 20;

/** An entry as DescribeNetworkAcls returns it, in the model's shape; null when it lacks its keys. */
export function naclEntryOf(e: NetworkAclEntry): NaclEntry | null {
  if (e.RuleNumber === undefined || (e.RuleAction !== "allow" && e.RuleAction !== "deny")) return null;
  const from = e.PortRange?.From;
  const to = e.PortRange?.To;
  const type = e.IcmpTypeCode?.Type;
  const code = e.IcmpTypeCode?.Code;
  return {
    ruleNumber: e.RuleNumber,
    egress: e.Egress === true,
    action: e.RuleAction,
    protocol: e.Protocol ?? "-1",
    ...(e.CidrBlock !== undefined ? { cidr: e.CidrBlock } : {}),
    ...(e.Ipv6CidrBlock !== undefined ? { ipv6Cidr: e.Ipv6CidrBlock } : {}),
    ...(from !== undefined && to !== undefined ? { portRange: { from, to } } : {}),
    ...(type !== undefined && code !== undefined ? { icmpTypeCode: { type, code } } : {}),
  };
}

export function networkAclInfo(a: NetworkAcl): NetworkAclInfo | null {
  if (a.NetworkAclId === undefined || a.VpcId === undefined) return null;
  return {
    id: a.NetworkAclId,
    vpcId: a.VpcId,
    isDefault: a.IsDefault === true,
    associations: (a.Associations ?? [])
      .map((x) => x.SubnetId)
      .filter((s): s is string => s !== undefined)
      .sort(),
    entries: (a.Entries ?? []).map(naclEntryOf).filter((e): e is NaclEntry => e !== null),
    tags: Object.fromEntries(
      (a.Tags ?? []).flatMap((t) => (t.Key === undefined || t.Value === undefined ? [] : [[t.Key, t.Value]])),
    ),
  };
}

/** Every network ACL of the target: one paginated DescribeNetworkAcls. */
export async function readNetworkAcls(ports: TargetPorts): Promise<NetworkAcl[]> {
  const ec2 = await ports.ec2();
  return allPages<NetworkAcl>(async (token) => {
    const r = await ec2.describeNetworkAcls({ MaxResults: 1000, ...(token !== undefined ? { NextToken: token } : {}) });
    return { items: r.NetworkAcls ?? [], next: r.NextToken };
  });
}

async function readLoadBalancers(ports: TargetPorts): Promise<LoadBalancerInfo[]> {
  const elb = await ports.elbv2();
  const lbs = await allPages(async (token) => {
    const r = await elb.describeLoadBalancers({ PageSize: 400, ...(token !== undefined ? { Marker: token } : {}) });
    return { items: r.LoadBalancers ?? [], next: r.NextMarker };
  });
  const arns = lbs.map((l) => l.LoadBalancerArn).filter((a): a is string => a !== undefined);
  const tags = new Map<string, Tags>();
  for (let i = 0; i < arns.length; i += DESCRIBE_TAGS_BATCH) {
    const r = await elb.describeTags({ ResourceArns: arns.slice(i, i + DESCRIBE_TAGS_BATCH) });
    for (const d of r.TagDescriptions ?? []) if (d.ResourceArn !== undefined) tags.set(d.ResourceArn, tagsOf(d.Tags));
  }
  const albs = lbs.filter((l) => l.Type === "application" && l.LoadBalancerArn !== undefined);
  const webAclOf = new Map<string, string | null>();
  if (albs.length > 0) {
    const waf = await ports.wafv2();
    for (const lb of albs) {
      const r = await waf.getWebACLForResource({ ResourceArn: lb.LoadBalancerArn! });
      webAclOf.set(lb.LoadBalancerArn!, r.WebACL?.ARN ?? null);
    }
  }
  return lbs
    .filter((l) => l.LoadBalancerArn !== undefined && l.LoadBalancerName !== undefined)
    .map(
      (l): LoadBalancerInfo => ({
        arn: l.LoadBalancerArn!,
        name: l.LoadBalancerName!,
        type: l.Type === "network" ? "network" : l.Type === "gateway" ? "gateway" : "application",
        vpcId: l.VpcId ?? "",
        tags: tags.get(l.LoadBalancerArn!) ?? {},
        webAclArn: webAclOf.get(l.LoadBalancerArn!) ?? null,
      }),
    )
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `base` extended with the network ACLs and load balancers the target's policies need. */
export async function readBlockingInventory(
  ports: TargetPorts,
  base: Inventory,
  needs: BlockingNeeds,
): Promise<BlockingInventory> {
  const [acls, loadBalancers] = await Promise.all([
    needs.networkAcls ? readNetworkAcls(ports) : Promise.resolve([]),
    needs.loadBalancers ? readLoadBalancers(ports) : Promise.resolve([]),
  ]);
  return {
    ...base,
    networkAcls: acls
      .map(networkAclInfo)
      .filter((a): a is NetworkAclInfo => a !== null)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    loadBalancers,
  };
}
