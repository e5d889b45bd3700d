// The watch loop's HTTP endpoints: /healthz (the process is alive), /readyz (200 "ready" once a
// reconcile has succeeded; 503 "not ready: why" before; 503 "degraded: why" while the branch's tip is
// bad and the last good commit is used) and /metrics (Prometheus text format). Binds host:port.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { UsageError } from "../model/errors.js";

/** What /readyz answers. */
export type Readiness =
  | { readonly state: "ready" }
  | { readonly state: "not-ready"; readonly why: string }
  | { readonly state: "degraded"; readonly why: string };

export interface Endpoints {
  readonly url: string;
  close(): Promise<void>;
}

export function parseListen(text: string): { readonly host: string; readonly port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[3]);
  if (m === null || !Number.isInteger(port) || port > 65_535) {
    throw new UsageError(`--listen must be host:port, such as 127.0.0.1:8947 (got "${text}")`);
  }
  return { host: m[1] ?? (m[2] === "" ? "127.0.0.1" : (m[2] as string)), port };
}

export async function startEndpoints(
  listen: { readonly host: string; readonly port: number },
  registry: Registry,
  readiness: () => Readiness,
): Promise<Endpoints> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const text = (status: number, body: string, type = "text/plain; charset=utf-8") => {
      res.writeHead(status, { "content-type": type });
      res.end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return text(405, "method not allowed\n");
    switch (path) {
      case "/healthz":
        return text(200, "ok\n");
      case "/readyz": {
        const r = readiness();
        return r.state === "ready" ? text(200, "ready\n") : text(503, `${r.state.replace("-", " ")}: ${r.why}\n`);
      }
      case "/metrics":
        registry.metrics().then(
          (body) => text(200, body, registry.contentType),
          (e: unknown) => text(500, `${(e as Error).message}\n`),
        );
        return;
      default:
        return text(404, "not found: try /healthz, /readyz or /metrics\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e) =>
      reject(new UsageError(`cannot listen on ${listen.host}:${listen.port}: ${(e as Error).message}`)),
    );
    server.listen(listen.port, listen.host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const host = a.family === "IPv6" ? `[${a.address}]` : a.address;
  return {
    url: `http://${host}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
