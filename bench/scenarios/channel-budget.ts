// channel budget: under a backlog, how much of each marketplace's documented limit publishing uses,
// how often it is throttled, and whether zero-outs and decrements go before increases.
// 1. The demo catalogue syncs on generous limits; every channel is paused (the product's own pause).
// 2. The documented limits are switched on (documented-limits.ts) and a burst of ERP events moves
//    every SKU: a quarter to 0 everywhere (zero-outs), a quarter down, half up; the backlog is decided
//    (recompute drains) while the channels are paused, so every channel has the whole mix pending.
// 3. The channels resume together; after a warm-up (the buckets' bursts spent) the window measures
//    the share of each limit used (same-run baseline: the documented limit itself) and the throttled
//    responses, and the attempts say whether any increase went out while a zero-out or decrement of
//    the same channel still waited.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import { startStack, waitFor, waitForDrain, backlog, type Stack } from '../stack'
import { sendSteady } from '../steady-sender'
import { batchBody, type BenchEvent } from '../events'
import { createPrisma } from '../../server/db'
import { setChannelStatus } from '../../server/channels/set-channel-status'
import type { Actor } from '../../server/audit/record-audit'
import type { Figure } from '../stats'
import { applyDocumentedLimits, KINDS, limitUse, sampleSim, type SimSample } from './documented-limits'

const BENCH_ACTOR: Actor = { kind: 'system', id: null, label: 'bench' }

/** Events moving every SKU: i % 4 == 0 to zero at every location, 1 down by 1-3, 2 and 3 up by 10. */
export async function mixedBurst(
  pool: Stack['pool'],
  runId: string,
  label: string,
  skuFilter?: (code: string) => boolean,
): Promise<{ bodies: string[]; events: number; zeroSkus: Set<string> }> {
  const rows = await pool.query<{ sku: string; location: string; onHand: number }>(
    `SELECT s.code AS sku, l.code AS location, p."onHand" FROM "Position" p JOIN "Sku" s ON s.id = p."skuId" JOIN "Location" l ON l.id = p."locationId"
      WHERE NOT s."isKit" ORDER BY s.code, l.code`,
  )
  const events: BenchEvent[] = []
  const zeroSkus = new Set<string>()
  const at = new Date().toISOString()
  let n = 0
  for (const r of rows.rows) {
    if (skuFilter && !skuFilter(r.sku)) continue
    const no = Number(r.sku.slice(4))
    const key = `bench:${runId}:${label}:${n++}`
    if (no % 4 === 0) {
      zeroSkus.add(r.sku)
      if (r.onHand > 0)
        events.push({
          idempotencyKey: key,
          type: 'adjustment',
          sku: r.sku,
          location: r.location,
          quantity: -r.onHand,
          occurredAt: at,
          reference: 'bench zero-out',
        })
    } else if (no % 4 === 1) {
      if (r.onHand > 3)
        events.push({
          idempotencyKey: key,
          type: 'ship',
          sku: r.sku,
          location: r.location,
          quantity: 1 + (no % 3),
          occurredAt: at,
          reference: `SO-${no}`,
        })
    } else {
      events.push({
        idempotencyKey: key,
        type: 'receipt',
        sku: r.sku,
        location: r.location,
        quantity: 10,
        occurredAt: at,
        reference: `PO-${no}`,
      })
    }
  }
  const bodies: string[] = []
  for (let i = 0; i < events.length; i += 500) bodies.push(batchBody(events.slice(i, i + 500)))
  return { bodies, events: events.length, zeroSkus }
}

