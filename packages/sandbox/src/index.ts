// @cordon/sandbox: a local AWS-compatible endpoint (EC2, S3, Glue, WAFv2, ELBv2, STS, Athena) for
// Cordon's demo, its tests and anyone trying Cordon without an AWS account. This is the
// package's public surface; it imports nothing from Cordon (a test enforces it).
export type { Control, RequestLogEntry, TrafficRequest } from "./control.js";
export { assertNever, SandboxError, type SandboxErrorKind } from "./errors.js";
export { EstateError, loadEstateFile, parseEstateText } from "./estate.js";
export { type FaultConfig, loadFaultsArg } from "./faults.js";
export { type SandboxHandle, type SandboxOptions, startSandbox } from "./server.js";
export {
  type DeliveredObject,
  type DeliveryReport,
  type DeliverySink,
  FLOOD_TARGET,
  SCANNER,
  TRAFFIC_SCENARIOS,
  type TrafficOptions,
  type TrafficScenario,
} from "./traffic.js";
export type { Estate, FlowLogRule, RegionEstate, SandboxConfig } from "./types.js";
