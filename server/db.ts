// The Prisma client on @prisma/adapter-pg (no native engine; see STACK.md). Domain functions take
// `db: Db` so callers (tests, transactions) can pass their own.
import { PrismaClient, Prisma } from '@prisma/client'
import { PrismaPg } from '@prisma/adapter-pg'

export type Db = PrismaClient | Prisma.TransactionClient
export type { Prisma }

export function createPrisma(databaseUrl: string, opts: { max?: number } = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: opts.max ?? 10 })
  return new PrismaClient({ adapter })
}

const globalForPrisma = globalThis as unknown as { stocktowerPrisma?: PrismaClient }

/** The process-wide client (one pool per process; survives Next's module reloading in dev). */
export function prisma(): PrismaClient {
  if (!globalForPrisma.stocktowerPrisma) {
    const url = process.env.DATABASE_URL
    if (!url) throw new Error('DATABASE_URL is not set: start Stocktower with `npm start`, which provides it.')
    globalForPrisma.stocktowerPrisma = createPrisma(url)
  }
  return globalForPrisma.stocktowerPrisma
}

/** Interactive transaction with the settings hot paths need (long enough for 5,000-event batches). */
export function transaction<T>(client: PrismaClient, fn: (tx: Prisma.TransactionClient) => Promise<T>, opts: { timeoutMs?: number } = {}): Promise<T> {
  return client.$transaction(fn, { timeout: opts.timeoutMs ?? 60_000, maxWait: 30_000 })
}
