// Byte sizes as people write and read them: "10GB", "500 MB", "1.5TiB" in, "3.1 MB" out. Decimal
// units (kB, MB, GB, TB: powers of 1000, as Athena's console and price count them) and binary ones
// (KiB, MiB, GiB, TiB) are both read; sizes are written in decimal units. Pure.

const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** "10GB" → 10,000,000,000; undefined when it is not a size. */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (m === null) return undefined;
  const unit = (m[2] ?? "").toLowerCase() || "b";
  const factor = UNITS[unit === "k" ? "kb" : unit === "m" ? "mb" : unit === "g" ? "gb" : unit === "t" ? "tb" : unit];
  if (factor === undefined) return undefined;
  return Math.round(Number(m[1]) * factor);
}

/** 3_100_000 → "3.1 MB"; below 1 kB in bytes. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ["kB", "MB", "GB", "TB", "PB"];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}
