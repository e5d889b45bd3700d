// The ec2 protocol's responses (docs/aws-behaviour.md, "Error shapes and names"): `<{Op}Response xmlns=…>` holding `<requestId>` and
// lower-camel members, every list element `<item>`; void operations answer `<return>true</return>`;
// errors are `<Response><Errors><Error>…</Error></Errors><RequestID>…</RequestID></Response>`
// (the SDK dereferences `Errors.Error` unguarded, so the wrapper is always sent).
import type { ApiError, SandboxResponse } from "../types.js";
import { writeMembers, XML_DECLARATION, type XmlValue } from "./xml.js";

export const EC2_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/";
const CONTENT_TYPE = { "content-type": "text/xml;charset=UTF-8" } as const;

export function ec2Response(
  operation: string,
  requestId: string,
  members: { readonly [key: string]: XmlValue },
): SandboxResponse {
  const out: string[] = [XML_DECLARATION, `<${operation}Response xmlns="${EC2_NAMESPACE}">`];
  out.push(`<requestId>${requestId}</requestId>`);
  writeMembers(out, members, "item");
  out.push(`</${operation}Response>`);
  return { status: 200, headers: CONTENT_TYPE, body: out.join("") };
}

/** Response of an operation without output (CreateNetworkAclEntry, CreateTags, …). */
export function ec2Return(operation: string, requestId: string): SandboxResponse {
  return ec2Response(operation, requestId, { return: true });
}

export function ec2Error(error: ApiError, requestId: string): SandboxResponse {
  const out: string[] = [XML_DECLARATION, "<Response><Errors>"];
  writeMembers(out, { Error: { Code: error.code, Message: error.message } }, "item");
  out.push(`</Errors><RequestID>${requestId}</RequestID></Response>`);
  return { status: error.status, headers: CONTENT_TYPE, body: out.join("") };
}
