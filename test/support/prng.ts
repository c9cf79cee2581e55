// A small seeded PRNG (mulberry32) for property and fuzz tests: a failure prints its seed, and the
// same seed replays the same inputs (FUZZ_SEED=<n> to pick one).

export function seedFromEnv(fallback: number): number {
  const s = Number(process.env.FUZZ_SEED)
  return Number.isInteger(s) ? s : fallback
}

export class Prng {
  private state: number
  constructor(readonly seed: number) { this.state = seed >>> 0 }
  next(): number {
    let t = (this.state += 0x6d2b79f5)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(min: number, max: number): number { return min + Math.floor(this.next() * (max - min + 1)) }
  pick<T>(items: readonly T[]): T { return items[Math.floor(this.next() * items.length)] }
  chance(p: number): boolean { return this.next() < p }
  /** Distinct picks. */
  sample<T>(items: readonly T[], n: number): T[] {
    const pool = [...items]
    const out: T[] = []
    while (out.length < n && pool.length > 0) out.push(pool.splice(Math.floor(this.next() * pool.length), 1)[0])
    return out
  }
}
