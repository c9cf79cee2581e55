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
  /**
   * Only on `rawTransaction`'s connection: queues a statement whose result nobody reads; it is sent
   * in the same round trip as COMMIT, in the order queued (see `rawTransaction`). Its error is the
   * transaction's. Nothing later in the transaction sees what it writes.
   */
  $executeAtCommit?(query: string, ...values: unknown[]): void
}

/** Each client's own connection pool (shared by Prisma and `rawTransaction`). */
const pools = new WeakMap<PrismaClient, pg.Pool>()

export function createPrisma(databaseUrl: string, opts: { max?: number } = {}): PrismaClient {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: opts.max ?? 10 })
  // An idle connection the server closes (restart, DROP DATABASE ... FORCE, a proxy timeout) is
  // reported here and dropped from the pool; unheard, the pool's 'error' would crash the process.
  pool.on('error', (e) => {
    console.warn(`[db] an idle database connection was closed: ${e.message}`)
  })
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
export function transaction<T>(
  client: PrismaClient,
  fn: (tx: Prisma.TransactionClient) => Promise<T>,
  opts: { timeoutMs?: number } = {},
): Promise<T> {
  return client.$transaction(fn, { timeout: opts.timeoutMs ?? 60_000, maxWait: 30_000 })
}

/**
 * A transaction on a plain `pg` connection from the client's pool, for SQL-only work that sends
 * megabytes of parameters: Prisma's raw-query path costs ~30 µs of CPU per KB of parameters (its
 * query compiler handles every value), which was the largest share of a rule recompute's CPU.
 * Same database, same pool, same isolation; an idle transaction is cut off after `timeoutMs` like
 * Prisma's.
 */
export async function rawTransaction<T>(
  client: PrismaClient,
  fn: (tx: RawSql) => Promise<T>,
  opts: { timeoutMs?: number } = {},
): Promise<T> {
  const pool = pools.get(client)
  if (!pool) throw new Error("rawTransaction needs a client made by createPrisma (it runs on that client's pool).")
  const conn = await pool.connect()
  let broken: Error | undefined
  // A checked-out client whose server goes away emits 'error'; unheard, that would crash the
  // process. Heard, the statement in flight fails and the connection is discarded on release.
  const onError = (e: Error) => {
    broken = e
  }
  conn.on('error', onError)
  // Statements queued with $executeAtCommit: sent with COMMIT as one simple-protocol query, so a
  // hot transaction's last writes cost no round trip of their own while it holds its row locks.
  const atCommit: string[] = []
  try {
    await conn.query(`BEGIN; SET LOCAL idle_in_transaction_session_timeout = ${Math.ceil(opts.timeoutMs ?? 60_000)}`)
    const result = await fn(rawSql(conn, atCommit))
    // Each statement on its own lines: a trailing `--` comment cannot swallow the separator.
    await conn.query(atCommit.length === 0 ? 'COMMIT' : `${atCommit.join('\n;\n')}\n;\nCOMMIT`)
    return result
  } catch (e) {
    await conn.query('ROLLBACK').catch((re: Error) => {
      broken = re
    })
    throw e
  } finally {
    conn.removeListener('error', onError)
    conn.release(broken)
  }
}

function rawSql(conn: pg.PoolClient, atCommit: string[]): RawSql {
  return {
    $queryRawUnsafe: async <T>(query: string, ...values: unknown[]) => (await conn.query(query, values)).rows as T,
    $executeRawUnsafe: async (query: string, ...values: unknown[]) => (await conn.query(query, values)).rowCount ?? 0,
    $executeAtCommit: (query: string, ...values: unknown[]) => {
      atCommit.push(inlineParameters(query, values))
    },
  }
}

/**
 * `query` with its `$n` placeholders replaced by literals (a simple-protocol query has no
 * parameters): each value becomes the text `pg` would send as that parameter (`prepareValue`),
 * quoted by `escapeLiteral`, so the server reads the same value through the statement's own casts.
 * Placeholders inside standard quoted strings ('...', no E'' escapes), quoted identifiers and `--`
 * comments are left alone. Binary
 * values are refused (they would need bytea escaping; no caller sends one).
 */
export function inlineParameters(query: string, values: unknown[]): string {
  let out = ''
  let i = 0
  while (i < query.length) {
    const c = query[i]
    if (c === "'" || c === '"') {
      let j = i + 1
      while (j < query.length && !(query[j] === c && query[j + 1] !== c)) j += query[j] === c ? 2 : 1
      out += query.slice(i, j + 1)
      i = j + 1
    } else if (c === '-' && query[i + 1] === '-') {
      const j = query.indexOf('\n', i)
      const end = j < 0 ? query.length : j
      out += query.slice(i, end)
      i = end
    } else if (c === '$' && /[0-9]/.test(query[i + 1] ?? '')) {
      let j = i + 1
      while (j < query.length && /[0-9]/.test(query[j])) j++
      const n = Number(query.slice(i + 1, j))
      if (n < 1 || n > values.length) throw new Error(`inlineParameters: $${n} has no value (${values.length} given)`)
      out += literal(values[n - 1])
      i = j
    } else {
      out += c
      i++
    }
  }
  return out
}

/** `pg`'s own conversion of a parameter to its text (untyped in @types/pg). */
const prepareValue = (pg as unknown as { utils: { prepareValue(v: unknown): string | Buffer | null } }).utils
  .prepareValue

function literal(value: unknown): string {
  const text = prepareValue(value)
  if (text === null) return 'NULL'
  if (Buffer.isBuffer(text)) throw new Error('inlineParameters: binary values are not supported')
  // Parenthesised so a negative number stays one operand (`- -1`, `-1::int`).
  return `(${pg.escapeLiteral(text).trim()})`
}