export async function runChannelBudget(
  opt: { skus: number; windowSeconds: number },
  log: (l: string) => void,
): Promise<{ figures: Figure[]; notes: string[] }> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktower-bench-budget-'))
  const figures: Figure[] = []
  const notes: string[] = []
  let stack: Stack | undefined
  const prisma = { client: null as ReturnType<typeof createPrisma> | null }
  try {
    stack = await startStack({ tmp, skus: opt.skus, plan: 'demo', worker: true, log })
    const firstSync = await waitForDrain(stack.pool, 30 * 60_000)
    log(
      `[bench] channel-budget: first sync (generous limits) ${firstSync.toFixed(1)} s; pausing every channel, switching to the documented limits`,
    )
    prisma.client = createPrisma(stack.databaseUrl, { max: 2 })
    for (const k of KINDS) await setChannelStatus(prisma.client, BENCH_ACTOR, k, 'paused', 'bench: build a backlog')
    await applyDocumentedLimits(stack.sims, stack.pool)
    const runId = crypto.randomBytes(4).toString('hex')
    const burst = await mixedBurst(stack.pool, runId, 'budget')
    const sent = await sendSteady(stack.port, stack.apiKey, burst.bodies, 500, 5_000)
    if (sent.failures.length) throw new Error(`channel-budget: the burst failed: ${sent.failures[0]}`)
    await waitFor('the burst to be decided', 10 * 60_000, async () => (await backlog(stack!.pool)).dirty === 0, 500)
    // What each channel has pending, by kind of change.
    const pending = await stack.pool.query<{ code: string; zero: string; down: string; up: string }>(
      `SELECT c.code, count(*) FILTER (WHERE cl."desiredQuantity" = 0 AND COALESCE(cl."publishedQuantity", 1) > 0)::text AS zero,
              count(*) FILTER (WHERE cl."desiredQuantity" > 0 AND cl."desiredQuantity" < cl."publishedQuantity")::text AS down,
              count(*) FILTER (WHERE cl."desiredQuantity" > COALESCE(cl."publishedQuantity", 0))::text AS up
         FROM "ChannelListing" cl JOIN "Channel" c ON c.id = cl."channelId" WHERE cl."desiredVersion" > cl."publishedVersion" GROUP BY c.code ORDER BY c.code`,
    )
    log(
      `[bench] channel-budget: backlog ${burst.events} events; pending per channel ${pending.rows.map((r) => `${r.code} ${r.zero} to 0, ${r.down} down, ${r.up} up`).join('; ')}`,
    )

    const resumedAt = new Date()
    for (const k of KINDS) await setChannelStatus(prisma.client, BENCH_ACTOR, k, 'active', 'bench: drain the backlog')
    // Warm-up: each bucket spends its burst first.
    for (const k of KINDS) sampleSim(stack.sims, k) // starts the meter
    await new Promise((r) => setTimeout(r, 5_000))
    const start: Record<string, SimSample> = {}
    for (const k of KINDS) start[k] = sampleSim(stack.sims, k)
    // A marketplace whose calls carry the whole backlog (Amazon's feed, the portal's 500 per call)
    // may have sent it all during the warm-up or the window: its limit did not bind throughout, and
    // its share of it says nothing.
    const pendingAtStart = await pendingByChannel(stack.pool)
    log(`[bench] channel-budget: measuring ${opt.windowSeconds} s`)
    await new Promise((r) => setTimeout(r, opt.windowSeconds * 1000))
    const cleared = await backlogClearedMs(stack.pool, resumedAt)
    const pendingAtEnd = await pendingByChannel(stack.pool)
    for (const k of KINDS) {
      const end = sampleSim(stack.sims, k)
      const use = limitUse(k, start[k], end)
      const requests = end.requests - start[k].requests
      const throttled = end.throttled - start[k].throttled
      const busiest = Object.entries(use).sort((x, y) => y[1].share - x[1].share)[0]
      log(
        `  ${k}: ${requests} requests, ${throttled} throttled; limit used: ${
          Object.entries(use)
            .map(([b, u]) => `${b} ${(100 * u.share).toFixed(0)}% (${u.used.toFixed(1)} of ${u.allowed.toFixed(1)})`)
            .join(', ') || 'no bucket touched'
        }`,
      )
      // The limit bound throughout only if a backlog waited from the window's start to its end.
      const bound = (pendingAtStart.get(k) ?? 0) > 0 && (pendingAtEnd.get(k) ?? 0) > 0
      if (!bound)
        log(
          `  ${k}: the whole backlog was sent ${((cleared.get(k) ?? 0) / 1000).toFixed(1)} s after resume, before the window closed: the limit did not bind throughout`,
        )
      figures.push(
        {
          scenario: 'channel-budget',
          name: `${k} whole backlog sent after resume`,
          value: (pendingAtEnd.get(k) ?? 0) === 0 && cleared.has(k) ? cleared.get(k)! / 1000 : null,
          unit: 's',
          note:
            (pendingAtEnd.get(k) ?? 0) > 0
              ? `${pendingAtEnd.get(k)} listings still waiting when the window closed`
              : bound
                ? 'sent within the window'
                : 'sent before the window opened',
        },
        {
          scenario: 'channel-budget',
          name: `${k} documented limit used`,
          value: busiest ? 100 * busiest[1].share : 0,
          unit: '%',
          // Only a limit that binds (a backlog waiting from the window's start to its end) can be used to 90%.
          ...(bound
            ? { goal: { op: '>=' as const, value: 90 } }
            : { note: 'the backlog did not last the window: the limit did not bind throughout' }),
          baseline: {
            label: `documented ${busiest?.[0] ?? ''} allowance`,
            value: busiest ? busiest[1].allowed : null,
            unit: k === 'shopify' ? 'points' : 'calls',
          },
        },
        {
          scenario: 'channel-budget',
          name: `${k} throttled responses`,
          value: requests > 0 ? (100 * throttled) / requests : 0,
          unit: '%',
          goal: { op: '<=', value: 1 },
          note: `${throttled} of ${requests}`,
        },
      )
    }
    // Priority order: an increase sent while a zero-out or decrement of the same channel had not been sent yet.
    const order = await stack.pool.query<{
      code: string
      inversions: string
      ups: string
      firstUpMs: string | null
      lastPriorityMs: string | null
    }>(
      `WITH firsts AS (
         SELECT a."channelId", a."listingId", min(a."startedAt") AS st, min(a.quantity) AS q FROM "PublishAttempt" a WHERE a."startedAt" >= $1 GROUP BY 1, 2),
       kinds AS (
         SELECT f.*, CASE WHEN f.q = 0 THEN 'zero' WHEN f.q < COALESCE(prev.quantity, 0) THEN 'down' ELSE 'up' END AS kind
           FROM firsts f LEFT JOIN LATERAL (SELECT p.quantity FROM "PublishAttempt" p WHERE p."listingId" = f."listingId" AND p."startedAt" < $1 AND p.outcome IN ('accepted', 'applied') ORDER BY p."startedAt" DESC LIMIT 1) prev ON true)
       SELECT c.code,
              count(*) FILTER (WHERE k.kind = 'up' AND k.st < (SELECT max(x.st) FROM kinds x WHERE x."channelId" = k."channelId" AND x.kind <> 'up'))::text AS inversions,
              count(*) FILTER (WHERE k.kind = 'up')::text AS ups,
              (extract(epoch FROM min(k.st) FILTER (WHERE k.kind = 'up') - $1::timestamptz) * 1000)::text AS "firstUpMs",
              (extract(epoch FROM max(k.st) FILTER (WHERE k.kind <> 'up') - $1::timestamptz) * 1000)::text AS "lastPriorityMs"
         FROM kinds k JOIN "Channel" c ON c.id = k."channelId" GROUP BY c.code ORDER BY c.code`,
      [resumedAt],
    )
    for (const r of order.rows) {
      log(
        `  ${r.code}: ${r.inversions} of ${r.ups} increases sent before the last zero-out/decrement (first increase ${Math.round(Number(r.firstUpMs ?? NaN))} ms, last zero-out/decrement ${Math.round(Number(r.lastPriorityMs ?? NaN))} ms after resume)`,
      )
      figures.push({
        scenario: 'channel-budget',
        name: `${r.code} increases sent before a waiting zero-out/decrement`,
        value: Number(r.inversions),
        unit: '',
        goal: { op: '<=', value: 0 },
        note: `${r.ups} increases sent in the window`,
      })
    }
    notes.push(
      `channel-budget: ${opt.skus.toLocaleString('en-US')} SKUs, documented limits (simulators' realistic throttle plans), ${opt.windowSeconds} s window after a 5 s warm-up; ` +
        "limit used = tokens taken from the simulator's bucket in the window / (documented rate x window); the busiest bucket per marketplace is the figure. " +
        'A backlog smaller than what the limit passes in the window (feeds carry 10,000 updates each) drains early and shows as low use.',
    )
  } finally {
    await prisma.client?.$disconnect().catch(() => {})
    await stack?.stop()
    fs.rmSync(tmp, { recursive: true, force: true })
  }
  return { figures, notes }
}

/** Listings each channel still has to send (desired version not yet published), by channel code. */
async function pendingByChannel(pool: Stack['pool']): Promise<Map<string, number>> {
  const r = await pool.query<{ code: string; n: string }>(
    `SELECT c.code, count(cl.id)::text AS n FROM "Channel" c
       LEFT JOIN "ChannelListing" cl ON cl."channelId" = c.id AND cl."desiredVersion" > cl."publishedVersion"
      GROUP BY c.code`,
  )
  return new Map(r.rows.map((x) => [x.code, Number(x.n)]))
}

/** When each channel's last call of the resumed backlog started, in ms after resume. */
async function backlogClearedMs(pool: Stack['pool'], resumedAt: Date): Promise<Map<string, number>> {
  const r = await pool.query<{ code: string; ms: string }>(
    `SELECT c.code, (extract(epoch FROM max(a."startedAt") - $1::timestamptz) * 1000)::text AS ms
       FROM "PublishAttempt" a JOIN "Channel" c ON c.id = a."channelId" WHERE a."startedAt" >= $1 GROUP BY c.code`,
    [resumedAt],
  )
  return new Map(r.rows.map((x) => [x.code, Number(x.ms)]))
}
