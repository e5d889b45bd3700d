// The AWS query protocol's responses (docs/aws-behaviour.md, "Protocols and how to tell requests apart"), used by ELBv2 and STS:
// `<{Op}Response xmlns=…><{Op}Result>…</{Op}Result><ResponseMetadata><RequestId>…` with PascalCase
// members and `<member>` list elements; errors are `<ErrorResponse><Error><Type>Sender|Receiver`.
import type { ApiError, SandboxResponse } from "../types.js";
import { escapeXml, writeMembers, XML_DECLARATION, type XmlValue } from "./xml.js";

const CONTENT_TYPE = { "content-type": "text/xml" } as const;

/** `result` null = an operation without output (no `<{Op}Result>` element). */
export function queryResponse(
  operation: string,
  namespace: string,
  requestId: string,
  result: { readonly [key: string]: XmlValue } | null,
): SandboxResponse {
  const out: string[] = [XML_DECLARATION, `<${operation}Response xmlns="${namespace}">`];
  if (result !== null) {
    out.push(`<${operation}Result>`);
    writeMembers(out, result, "member");
    out.push(`</${operation}Result>`);
  }
  out.push(`<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`);
  return { status: 200, headers: CONTENT_TYPE, body: out.join("") };
}

export function queryError(error: ApiError, namespace: string, requestId: string): SandboxResponse {
  const type = error.status >= 500 ? "Receiver" : "Sender";
  const body =
    `${XML_DECLARATION}<ErrorResponse xmlns="${namespace}"><Error><Type>${type}</Type>` +
    `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`;
  return { status: error.status, headers: CONTENT_TYPE, body };
}
