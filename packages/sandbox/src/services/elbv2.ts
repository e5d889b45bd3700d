// Elastic Load Balancing v2 (query protocol): DescribeLoadBalancers and DescribeTags, enough for
// Cordon to find the ALB a web ACL protects. Wire error codes omit the "Exception" suffix
// (docs/aws-behaviour.md, "Error shapes and names"): `LoadBalancerNotFound` becomes the SDK's LoadBalancerNotFoundException.
import { createHash } from "node:crypto";
import { memberList } from "../protocols/form.js";
import { queryError, queryResponse } from "../protocols/query.js";
import type { XmlValue } from "../protocols/xml.js";
import { ApiError, type SandboxRequest, type ServiceContext, type ServiceModule } from "../types.js";
import type { Ec2State } from "./ec2.js";

export const ELBV2_NAMESPACE = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

export interface LoadBalancerRecord {
  readonly arn: string;
  readonly name: string;
  readonly type: "application" | "network";
  readonly scheme: "internet-facing" | "internal";
  readonly vpcId: string;
  readonly dnsName: string;
  readonly createdTime: string;
  readonly zones: readonly { readonly zoneName: string; readonly subnetId: string }[];
  readonly securityGroups: readonly string[];
}

export interface Elbv2State {
  /** Keyed by ARN, in creation order. */
  loadBalancers: Record<string, LoadBalancerRecord>;
  /** Name → ARN. */
  byName: Record<string, string>;
  tags: Record<string, Record<string, string>>;
}

const OPERATIONS = new Set(["DescribeLoadBalancers", "DescribeTags"]);

/** Route 53 hosted zone ids of ALBs (application) per region; others fall back to eu-west-1's. */
const ALB_ZONES: Readonly<Record<string, string>> = {
  "us-east-1": "Z35SXDOTRQ7X7K",
  "us-east-2": "Z3AADJGX6KTTL2",
  "us-west-2": "Z1H1FL5HABSF5",
  "eu-west-1": "Z32O12XQLNTSW2",
  "eu-central-1": "Z215JYRZR1TBD5",
};
const NLB_ZONES: Readonly<Record<string, string>> = {
  "us-east-1": "Z26RNL4JYFTOTI",
  "eu-west-1": "Z2IFOLAFXWLO4F",
};

/** The load balancer with this ARN, for the wafv2 module (association checks). */
export function lookupLoadBalancer(
  ctx: ServiceContext,
  arn: string,
): { account: string; region: string; arn: string; name: string; type: string; vpcId: string } | null {
  const m = /^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):(\d{12}):loadbalancer\//.exec(arn);
  if (!m) return null;
  const [, region, account] = m as unknown as [string, string, string];
  const lb = ctx.state<Elbv2State>("elbv2", account, region).loadBalancers[arn];
  if (lb === undefined) return null;
  return { account, region, arn: lb.arn, name: lb.name, type: lb.type, vpcId: lb.vpcId };
}

/** The load balancer with this name in (account, region), for the wafv2 module's estate seeding. */
export function lookupLoadBalancerByName(
  ctx: ServiceContext,
  account: string,
  region: string,
  name: string,
): { account: string; region: string; arn: string; name: string; type: string; vpcId: string } | null {
  const arn = ctx.state<Elbv2State>("elbv2", account, region).byName[name];
  return arn === undefined ? null : lookupLoadBalancer(ctx, arn);
}

const notFound = () => new ApiError("LoadBalancerNotFound", "One or more load balancers not found");
const validation = (message: string) => new ApiError("ValidationError", message);

function render(lb: LoadBalancerRecord, region: string): XmlValue {
  return {
    LoadBalancerArn: lb.arn,
    DNSName: lb.dnsName,
    CanonicalHostedZoneId:
      (lb.type === "application" ? ALB_ZONES[region] : NLB_ZONES[region]) ??
      (lb.type === "application" ? "Z32O12XQLNTSW2" : "Z2IFOLAFXWLO4F"),
    CreatedTime: lb.createdTime,
    LoadBalancerName: lb.name,
    Scheme: lb.scheme,
    VpcId: lb.vpcId,
    State: { Code: "active" },
    Type: lb.type,
    AvailabilityZones: lb.zones.map((z) => ({ ZoneName: z.zoneName, SubnetId: z.subnetId, LoadBalancerAddresses: [] })),
    SecurityGroups: lb.type === "application" ? [...lb.securityGroups] : undefined,
    IpAddressType: "ipv4",
  };
}

