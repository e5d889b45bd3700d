// Coalescing of per-resource calls into batch API calls. The executor starts independent changes
// together; the calls they make in one turn of the event loop are grouped by key and sent as one
// request per group (chunked to the API's limit). Each item keeps its own outcome.

export type Settled<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

export interface Batcher<T, R> {
  /** Queues `item`; items with the same key go into the same request. */
  add(key: string, item: T): Promise<R>;
}

/**
 * `send` receives up to `maxPerCall` items and returns one Settled per item, in order; when it
 * throws, every item of that request fails with the error.
 */
export function batcher<T, R>(
  maxPerCall: number,
  send: (items: readonly T[]) => Promise<readonly Settled<R>[]>,
): Batcher<T, R> {
  interface Pending {
    readonly item: T;
    readonly resolve: (r: R) => void;
    readonly reject: (e: unknown) => void;
  }
  const groups = new Map<string, Pending[]>();
  let scheduled = false;
  const run = async (chunk: readonly Pending[]) => {
    try {
      const results = await send(chunk.map((p) => p.item));
      chunk.forEach((p, i) => {
        const r = results[i];
        if (r === undefined) p.reject(new Error("batch answer is missing an item"));
        else if (r.ok) p.resolve(r.value);
        else p.reject(r.error);
      });
    } catch (e) {
      for (const p of chunk) p.reject(e);
    }
  };
  const flush = () => {
    scheduled = false;
    const ready = [...groups.values()];
    groups.clear();
    for (const group of ready) {
      for (let i = 0; i < group.length; i += maxPerCall) void run(group.slice(i, i + maxPerCall));
    }
  };
  return {
    add(key, item) {
      return new Promise<R>((resolve, reject) => {
        let group = groups.get(key);
        if (group === undefined) {
          group = [];
          groups.set(key, group);
        }
        group.push({ item, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}
