// The policy JSON Schema (schemas/policy.schema.json), bundled into the CLI.
import schema from "../../schemas/policy.schema.json" with { type: "json" };
import setSchema from "../../schemas/policy-set.schema.json" with { type: "json" };

/** The policy language as JSON Schema 2020-12: the authority (src/model/policy.ts's types are generated from it). */
export const POLICY_SCHEMA: unknown = schema;

/** The policy-set file (cordon.yaml) as JSON Schema 2020-12; see src/policy/policy-set.ts. */
export const POLICY_SET_SCHEMA: unknown = setSchema;
