// Feed freshness and degraded mode on a real database: a feed past its cadence turns stale (finding,
// audit, recompute under each channel's degraded policy, said in the explanation) and the policy is
// lifted when the feed returns; a feed that expects snapshots is kept fresh only by a snapshot with
// rows for its location (events do not count); a channel whose breaker stays open makes the others
// protect themselves.
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { desiredQuantity, recomputeAll } from './helpers/availability'
import { explainAvailability } from '../../server/availability/explain-availability'
import { ingestEvents } from '../../server/ingest/ingest-events'
import { getCurrentRuleSet } from '../../server/rules/rule-set.repository'
import { saveRuleSet } from '../../server/rules/save-rule-set'
import { checkFeedFreshness } from '../../server/freshness/check-feed-freshness'
import { getDegradedMode } from '../../server/freshness/degraded-mode'
import { processSnapshot } from '../../server/reconciliation/process-snapshot'
import { receiveSnapshot } from '../../server/reconciliation/receive-snapshot'
import type { Actor } from '../../server/audit/record-audit'

let db: PrismaClient
const merch: Actor = { kind: 'user', id: null, label: 'merch@example.com' }
const MIN = 60_000

useTestDatabase(
  async (created) => {
    db = created
    await recomputeAll(db)
  },
  { demo: { skuCount: 6 }, timeoutMs: 120_000 },
)

let n = 0
const heartbeat = (receivedAt: Date) =>
  ingestEvents(db, {
    receivedAt,
    body: JSON.stringify({
      source: 'erp-feed',
      events: [
        {
          idempotencyKey: `hb-${++n}`,
          type: 'adjustment',
          sku: 'SKU-00006',
          location: 'DC-EAST',
          quantity: 1,
          occurredAt: receivedAt.toISOString(),
        },
      ],
    }),
  })

