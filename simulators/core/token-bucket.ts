// A token bucket over an injectable clock: the shape of every marketplace limit we simulate
// (Shopify's cost "leaky bucket" is the same thing counted in query-cost points, Amazon's usage
// plans are rate + burst, Walmart's and the B2B portal's are tokens replenished over time).

export interface TokenBucketPlan {
  /** Bucket size: the burst a fresh client may spend at once. */
  capacity: number
  /** Tokens restored per second. */
  refillPerSecond: number
}

export type TakeResult =
  | { ok: true; available: number }
  /** waitMs: how long until `cost` tokens will be available (Infinity if cost > capacity). */
  | { ok: false; available: number; waitMs: number }

export class TokenBucket {
  private tokens: number
  private updatedAt: number

  constructor(
    readonly plan: TokenBucketPlan,
    private readonly now: () => number,
  ) {
    this.tokens = plan.capacity
    this.updatedAt = now()
  }

  available(): number {
    this.refill()
    return this.tokens
  }

  tryTake(cost = 1): TakeResult {
    this.refill()
    if (cost <= this.tokens) {
      this.tokens -= cost
      return { ok: true, available: this.tokens }
    }
    const missing = cost - this.tokens
    const waitMs =
      cost > this.plan.capacity || this.plan.refillPerSecond <= 0
        ? Number.POSITIVE_INFINITY
        : Math.ceil((missing / this.plan.refillPerSecond) * 1000)
    return { ok: false, available: this.tokens, waitMs }
  }

  private refill(): void {
    const at = this.now()
    // A clock that goes backwards (tests rewinding a fake clock) must not drain the bucket.
    const elapsedMs = Math.max(0, at - this.updatedAt)
    this.updatedAt = at
    this.tokens = Math.min(this.plan.capacity, this.tokens + (elapsedMs / 1000) * this.plan.refillPerSecond)
  }
}
