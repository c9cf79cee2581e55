// Retention deletes what is older than its table's window, in batches, and keeps every old row
// something still refers to for an explanation: a position's last event, the inputs of a current
// decision, the current decision, attempts of an unpublished version, order events of an order
// still holding stock, raw messages of an unresolved dead letter or not yet processed. The audit
// log stays unless an operator shortens it.
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { applyRetention } from '../../server/retention/apply-retention'
import { getRetentionReport } from '../../server/retention/retention-report'
import { retentionPolicy } from '../../server/retention/retention-policy'
import { renderPrometheus } from '../../server/metrics/render-prometheus'

let db: PrismaClient
const NOW = new Date('2026-12-01T00:00:00Z')
const OLD = "'2026-07-01T00:00:00Z'::timestamptz" // 153 days before NOW
const RECENT = "'2026-11-20T00:00:00Z'::timestamptz"
const OLD_ROWS = 4_200
const BATCH = 1_000

const ids: Record<string, string> = {}
const count = async (sql: string) => Number((await db.$queryRawUnsafe<Array<{ n: bigint }>>(sql))[0].n)

useTestDatabase(
  async (created) => {
    db = created
    const [p] = await db.$queryRawUnsafe<Array<{ skuId: string; locationId: string }>>(
      `SELECT "skuId"::text AS "skuId", "locationId"::text AS "locationId" FROM "Position" ORDER BY "skuId", "locationId" LIMIT 1`,
    )
    const [l] = await db.$queryRawUnsafe<Array<{ id: string; channelId: string }>>(
      `SELECT id::text AS id, "channelId"::text AS "channelId" FROM "ChannelListing" WHERE "skuId" = $1::uuid ORDER BY id LIMIT 1`,
      p.skuId,
    )
    Object.assign(ids, { sku: p.skuId, location: p.locationId, listing: l.id, channel: l.channelId })
    const ex = (sql: string, ...v: unknown[]) => db.$executeRawUnsafe(sql, ...v)

    // Raw messages: OLD_ROWS old processed ones (each with a chunk), one per protection, some recent.
    await ex(`INSERT INTO "InboundMessage"(id, source, kind, body, "receivedAt", status)
            SELECT gen_random_uuid(), 'erp', 'events', '{}', ${OLD} + g * interval '1 second', 'processed' FROM generate_series(1, ${OLD_ROWS}) g`)
    await ex(
      `INSERT INTO "InboundChunk"("messageId", seq, data) SELECT id, 0, 'x' FROM "InboundMessage" WHERE source = 'erp'`,
    )
    for (const name of ['deadLetterOpen', 'deadLetterResolved', 'unprocessed', 'ofKeptEvent', 'recent']) {
      const [m] = await db.$queryRawUnsafe<Array<{ id: string }>>(
        `INSERT INTO "InboundMessage"(id, source, kind, body, "receivedAt", status) VALUES (gen_random_uuid(), $1, 'events', '{}', ${name === 'recent' ? RECENT : OLD}, $2) RETURNING id::text AS id`,
        `keep-${name}`,
        name === 'unprocessed' ? 'received' : 'rejected',
      )
      ids[`msg_${name}`] = m.id
    }
    await ex(
      `INSERT INTO "DeadLetter"(id, kind, code, reason, payload, "inboundMessageId", status, "firstSeenAt", "lastSeenAt") VALUES
            (gen_random_uuid(), 'ingest', 'BAD', 'bad', '{}'::jsonb, $1::uuid, 'open', ${OLD}, ${OLD}),
            (gen_random_uuid(), 'ingest', 'BAD', 'bad', '{}'::jsonb, $2::uuid, 'discarded', ${OLD}, ${OLD})`,
      ids.msg_deadLetterOpen,
      ids.msg_deadLetterResolved,
    )

    // Ledger: OLD_ROWS old events, two of them still explaining something, and recent ones.
    await ex(
      `INSERT INTO "LedgerEvent"(source, "idempotencyKey", type, "skuId", "locationId", quantity, "rawQuantity", uom, "occurredAt", "receivedAt")
            SELECT 'erp', 'old-' || g, 'receipt', $1::uuid, $2::uuid, 1, 1, 'EA', ${OLD} + g * interval '1 second', ${OLD} + g * interval '1 second' FROM generate_series(1, ${OLD_ROWS}) g`,
      ids.sku,
      ids.location,
    )
    await ex(
      `INSERT INTO "LedgerEvent"(source, "idempotencyKey", type, "skuId", "locationId", quantity, "rawQuantity", uom, "occurredAt", "receivedAt")
            SELECT 'erp', 'recent-' || g, 'receipt', $1::uuid, $2::uuid, 1, 1, 'EA', ${RECENT}, ${RECENT} FROM generate_series(1, 300) g`,
      ids.sku,
      ids.location,
    )
    const eventId = async (key: string) =>
      (
        await db.$queryRawUnsafe<Array<{ id: string }>>(
          `SELECT id::text AS id FROM "LedgerEvent" WHERE source = 'erp' AND "idempotencyKey" = $1`,
          key,
        )
      )[0].id
    ids.lastEvent = await eventId('old-10')
    ids.decisionInput = await eventId('old-20')
    ids.messageEvent = await eventId('old-30')
    await ex(
      `UPDATE "Position" SET "lastEventId" = $1::bigint WHERE "skuId" = $2::uuid AND "locationId" = $3::uuid`,
      ids.lastEvent,
      ids.sku,
      ids.location,
    )
    await ex(
      `UPDATE "LedgerEvent" SET "inboundMessageId" = $1::uuid WHERE id = $2::bigint`,
      ids.msg_ofKeptEvent,
      ids.messageEvent,
    )
    // old-30 is an input of the current decision below, so its raw message stays with it.

    // Decisions: OLD_ROWS old ones, the listing's current one among them (citing two old events).
    await ex(
      `INSERT INTO "AvailabilityDecision"("listingId", "skuId", "channelId", quantity, "listingVersion", "ruleVersionIds", "holdbackIds", inputs, steps, "eventIds", "decidedAt")
            SELECT $1::uuid, $2::uuid, $3::uuid, 1, g, '{}', '{}', '{}'::json, '[]'::json, '{}', ${OLD} + g * interval '1 second' FROM generate_series(1, ${OLD_ROWS}) g`,
      ids.listing,
      ids.sku,
      ids.channel,
    )
    const [d] = await db.$queryRawUnsafe<Array<{ id: string }>>(
      `INSERT INTO "AvailabilityDecision"("listingId", "skuId", "channelId", quantity, "listingVersion", "ruleVersionIds", "holdbackIds", inputs, steps, "eventIds", "decidedAt")
     VALUES ($1::uuid, $2::uuid, $3::uuid, 7, 9999, '{}', '{}', '{}'::json, '[]'::json, ARRAY[$4::bigint, $5::bigint], ${OLD}) RETURNING id::text AS id`,
      ids.listing,
      ids.sku,
      ids.channel,
      ids.decisionInput,
      ids.messageEvent,
    )
    ids.decision = d.id
    await ex(
      `UPDATE "ChannelListing" SET "decisionId" = $1::bigint, "publishedVersion" = 5, "appliedVersion" = 5, "desiredVersion" = 6 WHERE id = $2::uuid`,
      ids.decision,
      ids.listing,
    )

    // Publish attempts: OLD_ROWS old ones of versions before the one published (5), one of the version in flight.
    await ex(
      `INSERT INTO "PublishAttempt"("listingId", "channelId", version, quantity, outcome, "startedAt")
            SELECT $1::uuid, $2::uuid, 1 + g % 4, 1, 'applied', ${OLD} + g * interval '1 second' FROM generate_series(1, ${OLD_ROWS}) g`,
      ids.listing,
      ids.channel,
    )
    const [a] = await db.$queryRawUnsafe<Array<{ id: string }>>(
      `INSERT INTO "PublishAttempt"("listingId", "channelId", version, quantity, outcome, "startedAt") VALUES ($1::uuid, $2::uuid, 6, 1, 'failed', ${OLD}) RETURNING id::text AS id`,
      ids.listing,
      ids.channel,
    )
    ids.inFlightAttempt = a.id

    // Order events: OLD_ROWS old ones; the order with an open reservation keeps its events.
    await ex(
      `INSERT INTO "ChannelOrderEvent"("channelId", "idempotencyKey", "orderId", status, lines, "occurredAt", "receivedAt")
            SELECT $1::uuid, 'oe-' || g, 'O-' || g, 'created', '[]'::jsonb, ${OLD}, ${OLD} + g * interval '1 second' FROM generate_series(1, ${OLD_ROWS}) g`,
      ids.channel,
    )
    await ex(
      `INSERT INTO "Reservation"(id, "channelId", "orderId", "lineId", "skuId", "locationId", quantity, status) VALUES (gen_random_uuid(), $1::uuid, 'O-77', '1', $2::uuid, $3::uuid, 1, 'open')`,
      ids.channel,
      ids.sku,
      ids.location,
    )

    // Rollups and audit: old and recent minutes.
    await ex(
      `INSERT INTO "CounterMinute"(name, labels, minute, value) SELECT 'events', 'erp', ${OLD} + g * interval '1 minute', 1 FROM generate_series(1, ${OLD_ROWS}) g`,
    )
    await ex(`INSERT INTO "CounterMinute"(name, labels, minute, value) VALUES ('events', 'erp', ${RECENT}, 1)`)
    await ex(
      `INSERT INTO "LagMinute"("channelId", minute, count, "sumMs", "maxMs", buckets) SELECT $1::uuid, ${OLD} + g * interval '1 minute', 1, 10, 10, '{}' FROM generate_series(1, 50) g`,
      ids.channel,
    )
    await ex(
      `INSERT INTO "AuditLog"("actorKind", "actorLabel", action, entity, at) SELECT 'system', 'test', 'old.thing', 'x', ${OLD} FROM generate_series(1, 30) g`,
    )
  },
  { demo: { skuCount: 20 }, timeoutMs: 120_000 },
)

