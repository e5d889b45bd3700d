// The sandbox's HTTP front: one node:http server on 127.0.0.1 for every service. Per request:
// route (docs/aws-behaviour.md, "Protocols and how to tell requests apart"), identify the caller from SigV4, check the IAM allow-list, inject faults,
// count and log, dispatch to the service module, and render errors in the service's protocol.
// Nothing a request does can crash the server: unexpected exceptions become the service's 500.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CONTROL_PREFIX, type Control, createControl, createStats, type Stats, validateTraffic } from "./control.js";
import { assertNever } from "./errors.js";
import { loadEstateFile } from "./estate.js";
import { createFaults, type FaultConfig, type Faults } from "./faults.js";
import { firstDenied, type IamCheck, requestChecks } from "./iam.js";
import { actionAllowed, DEFAULT_REGION, identities, parseCredential, resolveCaller, setKeyPolicy } from "./identity.js";
import { SERVICE_MODULES } from "./services/index.js";
import { Store } from "./store.js";
import type { TrafficOptions, TrafficScenario } from "./traffic.js";
import {
  ApiError,
  type Estate,
  type SandboxConfig,
  type SandboxRequest,
  type SandboxResponse,
  type ServiceContext,
  type ServiceModule,
  type ServiceName,
} from "./types.js";

export interface SandboxOptions {
  /** 0 (default) = a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Persist state to this file; loaded at start when it exists. */
  readonly stateFile?: string;
  /** An estate (object or YAML file path) seeded at start unless a state file was loaded. */
  readonly seed?: Estate | string;
  readonly config?: Partial<SandboxConfig>;
  readonly faults?: FaultConfig;
  /** The account of callers whose key is neither configured nor a 12-digit number (default 111122223333). */
  readonly defaultAccount?: string;
  readonly requestLogSize?: number;
  readonly modules?: readonly ServiceModule[];
  /** Identity policies (parsed JSON) by access key id or role ARN (see setKeyPolicy). */
  readonly iamPolicies?: Readonly<Record<string, unknown>>;
  /**
   * Synthetic flow-log traffic (src/traffic.ts): the scenario (and seed) `control.deliverTraffic`
   * and `POST /_sandbox/traffic` use by default.
   */
  readonly traffic?: TrafficScenario | TrafficOptions;
  /** Start with the sandbox clock fixed at this time (simulated); default the real clock. */
  readonly clock?: Date | string;
}

export interface SandboxHandle {
  readonly url: string;
  readonly port: number;
  readonly store: Store;
  readonly control: Control;
  /** Whether the state came from the state file (and seeding was skipped). */
  readonly stateLoaded: boolean;
  /** Closes the server and flushes the state file. */
  stop(): Promise<void>;
}

const JSON_TARGETS: Readonly<Record<string, ServiceName>> = {
  AWSGlue: "glue",
  AWSWAF_20190729: "wafv2",
  AmazonAthena: "athena",
};
const QUERY_VERSIONS: Readonly<Record<string, ServiceName>> = {
  "2016-11-15": "ec2",
  "2015-12-01": "elbv2",
  "2011-06-15": "sts",
};
const SIGNING_NAMES: Readonly<Record<string, ServiceName>> = {
  ec2: "ec2",
  elasticloadbalancing: "elbv2",
  sts: "sts",
  s3: "s3",
  glue: "glue",
  wafv2: "wafv2",
  athena: "athena",
};
const INTERNAL_ERRORS: Readonly<Record<ServiceName, string>> = {
  ec2: "InternalError",
  elbv2: "InternalFailure",
  sts: "InternalFailure",
  s3: "InternalError",
  glue: "InternalServiceException",
  wafv2: "WAFInternalErrorException",
  athena: "InternalServerException",
};
const THROTTLE_MESSAGES: Readonly<Record<string, string>> = {
  RequestLimitExceeded: "Request limit exceeded.",
  SlowDown: "Please reduce your request rate.",
};
const MAX_BODY = 32 * 1024 * 1024;
const READ_ONLY = /^(Describe|Get|List|Head)/;

