// WAFv2 adapter: the WafPort over @aws-sdk/client-wafv2. Loaded only through dynamic import().
import {
  AssociateWebACLCommand,
  CreateIPSetCommand,
  CreateWebACLCommand,
  DeleteIPSetCommand,
  DeleteWebACLCommand,
  DisassociateWebACLCommand,
  GetIPSetCommand,
  GetWebACLCommand,
  GetWebACLForResourceCommand,
  ListIPSetsCommand,
  ListResourcesForWebACLCommand,
  ListTagsForResourceCommand,
  ListWebACLsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateIPSetCommand,
  UpdateWebACLCommand,
  WAFV2Client,
} from "@aws-sdk/client-wafv2";
import type { WafPort } from "../ports.js";
import { type ClientSettings, callFor, sdkConfig } from "./call.js";

export function makeWafPort(settings: ClientSettings): WafPort {
  const call = callFor("wafv2", settings);
  const client = new WAFV2Client(sdkConfig(settings));
  const where = `WAF ${settings.region}`;
  const acl = (name: string | undefined) => `web ACL ${name ?? "?"}`;
  const set = (name: string | undefined) => `IP set ${name ?? "?"}`;
  return {
    listWebACLs: (i) => call("ListWebACLs", `web ACLs in ${where}`, () => client.send(new ListWebACLsCommand(i))),
    getWebACL: (i) => call("GetWebACL", acl(i.Name ?? i.ARN), () => client.send(new GetWebACLCommand(i))),
    createWebACL: (i) => call("CreateWebACL", acl(i.Name), () => client.send(new CreateWebACLCommand(i))),
    updateWebACL: (i) => call("UpdateWebACL", acl(i.Name), () => client.send(new UpdateWebACLCommand(i))),
    deleteWebACL: (i) => call("DeleteWebACL", acl(i.Name), () => client.send(new DeleteWebACLCommand(i))),
    listIPSets: (i) => call("ListIPSets", `IP sets in ${where}`, () => client.send(new ListIPSetsCommand(i))),
    getIPSet: (i) => call("GetIPSet", set(i.Name), () => client.send(new GetIPSetCommand(i))),
    createIPSet: (i) => call("CreateIPSet", set(i.Name), () => client.send(new CreateIPSetCommand(i))),
    updateIPSet: (i) => call("UpdateIPSet", set(i.Name), () => client.send(new UpdateIPSetCommand(i))),
    deleteIPSet: (i) => call("DeleteIPSet", set(i.Name), () => client.send(new DeleteIPSetCommand(i))),
    associateWebACL: (i) =>
      call("AssociateWebACL", `${i.ResourceArn ?? "?"} with ${i.WebACLArn ?? "?"}`, () =>
        client.send(new AssociateWebACLCommand(i)),
      ),
    disassociateWebACL: (i) =>
      call("DisassociateWebACL", i.ResourceArn ?? "?", () => client.send(new DisassociateWebACLCommand(i))),
    getWebACLForResource: (i) =>
      call("GetWebACLForResource", i.ResourceArn ?? "?", () => client.send(new GetWebACLForResourceCommand(i))),
    listResourcesForWebACL: (i) =>
      call("ListResourcesForWebACL", i.WebACLArn ?? "?", () => client.send(new ListResourcesForWebACLCommand(i))),
    listTagsForResource: (i) =>
      call("ListTagsForResource", i.ResourceARN ?? "?", () => client.send(new ListTagsForResourceCommand(i))),
    tagResource: (i) => call("TagResource", i.ResourceARN ?? "?", () => client.send(new TagResourceCommand(i))),
    untagResource: (i) => call("UntagResource", i.ResourceARN ?? "?", () => client.send(new UntagResourceCommand(i))),
  };
}
