// The target inventory (VPCs and subnets) that selectors resolve against: ONE paginated
// DescribeVpcs and ONE paginated DescribeSubnets per (account, region), concurrently.
import type { Subnet, Vpc } from "@aws-sdk/client-ec2";
import type { Inventory, Tags } from "../model/specs.js";
import type { Ec2Port } from "./ports.js";

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

export async function readInventory(ec2: Ec2Port): Promise<Inventory> {
  const [vpcs, subnets] = await Promise.all([
    allPages<Vpc>(async (token) => {
      const r = await ec2.describeVpcs({ MaxResults: 1000, ...(token !== undefined ? { NextToken: token } : {}) });
      return { items: r.Vpcs ?? [], next: r.NextToken };
    }),
    allPages<Subnet>(async (token) => {
      const r = await ec2.describeSubnets({ MaxResults: 1000, ...(token !== undefined ? { NextToken: token } : {}) });
      return { items: r.Subnets ?? [], next: r.NextToken };
    }),
  ]);
  const byId = <T extends { id: string }>(xs: T[]) => xs.sort((a, b) => a.id.localeCompare(b.id));
  return {
    vpcs: byId(
      vpcs
        .filter((v) => v.VpcId !== undefined)
        .map((v) => {
          const cidrs = (v.CidrBlockAssociationSet ?? [])
            .filter((a) => a.CidrBlockState?.State === undefined || a.CidrBlockState.State === "associated")
            .map((a) => a.CidrBlock)
            .filter((c): c is string => c !== undefined);
          return {
            id: v.VpcId!,
            cidrs: cidrs.length > 0 ? cidrs : v.CidrBlock !== undefined ? [v.CidrBlock] : [],
            ipv6Cidrs: (v.Ipv6CidrBlockAssociationSet ?? [])
              .map((a) => a.Ipv6CidrBlock)
              .filter((c): c is string => c !== undefined),
            tags: tagsOf(v.Tags),
            isDefault: v.IsDefault === true,
          };
        }),
    ),
    subnets: byId(
      subnets
        .filter((s) => s.SubnetId !== undefined && s.VpcId !== undefined)
        .map((s) => {
          const ipv6 = s.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock;
          return {
            id: s.SubnetId!,
            vpcId: s.VpcId!,
            cidr: s.CidrBlock ?? "",
            ...(ipv6 !== undefined ? { ipv6Cidr: ipv6 } : {}),
            tags: tagsOf(s.Tags),
          };
        }),
    ),
  };
}