/** Builds the request handler around a store; `startSandbox` puts it behind an HTTP server. */
export function createSandboxCore(options: SandboxOptions = {}) {
  const modules = options.modules ?? SERVICE_MODULES;
  const byName = new Map(modules.map((m) => [m.name, m]));
  const store = new Store(
    (service) => {
      const m = byName.get(service);
      if (m === undefined) throw new Error(`no sandbox module for ${service}`);
      return m.initialState();
    },
    { ...(options.stateFile !== undefined ? { stateFile: options.stateFile } : {}), config: options.config ?? {} },
  );
  const faults = createFaults(options.faults ?? {});
  const clock: { time: number | null } = { time: null };
  const traffic =
    options.traffic === undefined
      ? undefined
      : validateTraffic(typeof options.traffic === "string" ? { scenario: options.traffic } : options.traffic);
  const stats = createStats(options.requestLogSize ?? 1000);
  const ctx: ServiceContext = {
    config: store.config,
    state: (service, account, region) => store.state(service, account, region),
    global: (key, init) => store.global(key, init),
    newId: (prefix) => store.newId(prefix),
    now: () => (clock.time === null ? new Date() : new Date(clock.time)),
    touch: () => store.touch(),
    faults,
  };
  let inFlight = 0;
  const control = createControl({
    store,
    faults,
    stats,
    ctx,
    modules,
    inFlight: () => inFlight,
    clock,
    ...(traffic !== undefined ? { traffic } : {}),
  });
  if (options.clock !== undefined) control.setClock(options.clock);
  const stateLoaded = store.load();
  if (options.defaultAccount !== undefined) identities(ctx).defaultAccount = options.defaultAccount;
  for (const [key, policy] of Object.entries(options.iamPolicies ?? {})) setKeyPolicy(identities(ctx), key, policy);
  if (!stateLoaded && options.seed !== undefined) {
    control.seed(typeof options.seed === "string" ? loadEstateFile(options.seed) : options.seed);
  }
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    inFlight++;
    serve(req, res, { byName, store, faults, stats, ctx, control })
      .catch((e: unknown) => {
        // Only a failure to write the response lands here; the socket is the only thing left to close.
        if (!res.headersSent) res.writeHead(500);
        res.end();
        void e;
      })
      .finally(() => {
        inFlight--;
      });
  };
  return { store, control, handler, stateLoaded, modules };
}

export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const core = createSandboxCore(options);
  const server: Server = createServer({ keepAliveTimeout: 30_000 }, core.handler);
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    store: core.store,
    control: core.control,
    stateLoaded: core.stateLoaded,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => core.store.flush());
      return stopped;
    },
  };
}

