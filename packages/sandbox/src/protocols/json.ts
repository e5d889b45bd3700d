// AWS JSON 1.1 (Glue, WAFv2): `POST /` with `X-Amz-Target: <prefix>.<Operation>`, JSON bodies,
// epoch-second timestamps, errors as `{"__type": code, "Message": …}` plus `X-Amzn-ErrorType`.
import { ApiError, type SandboxRequest, type SandboxResponse } from "../types.js";

export const JSON_CONTENT_TYPE = "application/x-amz-json-1.1";

/**
 * Parses a JSON 1.1 request body. An empty body is `{}`; anything that is not a JSON object is
 * AWS's `SerializationException`.
 */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  const text = body.toString("utf8").trim();
  if (text === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError("SerializationException", "Start of structure or map found where not expected.", 400);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ApiError("SerializationException", "Start of structure or map found where not expected.", 400);
  }
  return value as Record<string, unknown>;
}

/**
 * The operation named by `X-Amz-Target` for a service whose target prefix is `prefix`
 * (e.g. "AWSGlue"); `UnknownOperationException` when the prefix differs or the operation is not in `known`.
 */
export function jsonOperation(req: SandboxRequest, prefix: string, known: ReadonlySet<string>): string {
  const raw = req.headers["x-amz-target"];
  const target = Array.isArray(raw) ? raw[0] : raw;
  const dot = target === undefined ? -1 : target.lastIndexOf(".");
  const op = target !== undefined && target.slice(0, dot) === prefix ? target.slice(dot + 1) : "";
  if (!known.has(op)) throw new ApiError("UnknownOperationException", `Unknown operation ${target ?? "(none)"}`, 400);
  return op;
}

/** A 200 response with `output` as the JSON body (`{}` for an empty output). */
export function jsonResponse(req: SandboxRequest, output: unknown = {}): SandboxResponse {
  return {
    status: 200,
    headers: { "content-type": JSON_CONTENT_TYPE, "x-amzn-requestid": req.requestId },
    body: JSON.stringify(output),
  };
}

/**
 * Renders an ApiError. `messageMember` chooses the member the service's model uses for this
 * error's message ("Message" for most, "message" for e.g. WAFInvalidParameterException);
 * `error.extra` members are added as they are (e.g. Field, Parameter, Reason).
 */
export function jsonErrorResponse(
  error: ApiError,
  req: SandboxRequest,
  messageMember: "Message" | "message" = "Message",
): SandboxResponse {
  const body: Record<string, unknown> = { __type: error.code, [messageMember]: error.message, ...error.extra };
  return {
    status: error.status,
    headers: {
      "content-type": JSON_CONTENT_TYPE,
      "x-amzn-requestid": req.requestId,
      "x-amzn-errortype": error.code,
    },
    body: JSON.stringify(body),
  };
}

/** A timestamp as JSON 1.1 sends it: epoch seconds, milliseconds as the fraction. */
export function epochSeconds(ms: number): number {
  return Math.round(ms) / 1000;
}

/** Reads a JSON 1.1 timestamp member (epoch seconds, or an ISO string some clients send) as epoch ms. */
export function readTimestamp(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return Math.round(value * 1000);
  if (typeof value === "string") {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** Opaque pagination tokens: the sort key of the next item, base64url-encoded with a per-list tag. */
export function encodeToken(tag: string, key: string): string {
  return Buffer.from(JSON.stringify([tag, key]), "utf8").toString("base64url");
}

/** Decodes a token made by encodeToken for `tag`; undefined when it is not one. */
export function decodeToken(tag: string, token: string): string | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2 && value[0] === tag && typeof value[1] === "string") return value[1];
  } catch {
    return undefined;
  }
  return undefined;
}
