// Expiring access tokens for the simulators of marketplaces that issue them (Walmart
// `POST /v3/token`, 900 s; Amazon Login with Amazon `POST /auth/o2/token`, 3600 s). A token is
// valid from its issue until its lifetime passes on the simulator's clock; an API call with an
// expired or unknown token is refused in the marketplace's own shape by the simulator.
import { randomBytes } from 'node:crypto'

export type TokenCheck = 'valid' | 'expired' | 'unknown' | 'missing'

export class TokenIssuer {
  readonly stats = { issued: 0, refusedExpired: 0, refusedUnknown: 0, refusedMissing: 0 }
  private readonly tokens = new Map<string, number>()

  constructor(
    private readonly now: () => number,
    private ttlSeconds: number,
    private readonly prefix: string,
  ) {}

  get lifetimeSeconds(): number {
    return this.ttlSeconds
  }

  /** Changes the lifetime of tokens issued from now on (tests make them expire every few seconds). */
  setLifetime(seconds: number): void {
    if (!(seconds > 0)) throw new RangeError('a token lifetime must be above 0 seconds')
    this.ttlSeconds = seconds
  }

  issue(): { token: string; expiresInSeconds: number } {
    if (this.tokens.size > 10_000) this.prune()
    const token = `${this.prefix}${randomBytes(24).toString('base64url')}`
    this.tokens.set(token, this.now() + this.ttlSeconds * 1000)
    this.stats.issued += 1
    return { token, expiresInSeconds: this.ttlSeconds }
  }

  check(token: string | undefined): TokenCheck {
    if (!token) {
      this.stats.refusedMissing += 1
      return 'missing'
    }
    const expiresAt = this.tokens.get(token)
    if (expiresAt === undefined) {
      this.stats.refusedUnknown += 1
      return 'unknown'
    }
    if (this.now() >= expiresAt) {
      this.stats.refusedExpired += 1
      return 'expired'
    }
    return 'valid'
  }

  private prune(): void {
    const at = this.now()
    for (const [token, expiresAt] of this.tokens) if (expiresAt <= at) this.tokens.delete(token)
  }
}

/** `Basic base64(id:secret)` -> { id, secret }, or undefined when malformed. */
export function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '')
  if (!match) return undefined
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon <= 0) return undefined
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) }
}
