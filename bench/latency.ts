// What an operations team feels, from the database's own provenance after a run: for every event the
// bench sent, per channel, the first decision computed from it (AvailabilityDecision.eventIds holds
// the last ledger event of each position a decision saw; arrival order per SKU x location is ledger
// id order, so a decision covers every earlier event of those positions) and, where that decision
// changed the quantity, the first channel call carrying that version or a newer one
// (PublishAttempt.startedAt). Also checks coalescing: per listing, never two calls in flight at once
// and never an older version sent after a newer one.
import type pg from 'pg'
import { firstCoveringMark } from './stats'

export interface PipelineLatencies {
  events: number
  /** Per (event, channel): decidedAt - receivedAt, ms. */
  toDecision: number[]
  /** Per (event, channel) whose first decision changed the quantity: channel call start - receivedAt, ms. */
  toCall: number[]
  /** Same as toCall, grouped by channel code. */
  toCallByChannel: Record<string, number[]>
  /** (event, channel) pairs no decision covered (the number did not move for that channel, e.g. already 0). */
  undecided: number
  /** Changed decisions no call carried by the end (should be 0 after a drain). */
  notCalled: number
  /** Listings with two attempts overlapping in time, and attempts sending an older version than one already sent. */
  overlapping: number
  outOfOrder: number
  attempts: number
  /** Strategic SKU codes' toCall samples, when asked for. */
  strategicToCall: number[]
  /** toCall of the (event, channel) pairs whose first decision took the listing to 0. */
  zeroToCall: number[]
  /** (event, channel) pairs that changed a strategic SKU's number or took a listing to 0, not called by the end. */
  priorityNotCalled: number
}

export async function measureLatencies(
  pool: pg.Pool,
  opts: { keyPrefix: string; since: Date; strategicSkus?: Set<string> },
): Promise<PipelineLatencies> {
  const ev = await pool.query<{ id: string; k: string; at: string; sku: string }>(
    `SELECT e.id::text AS id, e."skuId"::text || '|' || e."locationId"::text AS k, (extract(epoch FROM e."receivedAt") * 1000)::float8::text AS at, s.code AS sku
       FROM "LedgerEvent" e JOIN "Sku" s ON s.id = e."skuId"
      WHERE e.source = 'erp-demo' AND e."idempotencyKey" LIKE $1`,
    [`${opts.keyPrefix}%`],
  )
  const events = ev.rows.map((r) => ({ key: r.k, order: Number(r.id), at: Number(r.at), sku: r.sku }))
  const keyOfEvent = new Map(events.map((e) => [e.order, e.key]))

  // Listings' desired version when the window opened (the last decision before it), to tell a
  // decision that changed the quantity from one that only restated it.
  const dec = await pool.query<{
    id: string
    listingId: string
    channel: string
    v: number
    q: number
    e: string[]
    at: string
  }>(
    `SELECT d.id::text AS id, d."listingId"::text AS "listingId", c.code AS channel, d."listingVersion" AS v, d.quantity AS q, d."eventIds"::text[] AS e,
            (extract(epoch FROM d."decidedAt") * 1000)::float8::text AS at
       FROM "AvailabilityDecision" d JOIN "Channel" c ON c.id = d."channelId"
      WHERE d."decidedAt" >= $1 ORDER BY d.id`,
    [opts.since],
  )
  const prior = await pool.query<{ listingId: string; v: number }>(
    `SELECT "listingId"::text AS "listingId", max("listingVersion") AS v FROM "AvailabilityDecision"
      WHERE "decidedAt" < $1 AND "listingId" IN (SELECT DISTINCT "listingId" FROM "AvailabilityDecision" WHERE "decidedAt" >= $1) GROUP BY 1`,
    [opts.since],
  )
  const lastVersion = new Map(prior.rows.map((r) => [r.listingId, r.v]))
  const decisions = dec.rows.map((r) => {
    const prev = lastVersion.get(r.listingId) ?? 0
    lastVersion.set(r.listingId, Math.max(prev, r.v))
    return {
      listingId: r.listingId,
      channel: r.channel,
      version: r.v,
      quantity: r.q,
      changed: r.v > prev,
      at: Number(r.at),
      eventIds: r.e.map(Number),
    }
  })

  const att = await pool.query<{ listingId: string; v: number; st: string; fi: string | null }>(
    `SELECT "listingId"::text AS "listingId", version AS v, (extract(epoch FROM "startedAt") * 1000)::float8::text AS st,
            (extract(epoch FROM "finishedAt") * 1000)::float8::text AS fi
       FROM "PublishAttempt" WHERE "startedAt" >= $1 ORDER BY "startedAt", id`,
    [opts.since],
  )
  const attemptsByListing = new Map<string, Array<{ v: number; st: number; fi: number }>>()
  for (const a of att.rows) {
    let l = attemptsByListing.get(a.listingId)
    if (!l) attemptsByListing.set(a.listingId, (l = []))
    l.push({ v: a.v, st: Number(a.st), fi: a.fi === null ? Number.POSITIVE_INFINITY : Number(a.fi) })
  }
  let overlapping = 0
  let outOfOrder = 0
  for (const list of attemptsByListing.values()) {
    let maxV = -1
    let busyUntil = Number.NEGATIVE_INFINITY
    let prevBatchStart = Number.NaN
    for (const a of list) {
      // Two rows of one request (the same start) are one call; a retry of the same version is not out of order.
      if (a.st < busyUntil && a.st !== prevBatchStart) overlapping++
      if (a.v < maxV) outOfOrder++
      maxV = Math.max(maxV, a.v)
      busyUntil = Math.max(busyUntil, a.fi)
      prevBatchStart = a.st
    }
  }

  const toDecision: number[] = []
  const toCall: number[] = []
  const toCallByChannel: Record<string, number[]> = {}
  const strategicToCall: number[] = []
  const zeroToCall: number[] = []
  let priorityNotCalled = 0
  let undecided = 0
  let notCalled = 0
  const channels = [...new Set(decisions.map((d) => d.channel))].sort()
  for (const channel of channels) {
    const ds = decisions.filter((d) => d.channel === channel)
    const marks: Array<{ key: string; order: number; at: number; d: number }> = []
    ds.forEach((d, i) => {
      for (const id of d.eventIds) {
        const key = keyOfEvent.get(id)
        if (key) marks.push({ key, order: id, at: d.at, d: i })
      }
    })
    const first = firstCoveringMark(events, marks)
    const calls = (toCallByChannel[channel] = [] as number[])
    events.forEach((e, i) => {
      if (first[i] < 0) {
        undecided++
        return
      }
      const d = ds[marks[first[i]].d]
      toDecision.push(d.at - e.at)
      if (!d.changed) return
      const call = attemptsByListing.get(d.listingId)?.find((a) => a.v >= d.version && a.st >= d.at - 5)
      const strategic = opts.strategicSkus?.has(e.sku) ?? false
      if (!call) {
        notCalled++
        if (strategic || d.quantity === 0) priorityNotCalled++
        return
      }
      const ms = call.st - e.at
      toCall.push(ms)
      calls.push(ms)
      if (strategic) strategicToCall.push(ms)
      if (d.quantity === 0) zeroToCall.push(ms)
    })
  }
  return {
    events: events.length,
    toDecision,
    toCall,
    toCallByChannel,
    undecided,
    notCalled,
    overlapping,
    outOfOrder,
    attempts: att.rows.length,
    strategicToCall,
    zeroToCall,
    priorityNotCalled,
  }
}
