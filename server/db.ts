// The Prisma client on @prisma/adapter-pg (no native engine; see README "Why these choices"). Domain functions take
// `db: Db` so callers (tests, transactions) can pass their own.
import { PrismaClient, Prisma } from '@prisma/client'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'

export type Db = PrismaClient | Prisma.TransactionClient
export type { Prisma }

/**
 * What code that only runs SQL text needs: both a Prisma client (or transaction) and
 * `rawTransaction`'s plain `pg` connection satisfy it.
 */
export interface RawSql {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>
}

/** Each client's own connection pool (shared by Prisma and `rawTransaction`). */
const pools = new WeakMap<PrismaClient, pg.Pool>()

export function createPrisma(databaseUrl: string, opts: { max?: number } = {}): PrismaClient {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: opts.max ?? 10 })
  const client = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) })
  pools.set(client, pool)
  return client
}

const globalForPrisma = globalThis as unknown as { stocktowerPrisma?: PrismaClient }

/** The process-wide client (one pool per process; survives Next's module reloading in dev). */
export function prisma(): PrismaClient {
  if (!globalForPrisma.stocktowerPrisma) {
    const url = process.env.DATABASE_URL
    if (!url) throw new Error('DATABASE_URL is not set: start Stocktower with `npm start`, which provides it.')
    // Per process (README, Production deployment): size it so every process's pools fit max_connections.
    globalForPrisma.stocktowerPrisma = createPrisma(url, { max: Number(process.env.STOCKTOWER_DB_POOL_MAX) || 10 })
  }
  return globalForPrisma.stocktowerPrisma
}

/**
 * The SQLSTATE of a PostgreSQL error, however the driver wrapped it: `pg` puts it on `code`,
 * Prisma's adapter on `cause` / `meta.driverAdapterError` (Prisma's own P-codes are not one).
 */
export function sqlStateOf(e: unknown): string | null {
  const isState = (v: unknown): v is string => typeof v === 'string' && /^[0-9A-Z]{5}$/.test(v) && !/^P\d{4}$/.test(v)
  let words = ''
  for (let x = e as Record<string, unknown> | undefined, depth = 0; x && typeof x === 'object' && depth < 5; depth++) {
    const meta = x.meta as Record<string, unknown> | undefined
    for (const v of [x.originalCode, x.code, meta?.code]) if (isState(v)) return v
    words += ` ${String(x.message ?? '')}`
    x = (x.cause ?? meta?.driverAdapterError) as Record<string, unknown> | undefined
  }
  const m = /Code: `([0-9A-Z]{5})`/.exec(words)
  if (m) return m[1]
  // Prisma's adapter sometimes carries only the server's words.
  if (/deadlock detected/.test(words)) return '40P01'
  if (/could not serialize access/.test(words)) return '40001'
  return null
}

/**
 * Runs a whole transaction again when PostgreSQL chose it as a deadlock victim (40P01) or could not
 * serialise it (40001): it was rolled back whole, so running it again is safe. Concurrent batches
 * over the same rows (unique keys inserted, positions locked) can meet in another order.
 */
export async function withDeadlockRetry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn()
    } catch (e) {
      const state = sqlStateOf(e)
      if (!(state === '40P01' || state === '40001') || i >= attempts) throw e
    }
  }
}

/** Interactive transaction with the settings hot paths need (long enough for 5,000-event batches). */
export function transaction<T>(client: PrismaClient, fn: (tx: Prisma.TransactionClient) => Promise<T>, opts: { timeoutMs?: number } = {}): Promise<T> {
  return client.$transaction(fn, { timeout: opts.timeoutMs ?? 60_000, maxWait: 30_000 })
}

/**
 * A transaction on a plain `pg` connection from the client's pool, for SQL-only work that sends
 * megabytes of parameters: Prisma's raw-query path costs ~30 µs of CPU per KB of parameters (its
 * query compiler handles every value), which was the largest share of a rule recompute's CPU.
 * Same database, same pool, same isolation; an idle transaction is cut off after `timeoutMs` like
 * Prisma's.
 */
export async function rawTransaction<T>(client: PrismaClient, fn: (tx: RawSql) => Promise<T>, opts: { timeoutMs?: number } = {}): Promise<T> {
  const pool = pools.get(client)
  if (!pool) throw new Error('rawTransaction needs a client made by createPrisma (it runs on that client\'s pool).')
  const conn = await pool.connect()
  let broken: Error | undefined
  // A checked-out client whose server goes away emits 'error'; unheard, that would crash the
  // process. Heard, the statement in flight fails and the connection is discarded on release.
  const onError = (e: Error) => { broken = e }
  conn.on('error', onError)
  try {
    await conn.query(`BEGIN; SET LOCAL idle_in_transaction_session_timeout = ${Math.ceil(opts.timeoutMs ?? 60_000)}`)
    const result = await fn(rawSql(conn))
    await conn.query('COMMIT')
    return result
  } catch (e) {
    await conn.query('ROLLBACK').catch((re: Error) => { broken = re })
    throw e
  } finally {
    conn.removeListener('error', onError)
    conn.release(broken)
  }
}

function rawSql(conn: pg.PoolClient): RawSql {
  return {
    $queryRawUnsafe: async <T>(query: string, ...values: unknown[]) => (await conn.query(query, values)).rows as T,
    $executeRawUnsafe: async (query: string, ...values: unknown[]) => (await conn.query(query, values)).rowCount ?? 0,
  }
}