interface Deps {
  readonly byName: ReadonlyMap<ServiceName, ServiceModule>;
  readonly store: Store;
  readonly faults: Faults;
  readonly stats: Stats;
  readonly ctx: ServiceContext;
  readonly control: Control;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError("RequestEntityTooLarge", "request body too large", 413);
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

function send(res: ServerResponse, method: string, response: SandboxResponse, extra: Record<string, string>): void {
  const body = response.body ?? "";
  const buf = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  const headers: Record<string, string | number> = { ...extra, ...response.headers };
  if (method !== "HEAD") headers["content-length"] = buf.length;
  res.writeHead(response.status, headers);
  res.end(method === "HEAD" ? undefined : buf);
}

/** Which service a request is for: X-Amz-Target, else the form's Version, else S3; null = not recognisable. */
function routeService(
  headers: IncomingMessage["headers"],
  form: URLSearchParams | null,
  signingName: string,
): ServiceName | null {
  const target = headers["x-amz-target"];
  if (typeof target === "string" && target !== "") {
    const prefix = target.slice(0, target.indexOf("."));
    return JSON_TARGETS[prefix] ?? null;
  }
  if (form !== null) {
    const version = form.get("Version");
    if (version !== null) return QUERY_VERSIONS[version] ?? null;
    if (form.has("Action")) return SIGNING_NAMES[signingName] ?? null;
  }
  return "s3";
}

async function serve(req: IncomingMessage, res: ServerResponse, deps: Deps): Promise<void> {
  const started = performance.now();
  const method = req.method ?? "GET";
  const rawUrl = req.url ?? "/";
  const q = rawUrl.indexOf("?");
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = new URLSearchParams(q < 0 ? "" : rawUrl.slice(q + 1));
  const requestId = randomUUID();

  let body: Buffer;
  try {
    body = await readBody(req);
  } catch {
    send(res, method, { status: 413, body: "" }, {});
    return;
  }

  if (rawPath.startsWith(CONTROL_PREFIX)) {
    send(res, method, deps.control.http(method, rawPath.slice(CONTROL_PREFIX.length), body), {});
    return;
  }

  const contentType = String(req.headers["content-type"] ?? "");
  let form: URLSearchParams | null = null;
  if (rawPath === "/" && method === "POST" && contentType.startsWith("application/x-www-form-urlencoded")) {
    form = new URLSearchParams(body.toString("utf8"));
  } else if (rawPath === "/" && method === "GET" && query.has("Action")) {
    form = query;
  }
  const credential = parseCredential(req.headers, query);
  const accessKeyId = credential?.accessKeyId ?? "";
  const region = credential?.region ?? DEFAULT_REGION;
  const service = routeService(req.headers, form, credential?.service ?? "");
  const module = service === null ? undefined : deps.byName.get(service);
  const caller = resolveCaller(identities(deps.ctx), accessKeyId);
  const common = { requestId, accessKeyId, account: caller.account, callerArn: caller.arn, region };

  if (module === undefined) {
    const status = 400;
    const what = service ?? String(req.headers["x-amz-target"] ?? form?.get("Version") ?? "this request");
    send(
      res,
      method,
      {
        status,
        headers: { "content-type": "text/xml" },
        body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>UnsupportedService</Code><Message>The Cordon sandbox does not serve ${what}</Message><RequestId>${requestId}</RequestId></Error>`,
      },
      { "x-amzn-requestid": requestId },
    );
    deps.stats.record({
      ...common,
      time: new Date().toISOString(),
      service: "unknown",
      operation: "unknown",
      status,
      errorCode: "UnsupportedService",
      ms: performance.now() - started,
    });
    return;
  }

  let path = rawPath;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    // keep the raw path; the module answers for it
  }
  let json: Record<string, unknown> = {};
  let badJson: string | null = null;
  if (module.protocol === "json" && body.length > 0) {
    try {
      const parsed: unknown = JSON.parse(body.toString("utf8"));
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed))
        json = parsed as Record<string, unknown>;
      else badJson = "request body must be a JSON object";
    } catch (e) {
      badJson = `request body is not valid JSON: ${(e as Error).message}`;
    }
  }
  const request: SandboxRequest = {
    method,
    path,
    rawPath,
    query,
    headers: req.headers,
    body,
    form: form ?? new URLSearchParams(),
    json,
    accessKeyId,
    region,
    account: caller.account,
    callerArn: caller.arn,
    requestId,
  };
  const idHeaders: Record<string, string> =
    module.protocol === "rest-xml"
      ? { "x-amz-request-id": requestId, "x-amz-id-2": Buffer.from(requestId).toString("base64") }
      : { "x-amzn-requestid": requestId };

  let operation = "unknown";
  let injected: "denied" | "throttle" | "error" | "lostResponse" | undefined;
  let iamActions: string[] | undefined;
  let response: SandboxResponse;
  let errorCode: string | undefined;
  try {
    try {
      if (badJson !== null) throw new ApiError("SerializationException", badJson, 400);
      operation = module.operation(request);
      const action = module.iamAction?.(operation, request) ?? `${module.iamPrefix}:${operation}`;
      const exempt = service === "sts" && operation === "GetCallerIdentity";
      if (!exempt && caller.policy !== undefined) {
        const checks = requestChecks(module.name, operation, action, request, deps.ctx);
        iamActions = [...new Set(checks.map((c) => c.action))];
        const denied = firstDenied(caller.policy, checks);
        if (denied !== null) {
          injected = "denied";
          throw accessDenied(module, caller.arn, denied.check, denied.decision === "explicit-deny");
        }
      } else if (!exempt && !actionAllowed(caller.allow, action)) {
        injected = "denied";
        throw accessDenied(module, caller.arn, { action, resource: "*" }, false);
      }
      const decision = deps.faults.decide(module.name, operation, request.form);
      if (decision.latencyMs > 0) await new Promise((r) => setTimeout(r, decision.latencyMs));
      if (decision.fault?.kind === "lostResponse") {
        // The request takes effect; only its answer is lost (replaced by a 5xx the client retries).
        const performed = await module.handle(operation, request, deps.ctx);
        if (!READ_ONLY.test(operation)) deps.store.touch();
        injected = "lostResponse"; // only when it succeeded: a failure is answered as it is
        throw new ApiError(
          decision.fault.code ?? INTERNAL_ERRORS[module.name],
          decision.fault.message ??
            `We encountered an internal error. Please try again. (sandbox: the ${performed.status} response was dropped)`,
          decision.fault.status,
        );
      }
      if (decision.fault !== null) {
        injected = decision.fault.kind;
        if (decision.fault.kind === "throttle") {
          throw new ApiError(
            module.throttle.code,
            THROTTLE_MESSAGES[module.throttle.code] ?? "Rate exceeded",
            module.throttle.status,
          );
        }
        throw new ApiError(
          decision.fault.code ?? INTERNAL_ERRORS[module.name],
          decision.fault.message ?? "We encountered an internal error. Please try again.",
          decision.fault.status,
        );
      }
      response = await module.handle(operation, request, deps.ctx);
      if (!READ_ONLY.test(operation)) deps.store.touch();
    } catch (e) {
      const error =
        e instanceof ApiError
          ? e
          : new ApiError(INTERNAL_ERRORS[module.name], "We encountered an internal error. Please try again.", 500);
      if (!(e instanceof ApiError) && process.env["CORDON_SANDBOX_DEBUG"]) {
        process.stderr.write(`sandbox: ${module.name}.${operation} failed: ${(e as Error)?.stack ?? String(e)}\n`);
      }
      errorCode = error.code;
      response = module.errorResponse(error, request);
    }
  } catch (e) {
    // errorResponse itself failed: answer a bare 500 rather than crash.
    errorCode = INTERNAL_ERRORS[module.name];
    response = { status: 500, body: "" };
    void e;
  }
  send(res, method, response, idHeaders);
  deps.stats.record({
    ...common,
    time: new Date().toISOString(),
    service: module.name,
    operation,
    status: response.status,
    ...(errorCode !== undefined ? { errorCode } : {}),
    ...(injected !== undefined ? { injected } : {}),
    ...(iamActions !== undefined ? { iamActions } : {}),
    ms: Math.round((performance.now() - started) * 100) / 100,
  });
}

/**
 * AWS's access-denied error for one check, in the service's protocol: the message names the caller,
 * the action and the resource, and whether a policy denied it or none allowed it (S3's HEAD has no
 * body: only the 403 reaches the client).
 */
function accessDenied(module: ServiceModule, arn: string, check: IamCheck, explicit: boolean): ApiError {
  const on = check.resource === "*" ? "" : ` on resource: ${check.resource}`;
  const because = explicit
    ? `with an explicit deny in an identity-based policy`
    : `because no identity-based policy allows the ${check.action} action`;
  const why = `User: ${arn} is not authorized to perform: ${check.action}${on} ${because}`;
  switch (module.protocol) {
    case "ec2":
      return new ApiError("UnauthorizedOperation", `You are not authorized to perform this operation. ${why}`, 403);
    case "query":
      return new ApiError("AccessDenied", why, 403);
    case "rest-xml":
      return new ApiError("AccessDenied", why, 403);
    case "json":
      return new ApiError("AccessDeniedException", why, 400);
    default:
      return assertNever(module.protocol, "protocol");
  }
}
