// ELBv2 adapter: the ElbPort over @aws-sdk/client-elastic-load-balancing-v2. Loaded only through
// dynamic import().
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { ElbPort } from "../ports.js";
import { type ClientSettings, callFor, idsOf, sdkConfig } from "./call.js";

export function makeElbPort(settings: ClientSettings): ElbPort {
  const call = callFor("elbv2", settings);
  const client = new ElasticLoadBalancingV2Client(sdkConfig(settings));
  const where = `ELBv2 ${settings.region}`;
  return {
    describeLoadBalancers: (i) =>
      call("DescribeLoadBalancers", idsOf(i.Names ?? i.LoadBalancerArns, `load balancers in ${where}`), () =>
        client.send(new DescribeLoadBalancersCommand(i)),
      ),
    describeTags: (i) =>
      call("DescribeTags", idsOf(i.ResourceArns, `load balancers in ${where}`), () =>
        client.send(new DescribeTagsCommand(i)),
      ),
  };
}
