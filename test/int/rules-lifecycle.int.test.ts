// Rules as data on a real database: holdbacks that expire on their own, versions that take effect
// later, rollback as a new version, recompute progress, demand-driven safety stock and the in-flight
// buffer, and explanations of past decisions.
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { desiredQuantity, recomputeAll } from './helpers/availability'
import { explainAvailability } from '../../server/availability/explain-availability'
import { createHoldback } from '../../server/rules/create-holdback'
import { applyExpiredHoldbacks } from '../../server/rules/expire-holdbacks'
import { listHoldbacks } from '../../server/rules/list-holdbacks'
import { removeHoldback } from '../../server/rules/remove-holdback'
import { activateDueRuleVersions } from '../../server/rules/activate-rule-versions'
import { rollbackRuleSet } from '../../server/rules/rollback-rule-set'
import { saveRuleSet } from '../../server/rules/save-rule-set'
import {
  diffRuleSets,
  getCurrentRuleSet,
  getRecomputeProgress,
  listRuleSetVersions,
} from '../../server/rules/rule-set.repository'
import { ingestOrders } from '../../server/ingest/ingest-orders'
import { markSkusDirty } from '../../server/availability/recompute-outbox'
import type { Actor } from '../../server/audit/record-audit'
import type { RuleSet } from '../../server/rules/rules.schema'

let db: PrismaClient
const merch: Actor = { kind: 'user', id: null, label: 'merch@example.com' }
const HOUR = 3_600_000

useTestDatabase(
  async (created) => {
    db = created
    await recomputeAll(db, new Date())
  },
  { demo: { skuCount: 12 }, timeoutMs: 120_000 },
)

describe('holdbacks', () => {
  it('are validated: a reason, one of sku or category, a sensible value, a future expiry', async () => {
    await expect(
      createHoldback(db, merch, { sku: 'SKU-00001', channel: 'amazon', mode: 'units', value: 3, reason: '' }),
    ).rejects.toThrow(/reason/)
    await expect(
      createHoldback(db, merch, { sku: 'SKU-00001', category: 'x', mode: 'suppress', reason: 'promo prep' }),
    ).rejects.toThrow(/exactly one/)
    await expect(
      createHoldback(db, merch, { sku: 'SKU-00001', mode: 'percent', value: 140, reason: 'promo prep' }),
    ).rejects.toThrow(/1 to 100/)
    await expect(createHoldback(db, merch, { sku: 'NOPE', mode: 'suppress', reason: 'promo prep' })).rejects.toThrow(
      /Unknown SKU/,
    )
    await expect(
      createHoldback(db, merch, {
        sku: 'SKU-00001',
        mode: 'suppress',
        reason: 'promo prep',
        expiresAt: new Date(Date.now() - 1000).toISOString(),
      }),
    ).rejects.toThrow(/past/)
  })

  it('suppresses a SKU on one channel until it expires, then the channel gets its units back on its own', async () => {
    const before = await desiredQuantity(db, 'SKU-00001', 'amazon')
    expect(before).toBeGreaterThan(0)
    const shopify = await desiredQuantity(db, 'SKU-00001', 'shopify')
    const t0 = new Date()
    const h = await createHoldback(
      db,
      merch,
      {
        sku: 'SKU-00001',
        channel: 'amazon',
        mode: 'suppress',
        reason: 'listing under review',
        owner: 'Dana (merch)',
        expiresAt: new Date(t0.getTime() + HOUR).toISOString(),
      },
      t0,
    )
    expect(h).toMatchObject({ state: 'active', owner: 'Dana (merch)', createdBy: 'merch@example.com' })
    await recomputeAll(db, t0)
    expect(await desiredQuantity(db, 'SKU-00001', 'amazon')).toBe(0)
    expect(await desiredQuantity(db, 'SKU-00001', 'shopify')).toBe(shopify)
    const why = await explainAvailability(db, 'SKU-00001', 'amazon')
    expect(why.holdbacks).toEqual([h.id])
    expect(why.steps.find((s) => s.step === 'holdback')?.detail).toContain('listing under review')

    // An hour later the sweep recomputes the SKU once; nobody touched it.
    const later = new Date(t0.getTime() + HOUR + 1000)
    expect(await applyExpiredHoldbacks(db, later)).toMatchObject({ expired: 1 })
    expect(await applyExpiredHoldbacks(db, later)).toMatchObject({ expired: 0 })
    await recomputeAll(db, later)
    expect(await desiredQuantity(db, 'SKU-00001', 'amazon')).toBe(before)
    expect((await listHoldbacks(db, { state: 'expired', sku: 'SKU-00001' }, later)).map((x) => x.id)).toContain(h.id)
    const audit = await db.auditLog.findMany({ where: { entityId: h.id }, orderBy: { at: 'asc' } })
    expect(audit.map((a) => a.action)).toEqual(['holdback.create', 'holdback.expire'])

    // "Why did Amazon get 0 at t0?" stays answerable after the number changed.
    const past = await explainAvailability(db, 'SKU-00001', 'amazon', new Date(t0.getTime() + 1))
    expect(past.result).toBe(0)
  })

  it('a category holdback of N units covers every SKU of the category; removing it needs a reason and restores them', async () => {
    const cat = (await db.sku.findFirstOrThrow({ where: { code: 'SKU-00002' } })).category
    const skus = await db.sku.findMany({ where: { category: cat, isKit: false }, select: { code: true } })
    const before = new Map(
      await Promise.all(skus.map(async (s) => [s.code, await desiredQuantity(db, s.code, 'walmart')] as const)),
    )
    const h = await createHoldback(db, merch, {
      category: cat,
      channel: 'walmart',
      mode: 'units',
      value: 5,
      reason: 'B2B promise for a key account',
    })
    await recomputeAll(db, new Date())
    for (const s of skus)
      expect(await desiredQuantity(db, s.code, 'walmart')).toBeLessThanOrEqual(
        Math.max(0, (before.get(s.code) ?? 0) - 5),
      )
    await expect(removeHoldback(db, merch, h.id, '')).rejects.toThrow(/why/)
    const removed = await removeHoldback(db, merch, h.id, 'promise fulfilled')
    expect(removed).toMatchObject({
      state: 'removed',
      removedBy: 'merch@example.com',
      removeReason: 'promise fulfilled',
    })
    await recomputeAll(db, new Date())
    for (const s of skus) expect(await desiredQuantity(db, s.code, 'walmart')).toBe(before.get(s.code))
  })
})