describe('degraded mode', () => {
  it('a stale feed turns degraded policies on at once, says so in every decision, and off when the feed returns', async () => {
    const rules = structuredClone((await getCurrentRuleSet(db)).rules)
    rules.feeds = [{ source: 'erp-feed', location: 'DC-EAST', maxSilenceMinutes: 5 }]
    rules.channels.amazon.degraded = { mode: 'reduce', percent: 50 }
    await saveRuleSet(db, merch, { rules, comment: 'expect erp-feed every 5 minutes' })
    const t0 = new Date()
    await heartbeat(t0)
    await recomputeAll(db)
    const amazon = (await desiredQuantity(db, 'SKU-00001', 'amazon'))!
    const shopify = await desiredQuantity(db, 'SKU-00001', 'shopify')
    expect(amazon).toBeGreaterThan(4)

    expect(await checkFeedFreshness(db, new Date(t0.getTime() + 2 * MIN))).toEqual([])
    const stale = await checkFeedFreshness(db, new Date(t0.getTime() + 6 * MIN))
    expect(stale).toEqual([
      { key: 'feed:erp-feed|DC-EAST', kind: 'feed', state: 'stale', what: 'feed erp-feed at DC-EAST' },
    ])
    expect(await checkFeedFreshness(db, new Date(t0.getTime() + 7 * MIN))).toEqual([])
    await recomputeAll(db)
    expect(await desiredQuantity(db, 'SKU-00001', 'amazon')).toBe(amazon - Math.ceil(amazon / 2))
    expect(await desiredQuantity(db, 'SKU-00001', 'shopify')).toBe(shopify)
    const why = await explainAvailability(db, 'SKU-00001', 'amazon')
    expect(why.steps.find((s) => s.step === 'degraded')?.detail).toMatch(
      /^degraded mode \(feed erp-feed at DC-EAST silent, stale since .+\): policy reduce by 50%/,
    )
    expect(
      (await explainAvailability(db, 'SKU-00001', 'shopify')).steps.find((s) => s.step === 'degraded')?.detail,
    ).toContain('policy keep')
    expect(await db.finding.findFirst({ where: { kind: 'stale_feed', status: 'open' } })).toMatchObject({
      location: 'DC-EAST',
    })
    expect(await getDegradedMode(db)).toMatchObject({
      conditions: [{ what: 'feed erp-feed at DC-EAST' }],
      policies: expect.arrayContaining([{ channel: 'amazon', policy: 'reduce 50%' }]),
    })

    // The feed returns: the next check lifts the policy and the numbers come back.
    await heartbeat(new Date(t0.getTime() + 8 * MIN))
    expect(await checkFeedFreshness(db, new Date(t0.getTime() + 9 * MIN))).toEqual([
      { key: 'feed:erp-feed|DC-EAST', kind: 'feed', state: 'returned', what: 'feed erp-feed at DC-EAST' },
    ])
    await recomputeAll(db)
    expect(await desiredQuantity(db, 'SKU-00001', 'amazon')).toBe(amazon)
    expect((await explainAvailability(db, 'SKU-00001', 'amazon')).steps.some((s) => s.step === 'degraded')).toBe(false)
    expect(await db.finding.findFirst({ where: { kind: 'stale_feed' } })).toMatchObject({ status: 'resolved' })
    expect(
      (
        await db.auditLog.findMany({
          where: { action: { in: ['degraded.on', 'degraded.off'] } },
          orderBy: { at: 'asc' },
        })
      ).map((a) => a.action),
    ).toEqual(['degraded.on', 'degraded.off'])
    expect(await getDegradedMode(db)).toEqual({ conditions: [], policies: [] })
  })

  it('a feed that expects snapshots goes stale when no snapshot for its location arrives in its cadence (events do not keep it fresh) and returns when one does', async () => {
    const rules = structuredClone((await getCurrentRuleSet(db)).rules)
    rules.feeds = [{ source: 'wms-nightly', location: 'DC-EAST', maxSilenceMinutes: 60, expects: 'snapshots' }]
    delete rules.breakerOpenMinutes
    for (const c of Object.values(rules.channels)) delete c.degraded
    rules.channels.amazon.degraded = { mode: 'reduce', percent: 50 }
    await saveRuleSet(db, merch, { rules, comment: 'the WMS sends a snapshot of DC-EAST every hour' })
    const onHand = async (location: string) =>
      (
        await db.$queryRawUnsafe<Array<{ onHand: number }>>(
          `SELECT p."onHand" FROM "Position" p JOIN "Sku" s ON s.id = p."skuId" JOIN "Location" l ON l.id = p."locationId" WHERE s.code = 'SKU-00003' AND l.code = $1`,
          location,
        )
      )[0]?.onHand ?? 0
    // A partial snapshot that agrees with Stocktower (no variance: only its arrival matters here).
    const snapshot = async (location: string, receivedAt: Date) => {
      const { snapshotId } = await receiveSnapshot(db, {
        source: 'wms-nightly',
        mode: 'partial',
        format: 'csv',
        receivedAt,
        body: [`sku,location,on_hand\nSKU-00003,${location},${await onHand(location)}\n`],
      })
      expect(await processSnapshot(db, snapshotId)).toMatchObject({ status: 'completed', findings: 0, rejectedRows: 0 })
    }
    const t0 = new Date()
    await snapshot('DC-EAST', t0)
    await recomputeAll(db)
    const amazon = (await desiredQuantity(db, 'SKU-00001', 'amazon'))!
    expect(amazon).toBeGreaterThan(4)

    // A snapshot of another location and events of the same source at DC-EAST do not keep it fresh.
    await snapshot('DC-WEST', new Date(t0.getTime() + 30 * MIN))
    const events = await ingestEvents(db, {
      receivedAt: new Date(t0.getTime() + 50 * MIN),
      body: JSON.stringify({
        source: 'wms-nightly',
        events: [
          {
            idempotencyKey: 'wms-adj-1',
            type: 'adjustment',
            sku: 'SKU-00006',
            location: 'DC-EAST',
            quantity: 1,
            occurredAt: new Date(t0.getTime() + 50 * MIN).toISOString(),
          },
        ],
      }),
    })
    expect(events.accepted).toBe(1)
    expect(await checkFeedFreshness(db, new Date(t0.getTime() + 59 * MIN))).toEqual([])
    expect(await checkFeedFreshness(db, new Date(t0.getTime() + 61 * MIN))).toEqual([
      {
        key: 'snapshot:wms-nightly|DC-EAST',
        kind: 'snapshot',
        state: 'stale',
        what: 'snapshot feed wms-nightly at DC-EAST',
      },
    ])
    await recomputeAll(db)
    expect(await desiredQuantity(db, 'SKU-00001', 'amazon')).toBe(amazon - Math.ceil(amazon / 2))
    expect(
      (await explainAvailability(db, 'SKU-00001', 'amazon')).steps.find((s) => s.step === 'degraded')?.detail,
    ).toMatch(
      /^degraded mode \(snapshot feed wms-nightly at DC-EAST sent no snapshot, stale since .+\): policy reduce by 50%/,
    )
    const finding = await db.finding.findFirstOrThrow({ where: { kind: 'stale_feed', status: 'open' } })
    expect(finding).toMatchObject({ location: 'DC-EAST', dedupeKey: 'degraded:snapshot:wms-nightly|DC-EAST' })
    expect(finding.cause).toBe(
      `snapshot feed wms-nightly at DC-EAST is stale: no snapshot with rows for DC-EAST since ${t0.toISOString()} (events do not count for it); channels publish under their degraded policy until one arrives`,
    )
    expect(await getDegradedMode(db)).toMatchObject({
      conditions: [
        {
          key: 'snapshot:wms-nightly|DC-EAST',
          kind: 'snapshot',
          what: 'snapshot feed wms-nightly at DC-EAST',
          lastSeenAt: t0.toISOString(),
        },
      ],
      policies: expect.arrayContaining([{ channel: 'amazon', policy: 'reduce 50%' }]),
    })

    // Another DC-WEST snapshot changes nothing; a DC-EAST one brings the feed back and the numbers with it.
    await snapshot('DC-WEST', new Date(t0.getTime() + 65 * MIN))
    expect(await checkFeedFreshness(db, new Date(t0.getTime() + 66 * MIN))).toEqual([])
    await snapshot('DC-EAST', new Date(t0.getTime() + 70 * MIN))
    expect(await checkFeedFreshness(db, new Date(t0.getTime() + 71 * MIN))).toEqual([
      {
        key: 'snapshot:wms-nightly|DC-EAST',
        kind: 'snapshot',
        state: 'returned',
        what: 'snapshot feed wms-nightly at DC-EAST',
      },
    ])
    await recomputeAll(db)
    expect(await desiredQuantity(db, 'SKU-00001', 'amazon')).toBe(amazon)
    expect((await explainAvailability(db, 'SKU-00001', 'amazon')).steps.some((s) => s.step === 'degraded')).toBe(false)
    expect(
      await db.finding.findFirstOrThrow({ where: { dedupeKey: 'degraded:snapshot:wms-nightly|DC-EAST' } }),
    ).toMatchObject({ status: 'resolved' })
    expect(await getDegradedMode(db)).toEqual({ conditions: [], policies: [] })
  })

  it('a channel whose breaker stays open is blind: the other channels apply their policy, it does not', async () => {
    const rules = structuredClone((await getCurrentRuleSet(db)).rules)
    rules.feeds = []
    rules.breakerOpenMinutes = 10
    rules.channels.shopify.degraded = { mode: 'cap', units: 1 }
    rules.channels.walmart.degraded = { mode: 'cap', units: 1 }
    await saveRuleSet(db, merch, { rules, comment: 'protect against a blind channel' })
    await recomputeAll(db)
    // A SKU (not a kit: a kit of two built from components capped at 1 is 0) both channels sell more
    // than one of; in code order, so the pick does not depend on the query plan.
    const listings = await db.channelListing.findMany({
      where: { channel: { code: { in: ['shopify', 'walmart'] } }, desiredQuantity: { gt: 1 }, sku: { isKit: false } },
      orderBy: { sku: { code: 'asc' } },
      select: { sku: { select: { code: true } }, channel: { select: { code: true } } },
    })
    const sku = listings.map((l) => l.sku.code).find((c) => listings.filter((l) => l.sku.code === c).length === 2)!
    const walmart = await desiredQuantity(db, sku, 'walmart')
    expect(walmart).toBeGreaterThan(1)
    const now = new Date()
    await db.channel.update({
      where: { code: 'walmart' },
      data: { breakerState: 'open', breakerOpenedAt: new Date(now.getTime() - 11 * MIN) },
    })
    expect(await checkFeedFreshness(db, now)).toMatchObject([{ key: 'channel:walmart', state: 'stale' }])
    await recomputeAll(db)
    expect(await desiredQuantity(db, sku, 'shopify')).toBe(1)
    expect(await desiredQuantity(db, sku, 'walmart')).toBe(walmart)
    expect((await explainAvailability(db, sku, 'shopify')).steps.find((s) => s.step === 'degraded')?.detail).toContain(
      'channel walmart blind: breaker open since',
    )
    await db.channel.update({ where: { code: 'walmart' }, data: { breakerState: 'closed', breakerOpenedAt: null } })
    expect(await checkFeedFreshness(db, new Date())).toMatchObject([{ key: 'channel:walmart', state: 'returned' }])
    await recomputeAll(db)
    expect(await desiredQuantity(db, sku, 'shopify')).toBeGreaterThan(1)
  })
})
