// An in-memory ObjectStore with S3's conditional-write semantics (If-None-Match: *, If-Match),
// for unit tests of the lock and the records. A fake, not a mock: it keeps real state.
import { type ObjectStore, PreconditionFailedError } from "../../src/executor/objects.js";

export interface MemoryStore extends ObjectStore {
  readonly objects: Map<string, { text: string; etag: string }>;
}

export function memoryStore(where = "s3://memory"): MemoryStore {
  const objects = new Map<string, { text: string; etag: string }>();
  let version = 0;
  return {
    where,
    objects,
    async get(key) {
      const o = objects.get(key);
      return o === undefined ? null : { ...o };
    },
    async put(key, text, condition = {}) {
      const existing = objects.get(key);
      if (condition.ifNoneMatch === true && existing !== undefined) throw new PreconditionFailedError(`${key} exists`);
      if (condition.ifMatch !== undefined && existing?.etag !== condition.ifMatch) {
        throw new PreconditionFailedError(`${key} changed`);
      }
      const etag = `"v${++version}"`;
      objects.set(key, { text, etag });
      return etag;
    },
    async delete(key, ifMatch) {
      const existing = objects.get(key);
      if (existing === undefined) return;
      if (ifMatch !== undefined && existing.etag !== ifMatch) throw new PreconditionFailedError(`${key} changed`);
      objects.delete(key);
    },
    async list(prefix) {
      return [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    },
  };
}