describe('recompute', () => {
  it('stores a decision only when the quantity or its explanation changed: recomputing unchanged inputs writes nothing', async () => {
    const skuId = (await db.sku.findUniqueOrThrow({ where: { code: 'SKU-00005' } })).id
    const count = () => db.availabilityDecision.count({ where: { skuId } })
    await recomputeAll(db, new Date())
    const before = await count()
    await markSkusDirty(db, [skuId], new Date())
    await recomputeAll(db, new Date())
    expect(await count()).toBe(before)
    // The stored explanation is exactly what was decided (json keeps it as written).
    const e = await explainAvailability(db, 'SKU-00005', 'amazon')
    expect(e.steps.at(-1)?.quantity).toBe(e.result)
  })
})

describe('rule versions', () => {
  it('a higher safety stock lowers the channel, records the version on the decision, and reports progress', async () => {
    const current = await getCurrentRuleSet(db)
    const amazonBefore = await desiredQuantity(db, 'SKU-00003', 'amazon')
    const rules: RuleSet = {
      ...current.rules,
      safetyStock: [
        ...current.rules.safetyStock.filter((r) => !(r.sku === 'SKU-00003')),
        { sku: 'SKU-00003', channel: 'amazon', units: 25 },
      ],
    }
    const saved = await saveRuleSet(db, merch, { rules, comment: 'protect SKU-00003 on Amazon' })
    const progress = await getRecomputeProgress(db)
    expect(progress).toMatchObject({ version: saved.version, total: saved.recomputeSkus })
    expect(progress.pending).toBeGreaterThan(0)
    await recomputeAll(db, new Date())
    expect(await getRecomputeProgress(db)).toMatchObject({ pending: 0, done: saved.recomputeSkus })
    const after = await desiredQuantity(db, 'SKU-00003', 'amazon')
    expect(after).toBe(Math.max(0, (amazonBefore ?? 0) + 3 - 25 < 2 ? 0 : (amazonBefore ?? 0) + 3 - 25))
    const why = await explainAvailability(db, 'SKU-00003', 'amazon')
    expect(why.ruleVersions).toEqual([saved.version])
    expect(why.steps.find((s) => s.step === 'safety_stock')?.detail).toContain('SKU + channel rule: 25 units')
    expect(diffRuleSets(current.rules, rules)).toEqual([
      { path: 'safetyStock', from: current.rules.safetyStock, to: rules.safetyStock },
    ])
  })

  it('a version with a later effective-from waits, then takes effect and recomputes', async () => {
    const current = await getCurrentRuleSet(db)
    const now = new Date()
    const rules: RuleSet = {
      ...current.rules,
      channels: { ...current.rules.channels, walmart: { ...current.rules.channels.walmart, cap: 1 } },
    }
    const saved = await saveRuleSet(
      db,
      merch,
      { rules, comment: 'cap walmart from tomorrow', effectiveFrom: new Date(now.getTime() + HOUR) },
      now,
    )
    expect(saved.recomputeSkus).toBe(0)
    expect((await getCurrentRuleSet(db, now)).id).toBe(current.id)
    expect((await listRuleSetVersions(db, {}, now))[0]).toMatchObject({ id: saved.version, state: 'scheduled' })
    expect(await activateDueRuleVersions(db, now)).toEqual([])
    const at = new Date(now.getTime() + HOUR + 1000)
    expect(await activateDueRuleVersions(db, at)).toEqual([saved.version])
    await recomputeAll(db, at)
    expect(await desiredQuantity(db, 'SKU-00004', 'walmart')).toBeLessThanOrEqual(1)
    expect((await explainAvailability(db, 'SKU-00004', 'walmart')).ruleVersions).toEqual([saved.version])
  })

  it('rollback is one action that creates a new version with the old rules, audited', async () => {
    const target = (await listRuleSetVersions(db)).at(-1)!
    const later = new Date(Date.now() + 2 * HOUR)
    const rb = await rollbackRuleSet(db, merch, target.id, 'back to the demo defaults', later)
    const versions = await listRuleSetVersions(db, {}, later)
    expect(versions[0]).toMatchObject({ id: rb.version, rolledBackFrom: target.id, state: 'current' })
    const first = await db.ruleSetVersion.findUniqueOrThrow({ where: { id: target.id } })
    const now = await db.ruleSetVersion.findUniqueOrThrow({ where: { id: rb.version } })
    expect(now.rules).toEqual(first.rules)
    const audit = await db.auditLog.findFirstOrThrow({ where: { entityId: rb.version } })
    expect(audit).toMatchObject({ action: 'rules.rollback', actorLabel: 'merch@example.com' })
    await recomputeAll(db, later)
    expect(await desiredQuantity(db, 'SKU-00004', 'walmart')).toBeGreaterThan(1)
  })
})

