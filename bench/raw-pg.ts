// The baselines the ingest API is compared with, on the same database in the same run: what plain
// `pg` reaches with no HTTP, no parsing and no domain rules, writing the same events into a scratch
// ledger-like table and a scratch position-like table (both logged, indexed like the real ones).
// - raw-pg: per batch of 500, one transaction of one multi-row INSERT (ON CONFLICT on the
//   idempotency key, as the ledger) and one multi-row UPDATE of the touched positions.
// - raw-pg-per-row: one round trip (one auto-committed statement) per event.
import pg from 'pg'
import type { BenchEvent } from './events'

export interface Catalog {
  skuId: Map<string, string>
  locationId: Map<string, string>
}

export async function loadCatalog(client: pg.ClientBase): Promise<Catalog> {
  const skus = await client.query<{ id: string; code: string }>(
    `SELECT id::text AS id, code FROM "Sku" WHERE NOT "isKit"`,
  )
  const locs = await client.query<{ id: string; code: string }>(`SELECT id::text AS id, code FROM "Location"`)
  const skuId = new Map<string, string>()
  for (const s of skus.rows) {
    skuId.set(s.code, s.id)
    skuId.set(`ERP-${s.code.slice(4)}`, s.id)
  }
  return { skuId, locationId: new Map(locs.rows.map((l) => [l.code, l.id])) }
}

export async function createScratchTables(client: pg.ClientBase): Promise<void> {
  await client.query(`
    DROP TABLE IF EXISTS bench_ledger, bench_position;
    CREATE TABLE bench_ledger (
      id bigserial PRIMARY KEY, source text NOT NULL, idempotency_key text NOT NULL, type text NOT NULL,
      sku_id uuid NOT NULL, location_id uuid NOT NULL, quantity int NOT NULL, reference text, source_seq bigint,
      occurred_at timestamptz NOT NULL, received_at timestamptz NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (source, idempotency_key));
    CREATE INDEX ON bench_ledger (sku_id, location_id, id);
    CREATE INDEX ON bench_ledger (received_at);
    CREATE TABLE bench_position (
      sku_id uuid NOT NULL, location_id uuid NOT NULL, on_hand int NOT NULL DEFAULT 0, version bigint NOT NULL DEFAULT 0,
      last_event_id bigint, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (sku_id, location_id));
    INSERT INTO bench_position (sku_id, location_id) SELECT "skuId", "locationId" FROM "Position";`)
}

export async function dropScratchTables(client: pg.ClientBase): Promise<void> {
  await client.query('DROP TABLE IF EXISTS bench_ledger, bench_position')
}

export interface Row {
  key: string
  type: string
  sku: string
  loc: string
  q: number
  ref: string | null
  seq: string | null
  at: string
}

export function toRows(events: BenchEvent[], cat: Catalog): Row[] {
  return events.map((e) => ({
    key: e.idempotencyKey,
    type: e.type,
    sku: cat.skuId.get(e.sku)!,
    loc: cat.locationId.get(e.location)!,
    q: e.type === 'ship' ? -e.quantity : e.quantity,
    ref: e.reference ?? null,
    seq: e.sourceSeq === undefined ? null : String(e.sourceSeq),
    at: e.occurredAt,
  }))
}

async function withRetry<T>(fn: () => Promise<T>, onRetry: () => void): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn()
    } catch (e) {
      if (i >= 5 || !/deadlock detected/.test(String((e as Error).message))) throw e
      onRetry()
    }
  }
}

/** Rows prepared by `toRows` before the clock starts. Batches handed out to `concurrency` connections as they free up. Returns deadlock retries. */
export async function rawBatched(pool: pg.Pool, prepared: Row[][], concurrency: number): Promise<{ retries: number }> {
  let retries = 0
  await eachOnConnections(pool, prepared, concurrency, async (client, rows) => {
    // Net change per position, sorted, so concurrent batches lock positions in one order.
    const delta = new Map<string, { s: string; l: string; q: number; n: number }>()
    for (const r of rows) {
      const k = `${r.sku}|${r.loc}`
      const d = delta.get(k)
      if (d) {
        d.q += r.q
        d.n++
      } else delta.set(k, { s: r.sku, l: r.loc, q: r.q, n: 1 })
    }
    const ds = [...delta.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((x) => x[1])
    await withRetry(
      async () => {
        await client.query('BEGIN')
        try {
          await client.query(
            `INSERT INTO bench_ledger (source, idempotency_key, type, sku_id, location_id, quantity, reference, source_seq, occurred_at, received_at)
               SELECT 'bench', k, t, s, l, q, r, sq, oa, now()
                 FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::int[], $6::text[], $7::bigint[], $8::timestamptz[]) AS x(k, t, s, l, q, r, sq, oa)
               ON CONFLICT (source, idempotency_key) DO NOTHING`,
            [
              rows.map((r) => r.key),
              rows.map((r) => r.type),
              rows.map((r) => r.sku),
              rows.map((r) => r.loc),
              rows.map((r) => r.q),
              rows.map((r) => r.ref),
              rows.map((r) => r.seq),
              rows.map((r) => r.at),
            ],
          )
          await client.query(
            `UPDATE bench_position p SET on_hand = p.on_hand + u.q, version = p.version + u.n, updated_at = now()
                 FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::int[]) AS u(s, l, q, n)
                WHERE p.sku_id = u.s AND p.location_id = u.l`,
            [ds.map((d) => d.s), ds.map((d) => d.l), ds.map((d) => d.q), ds.map((d) => d.n)],
          )
          await client.query('COMMIT')
        } catch (e) {
          await client.query('ROLLBACK').catch(() => {})
          throw e
        }
      },
      () => retries++,
    )
  })
  return { retries }
}

/** One auto-committed statement per event (ledger row + position update in one CTE): one round trip each. */
export async function rawPerRow(pool: pg.Pool, rows: Row[], concurrency: number): Promise<{ retries: number }> {
  await eachOnConnections(pool, rows, concurrency, async (client, r) => {
    await client.query(
      `WITH e AS (
             INSERT INTO bench_ledger (source, idempotency_key, type, sku_id, location_id, quantity, reference, source_seq, occurred_at, received_at)
             VALUES ('bench', $1, $2, $3, $4, $5, $6, $7, $8, now()) ON CONFLICT (source, idempotency_key) DO NOTHING RETURNING id)
           UPDATE bench_position p SET on_hand = p.on_hand + $5, version = p.version + 1, last_event_id = e.id, updated_at = now()
             FROM e WHERE p.sku_id = $3 AND p.location_id = $4`,
      [r.key, r.type, r.sku, r.loc, r.q, r.ref, r.seq, r.at],
    )
  })
  return { retries: 0 }
}

/** Hands `items` out in order to `concurrency` connections, each taking the next as it frees up. */
async function eachOnConnections<T>(
  pool: pg.Pool,
  items: readonly T[],
  concurrency: number,
  each: (client: pg.PoolClient, item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  const sender = async () => {
    const client = await pool.connect()
    try {
      while (next < items.length) await each(client, items[next++]!)
    } finally {
      client.release()
    }
  }
  await Promise.all(Array.from({ length: concurrency }, sender))
}
