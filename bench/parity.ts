// Behaviour check for ingest optimisations: sends one deterministic stream (every event type,
// stale counts, transfers to new positions, channel reservations handed over by allocate/ship,
// aliases, units, duplicates, rejected events) through the ingest use case of a source tree, on a
// fresh database, sequentially, and dumps what it left (ledger, positions, outbox, counters,
// findings, reservations, raw messages, dead letters, jobs). Two trees that behave the same give
// the same dump, but for wall-clock seed times and random ids, which `compare` ignores.
//   reference tree: a copy of the working tree (node_modules linked) with only the files under
//   test taken from HEAD, e.g. `git show HEAD:server/ingest/ingest-events.ts > /tmp/ref/server/...`
//   npx tsx bench/parity.ts dump /tmp/ref /tmp/ref.json
//   npx tsx bench/parity.ts dump . /tmp/new.json
//   npx tsx bench/parity.ts compare /tmp/ref.json /tmp/new.json
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { EVENT_TYPES } from '../server/positions/apply-event'

async function dump(root: string, out: string) {
  const { startEmbeddedPostgres } = await import(path.join(root, 'server/runtime/embedded-postgres.ts'))
  const { migrateDatabase } = await import(path.join(root, 'server/runtime/migrate.ts'))
  const { createPrisma } = await import(path.join(root, 'server/db.ts'))
  const { seedDemo } = await import(path.join(root, 'server/demo/seed-demo.ts'))
  const { ingestEvents } = await import(path.join(root, 'server/ingest/ingest-events.ts'))
  const { ingestOrders } = await import(path.join(root, 'server/ingest/ingest-orders.ts'))
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktower-parity-'))
  fs.chmodSync(tmp, 0o755)
  const pg = await startEmbeddedPostgres({
    dir: path.join(tmp, 'pg'),
    password: 'x',
    database: 'stocktower',
    persistent: false,
  })
  try {
    await migrateDatabase(pg.url, { quiet: true })
    process.env.STOCKTOWER_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64')
    const db = createPrisma(pg.url)
    await seedDemo(db, {
      skuCount: 60,
      simulatorUrls: { shopify: 'http://x', amazon: 'http://x', walmart: 'http://x', b2b: 'http://x' },
      demoApiKey: 'st_x_y',
      b2bSigningSecret: 'x',
    })
    // A SKU with no positions yet, a location alias, a global SKU alias.
    const fresh = await db.sku.create({ data: { code: 'NEW-1', name: 'new', category: 'x', baseUom: 'EA' } })
    await db.unitOfMeasure.create({ data: { skuId: fresh.id, uom: 'PACK', factor: 6 } })
    const east = await db.location.findUniqueOrThrow({ where: { code: 'DC-EAST' } })
    await db.locationAlias.create({ data: { scope: 'erp-demo', alias: 'E1', locationId: east.id } })
    await db.skuAlias.create({
      data: {
        scope: '*',
        alias: 'GLOBAL-7',
        skuId: (await db.sku.findUniqueOrThrow({ where: { code: 'SKU-00007' } })).id,
      },
    })
    // Channel orders reserve stock, so ERP allocations/shipments can hand them over.
    const ord = (id: string, sku: string, q: number) => ({
      orderId: id,
      status: 'created',
      occurredAt: '2026-11-22T10:00:00Z',
      lines: [{ lineId: '1', sku, quantity: q }],
    })
    await ingestOrders(
      db,
      'shopify',
      JSON.stringify({ orders: [ord('O-1', 'SKU-00003', 2), ord('O-2', 'SKU-00004', 3), ord('O-3', 'SKU-00005', 1)] }),
      { receivedAt: new Date('2026-11-22T10:00:01Z') },
    )
    let s = 12345
    const rand = () => {
      s = (s * 1664525 + 1013904223) >>> 0
      return s / 2 ** 32
    }
    const types = EVENT_TYPES
    const locs = ['DC-EAST', 'DC-WEST', '3PL-CENTRAL', 'E1']
    let n = 0
    const event = () => {
      const t = types[Math.floor(rand() * types.length)]
      const skuNo = 1 + Math.floor(rand() * 12)
      const sku =
        rand() < 0.05
          ? 'NEW-1'
          : rand() < 0.05
            ? 'GLOBAL-7'
            : rand() < 0.1
              ? `ERP-${String(skuNo).padStart(5, '0')}`
              : `SKU-${String(skuNo).padStart(5, '0')}`
      const signed = ['adjustment', 'in_transit', 'damage'].includes(t)
      let q = 1 + Math.floor(rand() * 9)
      if (signed && rand() < 0.4) q = -q
      if (t === 'count') q = Math.floor(rand() * 50)
      const e: Record<string, unknown> = {
        idempotencyKey: `k${n++}`,
        type: t,
        sku,
        location: locs[Math.floor(rand() * locs.length)],
        quantity: q,
        occurredAt: new Date(Date.UTC(2026, 10, 22, 11, 0, 0) + Math.floor(rand() * 1e6)).toISOString(),
      }
      if (t === 'count' && rand() < 0.7) e.sourceSeq = Math.floor(rand() * 1000)
      if (t === 'transfer_out' && rand() < 0.7) e.toLocation = locs[Math.floor(rand() * 3)]
      if ((t === 'allocate' || t === 'ship') && rand() < 0.5) e.reference = `shopify:O-${1 + Math.floor(rand() * 3)}`
      else if (rand() < 0.3) e.reference = ` ref-${n} `
      if (sku === 'NEW-1' && rand() < 0.5) e.uom = 'pack'
      if (rand() < 0.03) e.uom = 'PALLET'
      if (rand() < 0.02) e.location = 'MOON'
      if (rand() < 0.02) e.quantity = 0
      if (rand() < 0.01) e.sku = 'SKU-NOPE'
      return e
    }
    const results: unknown[] = []
    let t = Date.UTC(2026, 10, 22, 12)
    for (let b = 0; b < 40; b++) {
      const events = Array.from({ length: 1 + Math.floor(rand() * 60) }, event)
      if (b > 0 && rand() < 0.3) events.push({ ...events[0] }) // duplicate within batch
      if (b > 2 && rand() < 0.3) events.push({ ...(events[1] ?? events[0]), idempotencyKey: 'k3' }) // duplicate of an old key
      if (rand() < 0.05) events.push('not an event' as never)
      const r = await ingestEvents(db, {
        body: JSON.stringify({ source: 'erp-demo', events }),
        receivedAt: new Date((t += 1000)),
      })
      results.push({ accepted: r.accepted, duplicates: r.duplicates, rejected: r.rejected })
    }
    const q = (sql: string) => db.$queryRawUnsafe(sql)
    const dump = {
      results,
      ledger:
        await q(`SELECT l.source, "idempotencyKey", type, s.code AS sku, lo.code AS loc, quantity, "rawQuantity", uom, tl.code AS "toLoc", reference, "sourceSeq"::text, l."occurredAt", l."receivedAt", outcome, "batchIndex", m.body IS NOT NULL AS "hasMsg", rank() OVER (ORDER BY l.id) AS ord
        FROM "LedgerEvent" l JOIN "Sku" s ON s.id = l."skuId" JOIN "Location" lo ON lo.id = l."locationId" LEFT JOIN "Location" tl ON tl.id = l."toLocationId" LEFT JOIN "InboundMessage" m ON m.id = l."inboundMessageId" ORDER BY l.id`),
      positions:
        await q(`SELECT s.code AS sku, lo.code AS loc, "onHand", reserved, allocated, "inTransit", quarantined, damaged, "lastCountSeq"::text, "lastCountAt", version::text, (SELECT "idempotencyKey" FROM "LedgerEvent" WHERE id = p."lastEventId") AS "lastEvent"
        FROM "Position" p JOIN "Sku" s ON s.id = p."skuId" JOIN "Location" lo ON lo.id = p."locationId" ORDER BY 1, 2`),
      dirty: await q(`SELECT s.code, d.since FROM "AvailabilityDirty" d JOIN "Sku" s ON s.id = d."skuId" ORDER BY 1`),
      counters: await q(`SELECT name, labels, minute, value::text FROM "CounterMinute" ORDER BY 1, 2, 3`),
      findings: await q(
        `SELECT kind, sku, location, cause, field, status, details::text, "dedupeKey" FROM "Finding" ORDER BY "dedupeKey", cause`,
      ),
      reservations: await q(`SELECT "orderId", quantity, "handedOverQuantity", status FROM "Reservation" ORDER BY 1`),
      messages: await q(
        `SELECT source, kind, transport, "contentType", length(body) AS len, "sizeBytes", "receivedAt", status, accepted, duplicates, rejected, error FROM "InboundMessage" ORDER BY "receivedAt", kind`,
      ),
      deadLetters: await q(
        `SELECT kind, code, reason, source, sku, payload::text, status FROM "DeadLetter" ORDER BY reason, payload::text`,
      ),
      jobs: await q(
        `SELECT t.identifier, q.queue_name, j.payload::text, j.max_attempts, j.key, j.priority, j.attempts FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id LEFT JOIN graphile_worker._private_job_queues q ON q.id = j.job_queue_id ORDER BY 1, 5`,
      ),
    }
    fs.writeFileSync(
      out,
      JSON.stringify(dump, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2),
    )
    await db.$disconnect()
  } finally {
    await pg.stop()
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}
function compare(a: string, b: string): boolean {
  // Seed rows carry the wall-clock time of the run; ids are random.
  const normalise = (file: string) => {
    const d = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown[]> & {
      ledger: Array<{ occurredAt: string }>
    }
    const seedMinute = d.ledger[0].occurredAt.slice(0, 16)
    return JSON.parse(
      JSON.stringify(d, (_k, v) =>
        typeof v === 'string'
          ? v.startsWith(seedMinute)
            ? '<seed time>'
            : v.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
          : v,
      ),
    ) as Record<string, unknown[]>
  }
  const x = normalise(a)
  const y = normalise(b)
  let same = true
  for (const k of Object.keys(x)) {
    const i = x[k].findIndex((row, n) => JSON.stringify(row) !== JSON.stringify(y[k]?.[n]))
    const ok = i < 0 && x[k].length === y[k]?.length
    same &&= ok
    const at = i < 0 ? Math.min(x[k].length, y[k]?.length ?? 0) : i
    console.log(
      `${k.padEnd(14)} ${String(x[k].length).padStart(6)} rows  ${ok ? 'same' : `DIFFERENT (${x[k].length} vs ${y[k]?.length ?? 0} rows, first difference at ${at}):\n  ${JSON.stringify(x[k][at])}\n  ${JSON.stringify(y[k]?.[at])}`}`,
    )
  }
  return same
}

const [mode, a, b] = process.argv.slice(2)
if (mode === 'dump' && a && b)
  dump(path.resolve(a), path.resolve(b)).catch((e) => {
    console.error(e)
    process.exit(1)
  })
else if (mode === 'compare' && a && b) process.exit(compare(a, b) ? 0 : 1)
else {
  console.error('usage: tsx bench/parity.ts dump <source tree> <out.json> | compare <a.json> <b.json>')
  process.exit(2)
}
