// A small seeded PRNG (mulberry32) for property and fuzz tests: a failure prints its seed, and the
// same seed replays the same inputs (FUZZ_SEED=<n> to pick one).

export function seedFromEnv(fallback: number): number {
  const s = Number(process.env.FUZZ_SEED)
  return Number.isInteger(s) ? s : fallback
}

export class Prng {
  private state: number
  constructor(readonly seed: number) {
    this.state = seed >>> 0
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  /** One of the entries, each as likely as its weight. */
  weighted<T>(entries: ReadonlyArray<readonly [T, number]>): T {
    const total = entries.reduce((sum, entry) => sum + entry[1], 0)
    let r = this.next() * total
    for (const [value, weight] of entries) {
      if ((r -= weight) < 0) return value
    }
    return entries[entries.length - 1][0]
  }
  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items]
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i)
      ;[out[i], out[j]] = [out[j], out[i]]
    }
    return out
  }
  /** Distinct picks. */
  sample<T>(items: readonly T[], n: number): T[] {
    const pool = [...items]
    const out: T[] = []
    while (out.length < n && pool.length > 0) out.push(pool.splice(Math.floor(this.next() * pool.length), 1)[0])
    return out
  }
}
