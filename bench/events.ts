// A realistic ERP event stream for the bench: receipts, ships, adjustments and counts on random
// SKUs across the demo's three locations, each with a unique idempotency key. Deterministic (seeded)
// so two runs send the same mix.
import { DEMO_LOCATIONS, DEMO_SOURCE, demoSkuCode } from '../server/demo/seed-demo'

export interface BenchEvent {
  idempotencyKey: string
  type: 'receipt' | 'ship' | 'adjustment' | 'count'
  sku: string
  location: string
  quantity: number
  uom?: string
  occurredAt: string
  sourceSeq?: number
  reference?: string
}

export interface EventStream {
  /** Events in batches, in the order they are handed to senders. */
  batches: BenchEvent[][]
  total: number
}

let streams = 1

function prng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/**
 * Mix (by count): 30% receipts (10-60 units; a tenth of the SKUs sometimes in cases of 12),
 * 40% ships (1-5; one in twenty references a channel order, which exercises the reservation
 * handover lookup), 20% adjustments (+-1..5), 10% absolute counts with an increasing `sourceSeq`.
 * One event in ten names its SKU by the ERP's alias (`ERP-00042`) instead of the canonical code.
 */
export function generateEvents(opts: {
  runId: string
  label: string
  skuCount: number
  batches: number
  batchSize: number
  seed: number
}): EventStream {
  // Counts carry a source sequence that keeps growing from one stream to the next (as an ERP's
  // does), so a later stream's counts are not stale against an earlier one's.
  const seqBase = streams++ * 10_000_000
  const rand = prng(opts.seed)
  const base = Date.now() - 3_600_000
  const batches: BenchEvent[][] = []
  let n = 0
  for (let b = 0; b < opts.batches; b++) {
    const batch: BenchEvent[] = []
    for (let i = 0; i < opts.batchSize; i++, n++) {
      const skuNo = 1 + Math.floor(rand() * opts.skuCount)
      const code = demoSkuCode(skuNo)
      const sku = rand() < 0.1 ? `ERP-${code.slice(4)}` : code
      const location = DEMO_LOCATIONS[Math.floor(rand() * DEMO_LOCATIONS.length)].code
      const occurredAt = new Date(base + n).toISOString()
      const idempotencyKey = `bench:${opts.runId}:${opts.label}:${n}`
      const r = rand()
      const event = (type: BenchEvent['type'], quantity: number, rest: Partial<BenchEvent>): BenchEvent => ({
        idempotencyKey,
        type,
        sku,
        location,
        quantity,
        occurredAt,
        ...rest,
      })
      let e: BenchEvent
      if (r < 0.3) {
        const inCases = skuNo % 10 === 0 && rand() < 0.5
        const quantity = inCases ? 1 + Math.floor(rand() * 4) : 10 + Math.floor(rand() * 51)
        e = event('receipt', quantity, { reference: `PO-${100000 + Math.floor(n / 50)}` })
        if (inCases) e.uom = 'CASE'
      } else if (r < 0.7) {
        const channelOrder = rand() < 0.05
        e = event('ship', 1 + Math.floor(rand() * 5), {
          reference: channelOrder ? `shopify:SH-${n}` : `SO-${200000 + n}`,
        })
      } else if (r < 0.9) {
        const q = 1 + Math.floor(rand() * 5)
        e = event('adjustment', rand() < 0.5 ? -q : q, { reference: 'cycle adjustment' })
      } else {
        e = event('count', 50 + Math.floor(rand() * 200), { sourceSeq: seqBase + n })
      }
      batch.push(e)
    }
    batches.push(batch)
  }
  return { batches, total: n }
}

export function batchBody(events: BenchEvent[]): string {
  return JSON.stringify({ source: DEMO_SOURCE, events })
}
