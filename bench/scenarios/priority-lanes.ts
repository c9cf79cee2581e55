// priority lanes under a 10x burst (issue 21 item 4): with the documented marketplace limits on, a
// steady stream, then ten times that rate, then the steady rate again; strategic SKUs (1 in 100, by
// code in the rule set's `strategic` class) and updates that take a listing to zero must reach the
// channel with p99 <= 10 s while the backlog drains. Same-run baseline: the other SKUs' increases.
import crypto from 'node:crypto'
import { onOwnStack, waitFor, backlog, waitForDrain, type ScenarioResult } from '../stack'
import { sendSteady, steadyBatches } from '../steady-sender'
import { measureLatencies } from '../latency'
import { summarize, type Figure } from '../stats'
import { createPrisma } from '../../server/db'
import { getCurrentRuleSet } from '../../server/rules/rule-set.repository'
import { saveRuleSet } from '../../server/rules/save-rule-set'
import { demoSkuCode, DEMO_LOCATIONS } from '../../server/demo/seed-demo'
import type { Actor } from '../../server/audit/record-audit'
import { applyDocumentedLimits } from './documented-limits'
import type { BenchEvent } from '../events'

const BENCH_ACTOR: Actor = { kind: 'system', id: null, label: 'bench' }

export async function runPriorityLanes(
  opt: { skus: number; rate: number; burstSeconds: number },
  log: (l: string) => void,
): Promise<ScenarioResult> {
  return onOwnStack('lanes', { skus: opt.skus, plan: 'demo', worker: true, log }, async (stack, { figures, notes }) => {
    await waitForDrain(stack.pool, 30 * 60_000)
    const strategic = Array.from({ length: Math.floor(opt.skus / 100) }, (_, i) => demoSkuCode(100 * (i + 1)))
    const prisma = createPrisma(stack.databaseUrl, { max: 2 })
    try {
      const rules = structuredClone((await getCurrentRuleSet(prisma)).rules)
      rules.strategic = { skus: strategic, categories: [] }
      await saveRuleSet(prisma, BENCH_ACTOR, { rules, comment: 'bench: 1 SKU in 100 is strategic' })
    } finally {
      await prisma.$disconnect()
    }
    await waitForDrain(stack.pool, 30 * 60_000)
    await applyDocumentedLimits(stack.sims, stack.pool)
    const runId = crypto.randomBytes(4).toString('hex')
    // One event in 20 is an absolute count of 0 (a newer source sequence than any before) for one
    // of the "zeroing" SKUs (1 in 50), location after location, so each of them goes to 0 everywhere
    // (a channel's number is the sum over its locations) every three such events.
    const zeroSkus = Array.from({ length: Math.max(1, Math.floor(opt.skus / 50)) }, (_, i) =>
      demoSkuCode(50 * i + 7),
    ).filter((c) => Number(c.slice(4)) <= opt.skus)
    let k = 0
    const zeroing =
      (phase: number) =>
      (e: BenchEvent, i: number): BenchEvent => {
        if (i % 20 !== 0) return e
        const n = k++
        return {
          idempotencyKey: e.idempotencyKey,
          type: 'count',
          sku: zeroSkus[Math.floor(n / 3) % zeroSkus.length],
          location: DEMO_LOCATIONS[n % 3].code,
          quantity: 0,
          // Now, not the stream's back-dated time: a count older than the position's last count (the seed's) is stale.
          occurredAt: new Date().toISOString(),
          sourceSeq: 9_000_000_000 + phase * 100_000_000 + i,
        }
      }
    const phases = [
      { label: 'steady1', rate: opt.rate, seconds: opt.burstSeconds },
      { label: 'burst', rate: 10 * opt.rate, seconds: opt.burstSeconds },
      { label: 'steady2', rate: opt.rate, seconds: opt.burstSeconds },
    ]
    const since = new Date(Date.now() - 5)
    let peakPending = 0
    const sampler = setInterval(() => {
      void backlog(stack!.pool).then(
        (b) => {
          peakPending = Math.max(peakPending, b.pending)
        },
        () => {},
      )
    }, 1000)
    log(
      `[bench] priority-lanes: ${strategic.length} strategic SKUs of ${opt.skus}; ${phases.map((p) => `${p.rate}/s for ${p.seconds} s`).join(', then ')}; documented limits on`,
    )
    for (const [pi, p] of phases.entries()) {
      const batch = Math.max(1, Math.round(p.rate / 20))
      const bodies = steadyBatches({
        runId,
        label: `lanes-${p.label}`,
        skuCount: opt.skus,
        ratePerSecond: p.rate,
        seconds: p.seconds,
        batchSize: batch,
        seed: 31 + pi,
        transform: zeroing(pi),
      })
      const r = await sendSteady(stack.port, stack.apiKey, bodies, batch, p.rate)
      if (r.failures.length) throw new Error(`priority-lanes ${p.label}: ${r.failures[0]}`)
    }
    // "While the backlog drains": wait for the strategic and zero-out updates (not the whole backlog).
    const endOfBurst = Date.now()
    await waitFor(
      'the backlog to drain (or 120 s)',
      125_000,
      async () => Date.now() - endOfBurst > 120_000 || (await backlog(stack!.pool)).pending === 0,
      1000,
    ).catch(() => {})
    clearInterval(sampler)
    const left = await backlog(stack.pool)
    const lat = await measureLatencies(stack.pool, {
      keyPrefix: `bench:${runId}:lanes-`,
      since,
      strategicSkus: new Set(strategic),
    })
    const st = summarize(lat.strategicToCall)
    const zero = summarize(lat.zeroToCall)
    const all = summarize(lat.toCall)
    log(
      `  strategic: event->call p50/p99 ${fmt(st.p50)}/${fmt(st.p99)} ms over ${st.n}; zero-outs ${fmt(zero.p50)}/${fmt(zero.p99)} ms over ${zero.n}; ` +
        `everything ${fmt(all.p50)}/${fmt(all.p99)} ms over ${all.n}; ${lat.priorityNotCalled} strategic/zero updates not sent within 120 s after the burst, ${lat.notCalled} in all; ` +
        `peak ${peakPending} listings pending, ${left.pending} still pending`,
    )
    for (const [ch, xs] of Object.entries(lat.toCallByChannel)) {
      const s = summarize(xs)
      log(`    ${ch}: all updates event->call p50/p99 ${fmt(s.p50)}/${fmt(s.p99)} ms over ${s.n}`)
    }
    const burstP99 = (updates: string, p99: Figure['value']): Figure => ({
      scenario: 'priority-lanes',
      name: `${updates} event->channel call p99 (10x burst)`,
      value: p99,
      unit: 'ms',
      goal: { op: '<=', value: 10_000 },
      baseline: { label: 'all updates p99', value: all.p99 },
    })
    figures.push(burstP99('strategic SKUs', st.p99), burstP99('to-zero updates', zero.p99), {
      scenario: 'priority-lanes',
      name: 'strategic/to-zero updates not sent 120 s after the burst',
      value: lat.priorityNotCalled,
      unit: '',
      goal: { op: '<=', value: 0 },
      note: `${lat.notCalled} updates of any kind not sent`,
    })
    notes.push(
      `priority-lanes: ${opt.skus.toLocaleString('en-US')} SKUs, ${strategic.length} strategic, documented limits; ${opt.rate}/s, ${10 * opt.rate}/s, ${opt.rate}/s for ${opt.burstSeconds} s each; 1 event in 20 a count to 0; peak backlog ${peakPending} listings.`,
    )
  })
}

const fmt = (v: number | null) => (v === null ? 'n/a' : Math.round(v).toString())
