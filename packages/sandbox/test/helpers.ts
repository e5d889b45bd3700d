// Shared set-up for sandbox tests: a sandbox on a free port and real SDK v3 clients pointed at it.
import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { STSClient } from "@aws-sdk/client-sts";
import { type SandboxHandle, type SandboxOptions, startSandbox } from "../src/server.js";
import type { Estate } from "../src/types.js";

export const ACCOUNT = "111122223333";
export const REGION = "eu-west-1";

export interface ClientOptions {
  readonly accessKeyId?: string;
  readonly region?: string;
  readonly maxAttempts?: number;
  readonly sessionToken?: string;
}

export function clients(sandbox: SandboxHandle, o: ClientOptions = {}) {
  const config = {
    endpoint: sandbox.url,
    region: o.region ?? REGION,
    credentials: {
      accessKeyId: o.accessKeyId ?? "AKIASANDBOXTEST00001",
      secretAccessKey: "secret",
      ...(o.sessionToken !== undefined ? { sessionToken: o.sessionToken } : {}),
    },
    maxAttempts: o.maxAttempts ?? 1,
  };
  return { ec2: new EC2Client(config), elbv2: new ElasticLoadBalancingV2Client(config), sts: new STSClient(config) };
}

/** Two VPCs in eu-west-1 of 111122223333: production (IPv4 only, 3 subnets, a custom ACL) and staging (with IPv6). */
export const ESTATE: Estate = {
  accessKeys: {
    AKIAREADONLY: { account: ACCOUNT, allow: ["ec2:Describe*", "elasticloadbalancing:Describe*"] },
  },
  accounts: {
    [ACCOUNT]: {
      regions: {
        [REGION]: {
          vpcs: [
            {
              id: "vpc-0a000000000000001",
              cidr: "10.20.0.0/16",
              tags: { Name: "production", env: "production" },
              networkAcls: [{ id: "acl-0c000000000000001", tags: { Name: "data-acl" } }],
              subnets: [
                { id: "subnet-0b000000000000001", cidr: "10.20.1.0/24", tags: { tier: "public" } },
                { id: "subnet-0b000000000000002", cidr: "10.20.2.0/24", tags: { tier: "app" } },
                {
                  id: "subnet-0b000000000000003",
                  cidr: "10.20.3.0/24",
                  tags: { tier: "data" },
                  networkAcl: "data-acl",
                },
              ],
            },
            {
              id: "vpc-0a000000000000002",
              cidr: "10.30.0.0/16",
              ipv6Cidr: "2001:db8:1234::/56",
              tags: { Name: "staging", env: "staging" },
              subnets: [{ id: "subnet-0b000000000000004", cidr: "10.30.1.0/24" }],
            },
          ],
          loadBalancers: [{ name: "cats-eyes-alb", vpc: "production", tags: { env: "production" } }],
        },
      },
    },
  },
};

export async function withSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  return startSandbox({ seed: ESTATE, ...options });
}
