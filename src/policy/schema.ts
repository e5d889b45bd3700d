// The policy JSON Schema (schemas/policy.schema.json), bundled into the CLI.
import schema from "../../schemas/policy.schema.json" with { type: "json" };

/** The policy language as JSON Schema 2020-12; authoritative together with src/model/policy.ts. */
export const POLICY_SCHEMA: unknown = schema;