describe('retention', () => {
  it('deletes old rows in batches and keeps every row an explanation still needs', async () => {
    const lines: string[] = []
    const auditBefore = await count(`SELECT count(*) AS n FROM "AuditLog"`)
    const report = await applyRetention(db, {
      now: NOW,
      batchSize: BATCH,
      policy: retentionPolicy({}),
      log: (l) => lines.push(l),
    })
    const by = Object.fromEntries(report.tables.map((r) => [r.table, r]))

    // Ledger: every old event but the position's last one and the current decision's inputs.
    expect(by.LedgerEvent.deleted).toBe(OLD_ROWS - 3)
    expect(by.LedgerEvent.kept).toBe(3)
    expect(by.LedgerEvent.batches).toBeGreaterThan(OLD_ROWS / BATCH)
    expect(
      await count(`SELECT count(*) AS n FROM "LedgerEvent" WHERE source = 'erp' AND "idempotencyKey" LIKE 'recent-%'`),
    ).toBe(300)
    expect(
      await count(
        `SELECT count(*) AS n FROM "LedgerEvent" WHERE id IN (${ids.lastEvent}, ${ids.decisionInput}, ${ids.messageEvent})`,
      ),
    ).toBe(3)

    // Decisions: the listing's current decision stays; attempts: the version not yet applied stays.
    expect(by.AvailabilityDecision.deleted).toBe(OLD_ROWS)
    expect(await count(`SELECT count(*) AS n FROM "AvailabilityDecision" WHERE id = ${ids.decision}`)).toBe(1)
    expect(by.PublishAttempt.deleted).toBe(OLD_ROWS)
    expect(await count(`SELECT count(*) AS n FROM "PublishAttempt" WHERE "listingId" = '${ids.listing}'`)).toBe(1)
    expect(await count(`SELECT count(*) AS n FROM "PublishAttempt" WHERE id = ${ids.inFlightAttempt}`)).toBe(1)

    // Order events: the order still holding stock keeps its event.
    expect(by.ChannelOrderEvent.deleted).toBe(OLD_ROWS - 1)
    expect(await count(`SELECT count(*) AS n FROM "ChannelOrderEvent" WHERE "orderId" = 'O-77'`)).toBe(1)

    // Raw messages: with their chunks, except those of an open dead letter, not yet processed, or of a kept event.
    expect(by.InboundMessage.deleted).toBe(OLD_ROWS + 1)
    expect(by.InboundMessage.kept).toBe(3)
    expect(
      await count(
        `SELECT count(*) AS n FROM "InboundChunk" c JOIN "InboundMessage" m ON m.id = c."messageId" WHERE m.source = 'erp'`,
      ),
    ).toBe(0)
    const left = await db.$queryRawUnsafe<Array<{ source: string }>>(
      `SELECT source FROM "InboundMessage" WHERE source LIKE 'keep-%' ORDER BY source`,
    )
    expect(left.map((m) => m.source)).toEqual([
      'keep-deadLetterOpen',
      'keep-ofKeptEvent',
      'keep-recent',
      'keep-unprocessed',
    ])

    // Rollups go; the audit log is kept by default.
    expect(by['LagMinute+CounterMinute'].deleted).toBe(OLD_ROWS + 50)
    expect(await count(`SELECT count(*) AS n FROM "CounterMinute" WHERE name = 'events' AND labels = 'erp'`)).toBe(1)
    expect(by.AuditLog.deleted).toBe(0)
    expect(await count(`SELECT count(*) AS n FROM "AuditLog"`)).toBe(auditBefore)

    // Progress is logged and visible: the last report and the metrics lines.
    expect(lines.some((l) => l.startsWith('[retention] LedgerEvent: 4197 rows older than 90 days deleted'))).toBe(true)
    const saved = await getRetentionReport(db)
    expect(saved?.running).toBe(false)
    expect(saved?.tables.find((r) => r.table === 'LedgerEvent')?.deleted).toBe(OLD_ROWS - 3)
    const metrics = await renderPrometheus(db)
    expect(metrics).toContain(`stocktower_retention_deleted_rows{table="LedgerEvent"} ${OLD_ROWS - 3}`)
    expect(metrics).toMatch(/stocktower_retention_last_run_seconds [1-9]\d+/)

    // A second run finds nothing more to delete (idempotent) and keeps the same rows.
    const again = await applyRetention(db, { now: NOW, batchSize: BATCH, policy: retentionPolicy({}) })
    expect(again.tables.reduce((s, r) => s + r.deleted, 0)).toBe(0)
  }, 120_000)

  it('follows a shorter window an operator sets, and an open dead letter released lets its message go', async () => {
    await db.$executeRawUnsafe(
      `UPDATE "DeadLetter" SET status = 'replayed', "resolvedAt" = now() WHERE "inboundMessageId" = $1::uuid`,
      ids.msg_deadLetterOpen,
    )
    const report = await applyRetention(db, {
      now: NOW,
      batchSize: BATCH,
      policy: retentionPolicy({ STOCKTOWER_RETENTION_AUDIT_DAYS: '30' }),
    })
    const by = Object.fromEntries(report.tables.map((r) => [r.table, r]))
    expect(by.AuditLog.deleted).toBe(30)
    expect(by.InboundMessage.deleted).toBe(1)
    expect(await count(`SELECT count(*) AS n FROM "InboundMessage" WHERE id = '${ids.msg_deadLetterOpen}'`)).toBe(0)
  }, 60_000)
})
