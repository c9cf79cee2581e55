// An operator fixes what made an event fail (adds the alias) and replays the dead letter: it applies
// once with its original key, closes, and a second replay or a resend applies nothing more.
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { ingestEvents } from '../../server/ingest/ingest-events'
import { replayIngestDeadLetters } from '../../server/dead-letters/replay-ingest'
import { upsertCatalog } from '../../server/catalog/upsert-catalog'
import { CATALOG_ENTITIES } from '../../server/catalog/catalog-entities'

let db: PrismaClient
const actor = { kind: 'user' as const, id: null, label: 'support@example.com' }

useTestDatabase(
  (created) => {
    db = created
  },
  { demo: { skuCount: 20 } },
)

const onHand = async () =>
  (
    await db.$queryRawUnsafe<Array<{ n: number }>>(
      `SELECT p."onHand" AS n FROM "Position" p JOIN "Sku" s ON s.id = p."skuId" JOIN "Location" l ON l.id = p."locationId" WHERE s.code = 'SKU-00011' AND l.code = 'DC-EAST'`,
    )
  )[0]?.n ?? 0

describe('replaying ingest dead letters', () => {
  it('applies a fixed event once and keeps still-broken ones open with the new reason', async () => {
    const before = await onHand()
    const r = await ingestEvents(db, {
      body: JSON.stringify({
        source: 'erp-legacy',
        events: [
          {
            idempotencyKey: 'legacy-1',
            type: 'receipt',
            sku: 'OLD-11',
            location: 'DC-EAST',
            quantity: 5,
            occurredAt: '2026-11-22T10:00:00Z',
          },
          {
            idempotencyKey: 'legacy-2',
            type: 'receipt',
            sku: 'OLD-12',
            location: 'DC-EAST',
            quantity: 5,
            occurredAt: '2026-11-22T10:00:00Z',
          },
        ],
      }),
    })
    expect(r.rejected.map((x) => x.code)).toEqual(['UNKNOWN_SKU', 'UNKNOWN_SKU'])
    const letters = await db.deadLetter.findMany({
      where: { source: 'erp-legacy', status: 'open' },
      orderBy: { firstSeenAt: 'asc' },
    })
    expect(letters).toHaveLength(2)

    // The operator adds an alias for OLD-11 only.
    await upsertCatalog(db, CATALOG_ENTITIES['sku-aliases'], actor, [
      { raw: { alias: 'OLD-11', sku: 'SKU-00011', scope: 'erp-legacy' } },
    ])
    const replay = await replayIngestDeadLetters(
      db,
      letters.map((l) => l.id),
      actor,
    )
    const fixed = letters.find((l) => (l.payload as { event: { sku: string } }).event.sku === 'OLD-11')!
    const broken = letters.find((l) => l.id !== fixed.id)!
    expect(replay.replayed).toEqual([{ id: fixed.id, outcome: 'applied' }])
    expect(replay.stillRejected).toEqual([expect.objectContaining({ id: broken.id, code: 'UNKNOWN_SKU' })])
    expect(await onHand()).toBe(before + 5)
    expect(await db.deadLetter.findUniqueOrThrow({ where: { id: fixed.id } })).toMatchObject({
      status: 'replayed',
      attempts: 2,
      resolution: 'replayed by support@example.com',
    })
    expect(await db.deadLetter.findUniqueOrThrow({ where: { id: broken.id } })).toMatchObject({
      status: 'open',
      attempts: 2,
    })
    expect(await db.auditLog.count({ where: { action: 'dead_letter.replay', entityId: fixed.id } })).toBe(1)

    // Replaying again is refused; the source resending the same event is a duplicate.
    const again = await replayIngestDeadLetters(db, [fixed.id], actor)
    expect(again.notReplayable).toEqual([{ id: fixed.id, reason: 'already replayed' }])
    const resend = await ingestEvents(db, {
      body: JSON.stringify({
        source: 'erp-legacy',
        events: [
          {
            idempotencyKey: 'legacy-1',
            type: 'receipt',
            sku: 'OLD-11',
            location: 'DC-EAST',
            quantity: 5,
            occurredAt: '2026-11-22T10:00:00Z',
          },
        ],
      }),
    })
    expect(resend).toMatchObject({ accepted: 0, duplicates: 1 })
    expect(await onHand()).toBe(before + 5)
  })
})
