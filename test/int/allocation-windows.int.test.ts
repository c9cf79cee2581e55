// Allocation windows and sell-ahead on a real database, through the rules API and the real worker:
// a campaign ring-fence saved over HTTP fences units while it is in force, and the worker releases
// them at `until` on its own (a job scheduled at the boundary); sell-ahead counts units in transit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { run, type Runner } from 'graphile-worker'
import { createDemoTestDatabase, type TestDatabase } from './helpers/test-db'
import { desiredQuantity, recomputeAll } from './helpers/availability'
import { explainAvailability } from '../../server/availability/explain-availability'
import { ingestEvents } from '../../server/ingest/ingest-events'
import { getCurrentRuleSet } from '../../server/rules/rule-set.repository'
import { applyAllocationBoundary } from '../../server/rules/allocation-windows'
import { JOB_CATALOG } from '../../server/queue/job-catalog'
import { taskList } from '../../workers/jobs/registry'
import { makeApiKey } from '../support/factories'
import type { RuleSet } from '../../server/rules/rules.schema'

let t: TestDatabase
let db: PrismaClient
let key: string

beforeAll(async () => {
  t = await createDemoTestDatabase({ skuCount: 6 })
  db = t.db
  await recomputeAll(db, new Date())
  key = await makeApiKey(db, ['rules:write', 'read'])
}, 120_000)
afterAll(async () => {
  await t?.drop()
})

