// The service registry. Order matters for seeding: a module may read slices seeded by the ones
// before it (elbv2 resolves VPCs seeded by ec2; wafv2 resolves load balancers seeded by elbv2).
import type { ServiceModule, ServiceName } from "../types.js";
import { athena } from "./athena.js";
import { createEc2Module } from "./ec2.js";
import { elbv2 } from "./elbv2.js";
import { glue } from "./glue.js";
import { lookupBucket, s3 } from "./s3.js";
import { sts } from "./sts.js";
import { wafv2 } from "./wafv2.js";

export const SERVICE_MODULES: readonly ServiceModule[] = [
  createEc2Module(lookupBucket),
  elbv2,
  sts,
  s3,
  glue,
  wafv2,
  athena,
];

export function moduleMap(
  modules: readonly ServiceModule[] = SERVICE_MODULES,
): ReadonlyMap<ServiceName, ServiceModule> {
  return new Map(modules.map((m) => [m.name, m]));
}
