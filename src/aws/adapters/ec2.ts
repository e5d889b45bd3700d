// EC2 adapter: the Ec2Port over @aws-sdk/client-ec2. Loaded only through dynamic import().
import {
  CreateFlowLogsCommand,
  CreateNetworkAclEntryCommand,
  CreateTagsCommand,
  DeleteFlowLogsCommand,
  DeleteNetworkAclEntryCommand,
  DeleteTagsCommand,
  DescribeFlowLogsCommand,
  DescribeNetworkAclsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  ReplaceNetworkAclEntryCommand,
} from "@aws-sdk/client-ec2";
import type { Ec2Port } from "../ports.js";
import { installFastXmlReads } from "../xml-shapes.js";
import { type ClientSettings, callFor, idsOf, sdkConfig } from "./call.js";

const aclEntry = (i: {
  NetworkAclId?: string | undefined;
  RuleNumber?: number | undefined;
  Egress?: boolean | undefined;
}) => `${i.NetworkAclId ?? "?"} ${i.Egress === true ? "outbound" : "inbound"} rule ${i.RuleNumber ?? "?"}`;

export function makeEc2Port(settings: ClientSettings): Ec2Port {
  const call = callFor("ec2", settings);
  const client = new EC2Client(sdkConfig(settings));
  // EC2's answers read in one pass into the SDK's own output shapes (src/aws/xml-shapes.ts).
  installFastXmlReads(client);
  const where = `EC2 ${settings.region}`;
  return {
    describeVpcs: (i) =>
      call("DescribeVpcs", idsOf(i.VpcIds, `VPCs in ${where}`), () => client.send(new DescribeVpcsCommand(i))),
    describeSubnets: (i) =>
      call("DescribeSubnets", idsOf(i.SubnetIds, `subnets in ${where}`), () =>
        client.send(new DescribeSubnetsCommand(i)),
      ),
    describeFlowLogs: (i) =>
      call("DescribeFlowLogs", idsOf(i.FlowLogIds, `flow logs in ${where}`), () =>
        client.send(new DescribeFlowLogsCommand(i)),
      ),
    createFlowLogs: (i) =>
      call("CreateFlowLogs", `flow log for ${idsOf(i.ResourceIds, "?")}`, () =>
        client.send(new CreateFlowLogsCommand(i)),
      ),
    deleteFlowLogs: (i) =>
      call("DeleteFlowLogs", idsOf(i.FlowLogIds, "?"), () => client.send(new DeleteFlowLogsCommand(i))),
    createTags: (i) => call("CreateTags", idsOf(i.Resources, "?"), () => client.send(new CreateTagsCommand(i))),
    deleteTags: (i) => call("DeleteTags", idsOf(i.Resources, "?"), () => client.send(new DeleteTagsCommand(i))),
    describeNetworkAcls: (i) =>
      call("DescribeNetworkAcls", idsOf(i.NetworkAclIds, `network ACLs in ${where}`), () =>
        client.send(new DescribeNetworkAclsCommand(i)),
      ),
    createNetworkAclEntry: (i) =>
      call("CreateNetworkAclEntry", aclEntry(i), () => client.send(new CreateNetworkAclEntryCommand(i))),
    replaceNetworkAclEntry: (i) =>
      call("ReplaceNetworkAclEntry", aclEntry(i), () => client.send(new ReplaceNetworkAclEntryCommand(i))),
    deleteNetworkAclEntry: (i) =>
      call("DeleteNetworkAclEntry", aclEntry(i), () => client.send(new DeleteNetworkAclEntryCommand(i))),
  };
}