async function postRules(rules: unknown, comment: string) {
  const { POST } = await import('../../app/api/v1/rules/route')
  const res = await POST(
    new Request('http://localhost/api/v1/rules', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ rules, comment }),
    }),
    { params: Promise.resolve({}) },
  )
  return { status: res.status, body: await res.json() }
}
async function waitFor<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 45_000): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (ok(v)) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(v)})`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('allocation windows', () => {
  it('a window with until before from is refused with a clear error', async () => {
    const rules = structuredClone((await getCurrentRuleSet(db)).rules) as RuleSet
    rules.channels.b2b.allocations = [
      { name: 'Broken', from: '2026-12-10T00:00:00Z', until: '2026-12-01T00:00:00Z', ringFence: 5 },
    ]
    const r = await postRules(rules, 'broken window')
    expect(r.status).toBe(400)
    expect(r.body.error).toMatchObject({ code: 'INVALID_RULES' })
    expect(r.body.error.message).toContain('"until" must be later than "from"')
  })

  it('fences a campaign while in force and the worker releases it at until, on its own', async () => {
    const shopifyBefore = (await desiredQuantity(db, 'SKU-00001', 'shopify'))!
    const otherSku = await desiredQuantity(db, 'SKU-00002', 'shopify')
    expect(shopifyBefore).toBeGreaterThan(20)
    const rules = structuredClone((await getCurrentRuleSet(db)).rules) as RuleSet
    const own = rules.channels.b2b.ringFence ?? 0
    const from = new Date(Date.now() - 60_000).toISOString()
    const until = new Date(Date.now() + 6_000).toISOString()
    rules.channels.b2b.allocations = [{ name: 'Partner campaign', sku: 'SKU-00001', from, until, ringFence: own + 15 }]
    const saved = await postRules(rules, 'partner campaign for SKU-00001')
    expect(saved.status).toBe(201)
    // The release is a durable job at the boundary, not a timer in some process.
    const jobs = await db.$queryRawUnsafe<Array<{ run_at: Date }>>(
      `SELECT run_at FROM graphile_worker.jobs WHERE key = $1`,
      `allocation-boundary:${until}`,
    )
    expect(jobs.map((j) => j.run_at.toISOString())).toEqual([until])

    const runner: Runner = await run({
      connectionString: t.url,
      concurrency: 2,
      pollInterval: 100,
      noHandleSignals: true,
      // Only what this test is about: the boundary and the recompute (publishing has no marketplace here).
      taskList: Object.fromEntries(
        Object.entries(taskList({ db, log: () => {} })).filter(
          ([name]) => name === JOB_CATALOG.allocationBoundary.task || name === JOB_CATALOG.recomputeAvailability.task,
        ),
      ),
    })
    try {
      await waitFor(
        'the campaign fence',
        () => desiredQuantity(db, 'SKU-00001', 'shopify'),
        (q) => q === shopifyBefore - 15,
      )
      expect(await desiredQuantity(db, 'SKU-00002', 'shopify')).toBe(otherSku)
      const during = await explainAvailability(db, 'SKU-00001', 'shopify')
      expect(during.steps.find((s) => s.step === 'waterfall')?.detail).toContain(
        `b2b ${own + 15} (allocation "Partner campaign" until ${until})`,
      )
      expect(
        (await explainAvailability(db, 'SKU-00001', 'b2b')).steps.find((s) => s.step === 'allocation_window')?.detail,
      ).toContain('"Partner campaign"')

      // Nobody touches anything: at `until` the worker recomputes and shopify gets the units back.
      await waitFor(
        'the release at until',
        () => desiredQuantity(db, 'SKU-00001', 'shopify'),
        (q) => q === shopifyBefore,
      )
      const after = await explainAvailability(db, 'SKU-00001', 'shopify')
      expect(new Date(after.decidedAt).getTime()).toBeGreaterThanOrEqual(Date.parse(until))
      expect(
        (await explainAvailability(db, 'SKU-00001', 'b2b')).steps.find((s) => s.step === 'allocation_window')?.detail,
      ).toContain(`"Partner campaign" released at ${until}`)
      const audit = await db.auditLog.findFirst({
        where: { action: 'rules.allocation_boundary' },
        orderBy: { at: 'desc' },
      })
      expect(audit?.after).toMatchObject({ at: until, windows: ['b2b: "Partner campaign" released'] })
    } finally {
      await runner.stop()
    }
  })

  it('a boundary of a window a later version dropped does nothing', async () => {
    expect(await applyAllocationBoundary(db, new Date('2031-01-01T00:00:00Z'))).toEqual({ skus: 0, windows: [] })
  })
})

describe('sell-ahead', () => {
  it('counts units in transit up to the cap, as its own explanation step', async () => {
    const rules = structuredClone((await getCurrentRuleSet(db)).rules) as RuleSet
    rules.channels.b2b.sellAhead = { cap: 30, horizonDays: 14 }
    expect((await postRules(rules, 'b2b sells ahead')).status).toBe(201)
    await recomputeAll(db, new Date())
    const before = (await desiredQuantity(db, 'SKU-00003', 'b2b'))!
    const shopify = await desiredQuantity(db, 'SKU-00003', 'shopify')
    const r = await ingestEvents(db, {
      body: JSON.stringify({
        source: 'erp-demo',
        events: [
          {
            idempotencyKey: 'sa-1',
            type: 'in_transit',
            sku: 'SKU-00003',
            location: 'DC-EAST',
            quantity: 12,
            occurredAt: new Date().toISOString(),
          },
          {
            idempotencyKey: 'sa-2',
            type: 'in_transit',
            sku: 'SKU-00003',
            location: 'DC-WEST',
            quantity: 25,
            occurredAt: new Date().toISOString(),
          },
        ],
      }),
    })
    expect(r.accepted).toBe(2)
    await recomputeAll(db, new Date())
    expect(await desiredQuantity(db, 'SKU-00003', 'b2b')).toBe(before + 30)
    expect(await desiredQuantity(db, 'SKU-00003', 'shopify')).toBe(shopify)
    const why = await explainAvailability(db, 'SKU-00003', 'b2b')
    expect(why.steps.find((s) => s.step === 'sell_ahead')?.detail).toMatch(
      /plus 30 incoming units sold ahead \(\d+ in transit or expected within 14 days; cap 30\)/,
    )
    expect(why.inputs).toMatchObject({
      inbound: expect.arrayContaining([{ location: 'DC-WEST', quantity: expect.any(Number) }]),
    })
  })
})
