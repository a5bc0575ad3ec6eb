// What both offer-latency benches share: customers writing one at a time at a pace,
// and the span from each acknowledged webhook to its banner drawn.
import type { Demo } from '../harness';

/** Customers write `Latency probe N`, one every `paceMs`; when each was acknowledged,
 * by the banner's preview text. */
export async function probesWrite(demo: Demo, customers: number, paceMs: number): Promise<Map<string, number>> {
  const acknowledged = new Map<string, number>();
  for (let n = 0; n < customers; n += 1) {
    const text = `Latency probe ${n}`;
    const began = Date.now();
    await demo.dm(demo.newCustomer(`Probe ${n}`), text);
    acknowledged.set(`“${text}”`, Date.now());
    const rest = paceMs - (Date.now() - began);
    if (rest > 0) await new Promise((r) => setTimeout(r, rest));
  }
  return acknowledged;
}

/** Waits (up to 15 s) for every banner; the sorted spans of those drawn. */
export async function spansDrawn(acknowledged: Map<string, number>, seen: Map<string, number>): Promise<number[]> {
  const deadline = Date.now() + 15_000;
  while ([...acknowledged.keys()].some((k) => !seen.has(k)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return [...acknowledged].filter(([k]) => seen.has(k)).map(([k, t]) => seen.get(k)! - t).sort((a, b) => a - b);
}

export function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
}

export function summary(spans: number[]): string {
  return `p50 ${quantile(spans, 0.5)} ms, p90 ${quantile(spans, 0.9)} ms, p99 ${quantile(spans, 0.99)} ms, max ${spans[spans.length - 1]} ms`;
}