function describeLoadBalancers(req: SandboxRequest, state: Elbv2State) {
  const names = memberList(req.form, "Names");
  const arns = memberList(req.form, "LoadBalancerArns");
  if (names.length > 0 && arns.length > 0) {
    throw validation("Load balancer names and load balancer ARNs cannot be specified at the same time");
  }
  if (arns.length > 20) throw validation("A maximum of 20 load balancer ARNs can be specified");
  const pageSizeRaw = req.form.get("PageSize");
  const pageSize = pageSizeRaw ? Number(pageSizeRaw) : 400;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 400) {
    throw validation(
      `1 validation error detected: Value '${pageSizeRaw}' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400`,
    );
  }
  let selected: LoadBalancerRecord[];
  if (names.length > 0) {
    selected = names.map((n) => {
      const arn = state.byName[n];
      const lb = arn === undefined ? undefined : state.loadBalancers[arn];
      if (lb === undefined) throw notFound();
      return lb;
    });
  } else if (arns.length > 0) {
    selected = arns.map((a) => {
      const lb = state.loadBalancers[a];
      if (lb === undefined) throw notFound();
      return lb;
    });
  } else {
    selected = Object.values(state.loadBalancers);
  }
  const marker = req.form.get("Marker");
  let offset = 0;
  if (marker) {
    const parsed = /^m(\d+)$/.exec(Buffer.from(marker, "base64url").toString("utf8"));
    if (!parsed) throw validation(`Invalid marker '${marker}'`);
    offset = Number(parsed[1]);
  }
  const page = selected.slice(offset, offset + pageSize);
  const end = offset + page.length;
  return queryResponse("DescribeLoadBalancers", ELBV2_NAMESPACE, req.requestId, {
    LoadBalancers: page.map((lb) => render(lb, req.region)),
    NextMarker: end < selected.length ? Buffer.from(`m${end}`).toString("base64url") : undefined,
  });
}

function describeTags(req: SandboxRequest, state: Elbv2State) {
  const arns = memberList(req.form, "ResourceArns");
  if (arns.length === 0)
    throw validation(
      "1 validation error detected: Value null at 'resourceArns' failed to satisfy constraint: Member must not be null",
    );
  if (arns.length > 20) throw validation("A maximum of 20 resource ARNs can be specified");
  for (const a of arns) if (state.loadBalancers[a] === undefined) throw notFound();
  return queryResponse("DescribeTags", ELBV2_NAMESPACE, req.requestId, {
    TagDescriptions: arns.map((a) => ({
      ResourceArn: a,
      Tags: Object.entries(state.tags[a] ?? {}).map(([Key, Value]) => ({ Key, Value })),
    })),
  });
}

export const elbv2: ServiceModule<Elbv2State> = {
  name: "elbv2",
  protocol: "query",
  iamPrefix: "elasticloadbalancing",
  throttle: { code: "Throttling", status: 400 },
  operation(req) {
    const action = req.form.get("Action") ?? "";
    if (!OPERATIONS.has(action)) {
      throw new ApiError("InvalidAction", `Could not find operation ${action || "(none)"} for version 2015-12-01`);
    }
    return action;
  },
  handle(operation, req, ctx) {
    const state = ctx.state<Elbv2State>("elbv2", req.account, req.region);
    switch (operation) {
      case "DescribeLoadBalancers":
        return describeLoadBalancers(req, state);
      case "DescribeTags":
        return describeTags(req, state);
      default:
        throw new ApiError("InvalidAction", `Could not find operation ${operation} for version 2015-12-01`);
    }
  },
  errorResponse: (error, req) => queryError(error, ELBV2_NAMESPACE, req.requestId),
  initialState: () => ({ loadBalancers: {}, byName: {}, tags: {} }),
  seed(estate, account, region, ctx) {
    const state = ctx.state<Elbv2State>("elbv2", account, region);
    const ec2State = ctx.state<Ec2State>("ec2", account, region);
    for (const lb of estate.loadBalancers ?? []) {
      if (state.byName[lb.name] !== undefined) {
        throw new ApiError("DuplicateLoadBalancerName", `A load balancer with the name '${lb.name}' already exists`);
      }
      const vpcId = lb.vpc ?? "";
      if (ec2State.vpcs[vpcId] === undefined) {
        throw new ApiError("InvalidConfigurationRequest", `load balancer ${lb.name}: VPC '${vpcId}' does not exist`);
      }
      const type = lb.type ?? "application";
      const scheme = lb.scheme ?? "internet-facing";
      const hash = createHash("sha256").update(`${account}/${region}/${lb.name}`).digest("hex");
      const arn = `arn:aws:elasticloadbalancing:${region}:${account}:loadbalancer/${type === "application" ? "app" : "net"}/${lb.name}/${hash.slice(0, 16)}`;
      const zones = new Map<string, string>();
      for (const subnetId of ec2State.subnetsByVpc[vpcId] ?? []) {
        const s = ec2State.subnets[subnetId];
        if (s !== undefined && !zones.has(s.availabilityZone)) zones.set(s.availabilityZone, s.id);
      }
      const dnsId = BigInt(`0x${hash.slice(16, 26)}`) % 10_000_000_000n;
      state.loadBalancers[arn] = {
        arn,
        name: lb.name,
        type,
        scheme,
        vpcId,
        dnsName: `${scheme === "internal" ? "internal-" : ""}${lb.name}-${dnsId}.${region}.elb.amazonaws.com`,
        createdTime: ctx.now().toISOString(),
        zones: [...zones].map(([zoneName, subnetId]) => ({ zoneName, subnetId })),
        securityGroups: type === "application" ? [`sg-${hash.slice(26, 43)}`] : [],
      };
      state.byName[lb.name] = arn;
      if (lb.tags) state.tags[arn] = { ...lb.tags };
    }
  },
};
