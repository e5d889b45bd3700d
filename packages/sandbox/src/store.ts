// The sandbox's state: plain JSON slices per (service, account, region) plus global slices
// (S3's bucket namespace, identities, STS sessions). With a state file, changes are written
// atomically (temp file + rename), coalesced: at most one write per `debounceMs`, and never more
// often than once per WRITE_COST_FACTOR × the last write's duration, so a large state (10,000 VPCs
// ≈ 19 MB) under a stream of mutations costs at most ~1/WRITE_COST_FACTOR of the server's time.
// `flush()` writes at once (shutdown).
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { SandboxError } from "./errors.js";
import type { SandboxConfig, ServiceName } from "./types.js";

export const DEFAULT_CONFIG: SandboxConfig = {
  naclEntryQuota: 20,
  wafAlwaysNextMarker: false,
  webAclAssociationDelayMs: 0,
  defaultPageSize: 100,
  flowLogRule: "strict",
  athenaQueryDelayMs: 0,
  athenaQueriesHang: false,
};

export const STATE_FORMAT = "cordon-sandbox-state/1";

/** A write that took t ms is followed by at least WRITE_COST_FACTOR × t ms without one. */
const WRITE_COST_FACTOR = 20;

/** What the state file has cost so far (for `/_sandbox/stats` and the benchmark). */
export interface PersistenceStats {
  readonly writes: number;
  readonly lastWriteMs: number;
  readonly lastWriteBytes: number;
  /** The last failed background write's message (cleared by a successful write). */
  readonly lastError?: string;
}

/** What `dump()` returns and the state file holds. */
export interface StateDump {
  readonly format: typeof STATE_FORMAT;
  /** Key `${service}/${account}/${region}`. */
  readonly slices: Record<string, unknown>;
  readonly globals: Record<string, unknown>;
}

export interface StoreOptions {
  /** Persist to this file (loaded by `load()`); absent = memory only. */
  readonly stateFile?: string;
  /** Minimum delay between a change and its write, ms (default 50). */
  readonly debounceMs?: number;
  readonly config?: Partial<SandboxConfig>;
}

export class Store {
  readonly config: SandboxConfig;
  readonly stateFile: string | undefined;
  private slices = new Map<string, unknown>();
  private globals = new Map<string, unknown>();
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private nextWriteAt = 0;
  private persisted: PersistenceStats = { writes: 0, lastWriteMs: 0, lastWriteBytes: 0 };
  private readonly debounceMs: number;
  private readonly initialState: (service: ServiceName) => unknown;

  /** `initialState` gives a fresh slice for a service (the module's initialState()). */
  constructor(initialState: (service: ServiceName) => unknown, options: StoreOptions = {}) {
    this.initialState = initialState;
    this.config = { ...DEFAULT_CONFIG, ...options.config };
    this.stateFile = options.stateFile;
    this.debounceMs = options.debounceMs ?? 50;
  }

  state<S>(service: ServiceName, account: string, region: string): S {
    const key = `${service}/${account}/${region}`;
    let slice = this.slices.get(key);
    if (slice === undefined) {
      slice = this.initialState(service);
      this.slices.set(key, slice);
    }
    return slice as S;
  }

  /** The (account, region) pairs that have a slice of `service`. */
  scopes(service: ServiceName): { account: string; region: string }[] {
    const out: { account: string; region: string }[] = [];
    for (const key of this.slices.keys()) {
      const [s, account, region] = key.split("/");
      if (s === service && account !== undefined && region !== undefined) out.push({ account, region });
    }
    return out;
  }

  global<S>(key: string, init: () => S): S {
    let value = this.globals.get(key);
    if (value === undefined) {
      value = init();
      this.globals.set(key, value);
    }
    return value as S;
  }

  newId(prefix: string): string {
    if (prefix === "uuid") return randomUUID();
    return `${prefix}${randomBytes(9).toString("hex").slice(0, 17)}`;
  }

  /** Marks the state changed; with a state file, schedules an atomic write (coalesced, see above). */
  touch(): void {
    if (this.stateFile === undefined) return;
    this.dirty = true;
    if (this.timer !== undefined) return;
    const delay = Math.max(this.debounceMs, this.nextWriteAt - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      try {
        this.flush();
      } catch (e) {
        // Kept dirty: the next change or stop() tries again, and stop() reports the failure.
        this.dirty = true;
        this.persisted = { ...this.persisted, lastError: (e as Error).message };
      }
    }, delay);
    this.timer.unref();
  }

  persistence(): PersistenceStats {
    return this.persisted;
  }

  /** Writes the state file now if anything changed (no-op without a state file). */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.stateFile === undefined || !this.dirty) return;
    this.dirty = false;
    const tmp = `${this.stateFile}.${process.pid}.tmp`;
    const started = performance.now();
    let bytes: number;
    try {
      const text = JSON.stringify(this.dump());
      writeFileSync(tmp, text);
      renameSync(tmp, this.stateFile);
      bytes = text.length;
    } catch (e) {
      throw new SandboxError("io", `cannot write sandbox state to ${this.stateFile}: ${(e as Error).message}`);
    }
    const ended = performance.now();
    this.nextWriteAt = ended + WRITE_COST_FACTOR * (ended - started);
    this.persisted = {
      writes: this.persisted.writes + 1,
      lastWriteMs: Math.round((ended - started) * 100) / 100,
      lastWriteBytes: bytes,
    };
  }

  /** Loads the state file when it exists; returns whether it did. */
  load(): boolean {
    if (this.stateFile === undefined || !existsSync(this.stateFile)) return false;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.stateFile, "utf8"));
    } catch (e) {
      throw new SandboxError("io", `cannot read sandbox state ${this.stateFile}: ${(e as Error).message}`, [
        "Delete the file to start from an empty sandbox.",
      ]);
    }
    this.restore(parsed, this.stateFile);
    return true;
  }

  /** Replaces the whole state with a dump (as produced by `dump()`). */
  restore(dump: unknown, source = "state"): void {
    const d = dump as Partial<StateDump> | null;
    if (d === null || typeof d !== "object" || d.format !== STATE_FORMAT || typeof d.slices !== "object") {
      throw new SandboxError("io", `${source} is not a sandbox state file (expected format "${STATE_FORMAT}")`);
    }
    this.slices = new Map(Object.entries(d.slices ?? {}));
    this.globals = new Map(Object.entries(d.globals ?? {}));
  }

  dump(): StateDump {
    return {
      format: STATE_FORMAT,
      slices: Object.fromEntries(this.slices),
      globals: Object.fromEntries(this.globals),
    };
  }

  /** Forgets every slice (the configuration stays). */
  reset(): void {
    this.slices.clear();
    this.globals.clear();
    this.dirty = true;
    this.touch();
  }
}
