import type { Quantity } from "./types.js";

const MS: Partial<Record<Quantity["unit"], number>> = { ms: 1, s: 1e3, min: 60e3, h: 3600e3, d: 86400e3 };
const BYTES: Partial<Record<Quantity["unit"], number>> = { B: 1, KiB: 1024, MiB: 1024 ** 2, MB: 1e6, GB: 1e9 };

export function toMs(q: Quantity): number {
  const f = MS[q.unit];
  if (f === undefined) throw new TypeError(`${q.value} ${q.unit} is not a duration`);
  return q.value * f;
}

export function toBytes(q: Quantity): number {
  const f = BYTES[q.unit];
  if (f === undefined) throw new TypeError(`${q.value} ${q.unit} is not a size`);
  return q.value * f;
}

export function formatQuantity(q: Quantity): string {
  return `${q.value.toLocaleString("en-US")} ${q.unit}`;
}

/** Compares dotted numeric versions ("2.18.5" vs "2.18", spec versions, driver versions); missing components count as 0. */
export function compareDotted(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
