// What `cordon investigate` reports (docs/investigate.md): findings over a time window of flow
// logs, each with its evidence, and the policy change proposed for the actionable ones. The
// findings are computed in src/query/investigate.ts, the proposal in src/policy/patch.ts, and
// rendered by src/render/investigate.ts, which reads only this.

export type FindingKind = "outbound-flood" | "inbound-scan" | "rejected-talker" | "block-not-holding";

/**
 * error: a declared block did not hold; warning: traffic that calls for a block (flood, scan);
 * info: traffic already stopped (rejected top talkers), reported but not acted on.
 */
export type FindingSeverity = "error" | "warning" | "info";

/** The figures behind a finding, from the flow-log records of the window. */
export interface Evidence {
  /** Flow-log records. */
  readonly flows: number;
  readonly bytes: number;
  readonly packets: number;
  /** ISO 8601 (UTC) from the records' start and end. */
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  /** The interfaces involved (ENI ids), most bytes first, at most a few. */
  readonly interfaces: readonly string[];
  /** How many interfaces in all. */
  readonly interfaceCount: number;
  /** Share of the window's bytes and packets (0..1), over the records of the same table. */
  readonly byteShare: number;
  readonly packetShare: number;
  /** Scan: distinct destination ports and addresses of ours reached. */
  readonly distinctPorts?: number;
  readonly distinctAddresses?: number;
  /** Protocols seen (IANA numbers), most bytes first. */
  readonly protocols?: readonly number[];
}

export interface Finding {
  readonly kind: FindingKind;
  readonly severity: FindingSeverity;
  /** The outside address (flood: the destination; scan, rejected talker: the source). */
  readonly address: string;
  /** The address on the other side when there is one (rejected talker: its top destination). */
  readonly peer?: string;
  /** One sentence for a person. */
  readonly summary: string;
  readonly evidence: Evidence;
  /** The table (policy, account, region) whose records show it. */
  readonly policy: string;
  readonly account: string;
  readonly region: string;
  /** block-not-holding: the declared entry that should have stopped it. */
  readonly declared?: {
    readonly cidr: string;
    readonly file: string;
    readonly line: number | null;
    /** When the window's first REJECT of it began (ISO): the block held from then, until it stopped. */
    readonly heldFrom?: string;
  };
  /** Whether a blockedAddresses entry is proposed for it (flood: the destination; scan: the source). */
  readonly actionable: boolean;
}

/** What became of the proposal for one actionable finding. */
export type ProposalOutcome =
  | {
      readonly status: "proposed";
      readonly cidr: string;
      readonly policy: string;
      readonly file: string;
      readonly entry: {
        readonly cidr: string;
        readonly reason: string;
        readonly ticket: string;
        readonly expires?: string;
      };
      /** Why the entry, as the policy enforces blocks, will not stop this traffic (direction, web ACL only). */
      readonly note?: string;
    }
  | {
      /** Already blocked by an entry (equal, or a range holding it) of a policy covering the target. */
      readonly status: "already-declared";
      readonly cidr: string;
      readonly policy: string;
      readonly file: string;
      readonly line: number | null;
      readonly declared: string;
      /** The covering entry's expiry when it has passed. */
      readonly expired?: string;
    }
  | {
      /** The address is in the policy's allowlist: never proposed. */
      readonly status: "allowlisted";
      readonly cidr: string;
      readonly policy: string;
      readonly file: string;
      readonly line: number | null;
      readonly allowlisted: string;
      readonly reason: string;
    }
  | {
      /** No loaded policy covering the target has a blockedAddresses section: says where to add one. */
      readonly status: "no-section";
      readonly cidr: string;
      readonly account: string;
      readonly region: string;
      /** The policy files covering the target (where a blockedAddresses section could go). */
      readonly candidates: readonly string[];
    };

/** One policy file's proposed edit. */
export interface PolicyPatch {
  readonly file: string;
  readonly before: string;
  readonly after: string;
  /** Unified diff of before → after. */
  readonly diff: string;
}

export interface InvestigateReport {
  /** Window, ISO 8601 (from inclusive, until exclusive). */
  readonly from: string;
  readonly until: string;
  readonly engine: string;
  /** The tables read, as policy (account/region). */
  readonly tables: readonly { readonly policy: string; readonly account: string; readonly region: string }[];
  readonly findings: readonly Finding[];
  readonly proposals: readonly ProposalOutcome[];
  readonly patches: readonly PolicyPatch[];
  /** Whether --write wrote the patches. */
  readonly written: boolean;
  /** Bytes scanned over all queries, and queries run. */
  readonly bytesScanned: number;
  readonly queries: number;
  /** Flow-log records in the window, over every table read. */
  readonly records: number;
  /** Athena's price over all queries, when the engine reports one. */
  readonly costUsd?: number;
}