describe('demand', () => {
  it('days-of-cover safety stock and the in-flight buffer use the measured sales rate and order lag', async () => {
    const now = new Date()
    const current = await getCurrentRuleSet(db, now)
    const rules: RuleSet = {
      ...current.rules,
      defaults: { ...current.rules.defaults, salesWindowDays: 7 },
      channels: { ...current.rules.channels, shopify: { ...current.rules.channels.shopify, inFlightBuffer: true } },
      safetyStock: [...current.rules.safetyStock, { sku: 'SKU-00005', channel: 'walmart', days: 2 }],
    }
    await saveRuleSet(db, merch, { rules, comment: 'demand-driven' }, now)
    // 28 units of SKU-00005 ordered on Shopify within the window, received 30 minutes after they were placed.
    const placed = new Date(now.getTime() - 30 * 60_000).toISOString()
    const r = await ingestOrders(
      db,
      'shopify',
      JSON.stringify({
        orders: [
          {
            orderId: 'D-1',
            status: 'created',
            occurredAt: placed,
            lines: [{ lineId: '1', sku: 'SKU-00005', quantity: 28 }],
          },
        ],
      }),
      { receivedAt: now },
    )
    expect(r).toMatchObject({ accepted: 1, rejected: [] })
    await db.$executeRawUnsafe(
      `INSERT INTO "AvailabilityDirty"("skuId", since) SELECT id, now() FROM "Sku" WHERE code = 'SKU-00005' ON CONFLICT DO NOTHING`,
    )
    await recomputeAll(db, now)
    const shop = await explainAvailability(db, 'SKU-00005', 'shopify')
    // 28 units / 7 days = 4 per day; 4 x 1800 s / 86400 = 0.083 -> 1 unit in flight.
    expect(shop.steps.find((s) => s.step === 'in_flight_buffer')?.detail).toMatch(
      /minus 1 units .*4\.00 units\/day x 1800 s order lag/,
    )
    expect(shop.inputs).toMatchObject({ dailySales: 4, orderLagSeconds: 1800 })
    // Walmart sold nothing: 2 days of cover x 0 units/day.
    const wm = await explainAvailability(db, 'SKU-00005', 'walmart')
    expect(wm.steps.find((s) => s.step === 'safety_stock')?.detail).toContain('2 days of cover x 0.00 units/day = 0')
  })
})
