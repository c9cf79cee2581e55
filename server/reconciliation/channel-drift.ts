// Channel reconciliation (the use case): read back what each channel shows (a slice of its listings
// per run, within the channel's rate budget), compare it with what we last applied, classify a
// difference by cause (classify-drift.ts) and act on it per the channel's policy: heal a sale at
// once, wait for orders in flight, republish a lost update, open a finding a person decides. A
// later read-back that matches resolves the finding. Findings are deduplicated per listing.
import type { Prisma, PrismaClient } from '@prisma/client'
import { transaction, type RawSql } from '../db'
import { MAX_INLINE_PACE_MS, type Connector } from '../channels/connector'
import { loadChannel, lockListings, takeReadCalls, type ChannelRow } from '../channels/channel.repository'
import { reconcileBatch, verifySlaMs } from '../channels/channel-settings'
import { loadOrderGraceMs } from '../metrics/order-intake'
import { describeOrders } from '../orders/orders-since'
import { enqueuePublish } from '../queue/enqueue'
import { emitRealtime, ROOMS } from '../realtime/publisher'
import { classifyDrift, expectedAfterOrders, healPolicy, type DriftCause, type PolicyCause } from './classify-drift'
import { loadDriftSlice, publishState, readPublishStates, type DriftRow } from './drift-facts'
import { republishOver } from './republish-over'

export interface ReconcileResult {
  channel: string
  checked: number
  matched: number
  drift: Partial<Record<DriftCause, number>>
  resolved: number
  skipped?: string
  /** Listings read back while one of our publishes moved them: not compared, read again later. */
  moved?: number
}

export interface ReconcileDeps {
  connectorFor(channel: ChannelRow): Connector
  now?: () => Date
  batch?: number
  /** Read back exactly these listings (e.g. after a refused compare-and-set) instead of the next slice. */
  listingIds?: string[]
  /** Hold a flagged listing's publishing until a person acts (set with `listingIds` by the publisher). */
  holdFlagged?: boolean
}

const ZERO = '00000000-0000-0000-0000-000000000000'
const none = (channel: string, skipped?: string): ReconcileResult => ({
  channel,
  checked: 0,
  matched: 0,
  drift: {},
  resolved: 0,
  ...(skipped ? { skipped } : {}),
})

export async function reconcileChannel(
  db: PrismaClient,
  channelId: string,
  deps: ReconcileDeps,
): Promise<ReconcileResult> {
  const now = deps.now ?? (() => new Date())
  const channel = await loadChannel(db, channelId)
  if (!channel) return none('?', 'unknown channel')
  if (channel.status !== 'active') return none(channel.code, 'paused')
  const connector = deps.connectorFor(channel)
  const wanted = deps.listingIds ? deps.listingIds.length : Math.max(1, deps.batch ?? reconcileBatch(channel))
  if (wanted === 0) return none(channel.code)
  // Reads give way to writes while the marketplace's own limit is spent (the next tick tries again).
  if ((connector.readyInMs?.() ?? 0) > MAX_INLINE_PACE_MS) return none(channel.code, 'marketplace limit')
  const { granted: calls } = await takeReadCalls(db, channelId, Math.ceil(wanted / connector.readBatchSize), now())
  if (calls === 0) return none(channel.code, 'rate budget')
  const graceMs = await loadOrderGraceMs(db, channel, now())
  const cursorKey = `reconcile-cursor:${channelId}`
  const state = await db.systemState.findUnique({ where: { key: cursorKey } })
  const { rows, slice } = await loadDriftSlice(db, {
    channelId,
    listingIds: deps.listingIds,
    after: (state?.value as { after?: string } | null)?.after ?? ZERO,
    limit: Math.min(wanted, calls * connector.readBatchSize),
    now: now(),
    verifySlaMs: verifySlaMs(channel),
    graceMs,
  })
  if (rows.length === 0) return none(channel.code)

  // What the channel shows includes its orders up to the read: a healed number counts orders from here.
  const readAt = now()
  let shownById: Map<string, number | null>
  try {
    const readBack = await connector.readQuantities(
      rows.map((r) => ({ listingId: r.id, externalSku: r.externalSku, externalId: r.externalId })),
    )
    shownById = new Map(readBack.map((r) => [r.listingId, r.quantity]))
  } catch (e) {
    return none(channel.code, `read-back failed: ${(e as Error).message}`)
  }
  const result = none(channel.code)
  await transaction(db, async (tx) => {
    const run: Run = { tx, channel, deps, t: now(), readAt, graceMs }
    const republished = await compareReadBack(run, rows, shownById, result)
    if (!deps.listingIds && slice.length > 0)
      await tx.systemState.upsert({
        where: { key: cursorKey },
        create: { key: cursorKey, value: { after: slice[slice.length - 1].id } },
        update: { value: { after: slice[slice.length - 1].id }, updatedAt: run.t },
      })
    if (republished) await enqueuePublish(tx, channelId)
  })
  if (Object.keys(result.drift).length > 0 || result.resolved > 0)
    emitRealtime([ROOMS.findings, ROOMS.dashboard, ROOMS.channel(channel.code)], 'findings.changed', { kind: 'drift' })
  return result
}

/** One pass over every active channel (the periodic job). */
export async function reconcileChannels(
  db: PrismaClient,
  deps: { connectorFor(channel: ChannelRow): Connector; now?: () => Date },
): Promise<ReconcileResult[]> {
  const channels = await db.channel.findMany({ where: { status: 'active' }, select: { id: true } })
  const out: ReconcileResult[] = []
  for (const c of channels) out.push(await reconcileChannel(db, c.id, deps))
  return out
}

/** What one run's comparisons share. */
interface Run {
  tx: Prisma.TransactionClient
  channel: ChannelRow
  deps: ReconcileDeps
  /** When the run decides (after the read). */
  t: Date
  /** When the read began: orders placed before it are in what the channel showed. */
  readAt: Date
  graceMs: number
}

/** What acting on one listing did: findings resolved, and whether our number goes out again. */
interface Acted {
  resolved: number
  republished?: boolean
}

/** Compares every listing read with the facts it was read beside and acts on each cause; true when something is republished. */
async function compareReadBack(
  run: Run,
  rows: DriftRow[],
  shownById: Map<string, number | null>,
  result: ReconcileResult,
): Promise<boolean> {
  const { tx, readAt } = run
  // The rows this run may write, locked first in id order like every multi-listing writer (a
  // recompute locking the same listings in id order deadlocked with this loop's order).
  const readIds = rows.filter((r) => shownById.get(r.id) != null).map((r) => r.id)
  await lockListings(tx, readIds)
  // Read now: the orders that made them due are in what the channel showed.
  await tx.$executeRawUnsafe(
    `UPDATE "ChannelListing" SET "readBackDueAt" = NULL WHERE id = ANY($1::uuid[]) AND "readBackDueAt" <= $2::timestamptz`,
    readIds,
    readAt.toISOString(),
  )
  // A publish of ours that started, or applied, between the facts' read and the read-back makes
  // the two incomparable (seen in the 30-minute demo: a receipt's new number, decided and applied
  // while the read-back was on its way, was taken for a merchant edit of +21 units).
  const stateNow = await readPublishStates(tx, readIds)
  let republished = false
  for (const r of rows) {
    const shown = shownById.get(r.id)
    if (shown === undefined || shown === null) continue // unknown to the channel: the publish stage reports that
    if (stateNow.get(r.id) !== publishState(r)) {
      result.moved = (result.moved ?? 0) + 1
      continue
    }
    result.checked++
    const cause = classifyDrift(shown, {
      ...r,
      earlierSent: r.earlierSent ?? [],
      otherChannelsApplied: r.others ?? [],
      orders: { sold: r.sold, returned: r.returned },
      absorbable: r.absorbable ?? [],
      withinOrderGrace: !r.graceOver || r.graceStartExplained,
    })
    if (cause === null) result.matched++
    else result.drift[cause] = (result.drift[cause] ?? 0) + 1
    const acted = await actOn(run, r, shown, cause)
    result.resolved += acted.resolved
    republished = republished || acted.republished === true
  }
  return republished
}

function actOn(run: Run, r: DriftRow, shown: number, cause: DriftCause | null): Promise<Acted> {
  if (cause === null) return onMatch(run, r)
  if (cause === 'own_pending') return onOwnPending(run, r, shown)
  if (cause === 'sold_on_channel') return onSold(run, r, shown)
  if (cause === 'orders_in_flight') return onOrdersInFlight(run, r, shown)
  return onDrift(run, r, shown, cause)
}

/** The channel shows our number: any wait or finding about this listing is over. */
async function onMatch({ tx, t }: Run, r: DriftRow): Promise<Acted> {
  if (r.orderGraceSince)
    await tx.$executeRawUnsafe(`UPDATE "ChannelListing" SET "orderGraceSince" = NULL WHERE id = $1::uuid`, r.id)
  return { resolved: await resolveFinding(tx, `drift:${r.id}`, t, 'read-back matches again') }
}

/**
 * Our own update is on its way: nothing to do, verification follows it. Except an accepted update
 * that shows now past the verify SLA: verification stopped polling it (an `unverified` finding was
 * opened), so nobody else would ever record it applied and the listing would stay pending forever
 * (found by the fault suite, issue 17).
 */
async function onOwnPending({ tx, t }: Run, r: DriftRow, shown: number): Promise<Acted> {
  const appliedLate =
    shown === r.published &&
    r.acceptedVersion === r.publishedVersion &&
    r.acceptedVersion > r.appliedVersion &&
    r.acceptedStale &&
    !r.inFlight
  if (!appliedLate) return { resolved: 0 }
  await tx.$executeRawUnsafe(
    `UPDATE "ChannelListing" SET "appliedQuantity" = $2, "appliedVersion" = $3, "appliedAt" = $4::timestamptz WHERE id = $1::uuid AND "appliedVersion" < $3`,
    r.id,
    shown,
    r.acceptedVersion,
    t.toISOString(),
  )
  await tx.$executeRawUnsafe(
    `UPDATE "PublishAttempt" SET outcome = 'applied', "verifiedAt" = $3::timestamptz WHERE "listingId" = $1::uuid AND version = $2 AND outcome = 'accepted'`,
    r.id,
    r.acceptedVersion,
    t.toISOString(),
  )
  return { resolved: await resolveFinding(tx, `unverified:${r.id}`, t, 'applied late: a read-back shows it') }
}

/**
 * A sale is not drift: the channel's number becomes the expected one (compare-and-set sends it),
 * ours, which counts the orders' reservations, goes out over it. Never held, never a finding; one
 * left from before (flagged while the orders were late) is resolved.
 */
async function onSold({ tx, t, readAt }: Run, r: DriftRow, shown: number): Promise<Acted> {
  const orders = describeOrders(r.sold, r.returned)
  await republishOver(tx, r.id, shown, t, readAt)
  await tx.$executeRawUnsafe(
    `UPDATE "ChannelListing" SET "ordersNote" = $2, "ordersNoteAt" = $3::timestamptz WHERE id = $1::uuid`,
    r.id,
    `${readAt.toISOString()}: the channel showed ${shown} where we had applied ${r.applied}: ${orders} since, already received; our number counts them and goes out over it`,
    t.toISOString(),
  )
  const resolved = await resolveFinding(tx, `drift:${r.id}`, t, `explained by the channel's orders: ${orders}`)
  return { resolved, republished: true }
}

/**
 * Orders the channel took may still be on their way: no finding until the grace ends. A refused
 * compare-and-set would only be refused again with the old expectation: it waits for the orders
 * (their reservation decides a new number, which resets the wait) or the grace's end, when the
 * read-back decides again. A grace that ended with its start explained by orders (a listing that
 * sells all the time) begins again from this read.
 */
async function onOrdersInFlight({ tx, channel, deps, t, readAt, graceMs }: Run, r: DriftRow, shown: number) {
  const again = r.graceOver
  const since = again || !r.orderGraceSince ? readAt : r.orderGraceSince
  const until = new Date(since.getTime() + graceMs)
  const missing =
    (expectedAfterOrders({ applied: r.applied, orders: { sold: r.sold, returned: r.returned } }) ?? 0) - shown
  const difference =
    missing >= 0
      ? `${missing} fewer than we applied`
      : `${-missing} more than we applied (a cancellation not received yet?)`
  const before = again
    ? `what it showed when the wait began at ${r.orderGraceSince!.toISOString()} was its orders, all received since, and it keeps selling: `
    : ''
  const sentence = `orders in flight: ${before}the channel shows ${shown}, ${difference}${r.sold || r.returned ? ` and its received orders explain` : ''}; waiting until ${until.toISOString()} (order grace ${Math.round(graceMs / 1000)} s) for its orders before calling it a merchant edit`
  // The number read when a wait begins is kept with the read's window, for the check at its end;
  // a wait that goes on keeps them unless our number applied since (then our number is the start).
  await tx.$executeRawUnsafe(
    `UPDATE "ChannelListing" SET "ordersNote" = $3, "ordersNoteAt" = $2::timestamptz,
            "orderGraceShown" = CASE WHEN $6 OR "orderGraceSince" IS NULL THEN $5::int WHEN "orderGraceSince" = $4::timestamptz THEN "orderGraceShown" ELSE NULL END,
            "orderGraceReadEnd" = CASE WHEN $6 OR "orderGraceSince" IS NULL THEN $2::timestamptz WHEN "orderGraceSince" = $4::timestamptz THEN "orderGraceReadEnd" ELSE NULL END,
            "orderGraceSince" = $4::timestamptz
      WHERE id = $1::uuid`,
    r.id,
    t.toISOString(),
    `${t.toISOString()}: ${sentence}`,
    since.toISOString(),
    shown,
    again,
  )
  if (deps.holdFlagged) {
    await tx.$executeRawUnsafe(
      `UPDATE "ChannelListing" SET "nextAttemptAt" = $2::timestamptz, "lastError" = $3 WHERE id = $1::uuid AND "desiredVersion" > "publishedVersion"`,
      r.id,
      until.toISOString(),
      sentence,
    )
    await enqueuePublish(tx, channel.id, until)
  }
  return { resolved: 0 }
}

/** Drift a policy decides: a finding (one per listing), then republish or hold for a person. */
async function onDrift(run: Run, r: DriftRow, shown: number, cause: PolicyCause): Promise<Acted> {
  const { tx, channel, deps, t } = run
  const heal = healPolicy(channel.settings, cause)
  const sentence = {
    accepted_not_applied: `the channel accepted version ${r.acceptedVersion} but shows ${shown}`,
    lost_update: `the channel shows ${shown}, a quantity we sent earlier: a later update was lost`,
    shared_quantity_overwrite: `the channel shows ${shown}, another channel's number for this SKU (a shared quantity on the marketplace side?)`,
    merchant_edit: `the channel shows ${shown}; we last applied ${r.applied}: changed on the channel`,
  }[cause]
  const text = `${sentence}${heal === 'republish' ? '; republishing' : '; needs a person'}`
  const status = heal === 'republish' ? 'healing' : 'open'
  const updated = await tx.$executeRawUnsafe(
    `UPDATE "Finding" SET cause = $2, actual = $3::int, variance = $3::int - expected, "updatedAt" = $4::timestamptz, status = $5, details = details || $6::jsonb
      WHERE "dedupeKey" = $1 AND status IN ('open', 'healing')`,
    `drift:${r.id}`,
    text,
    shown,
    t.toISOString(),
    status,
    JSON.stringify({ cause, heal }),
  )
  if (updated === 0) {
    await tx.$executeRawUnsafe(
      `INSERT INTO "Finding"(id, kind, sku, channel, cause, status, field, expected, actual, variance, details, "dedupeKey", "detectedAt", "updatedAt")
       VALUES (gen_random_uuid(), 'drift', $1, $2, $3, $4, 'quantity', $5::int, $6::int, $6::int - $5::int, $7::jsonb, $8, $9::timestamptz, $9::timestamptz)`,
      r.sku,
      channel.code,
      text,
      status,
      (cause === 'accepted_not_applied' ? r.published : r.applied) ?? 0,
      shown,
      JSON.stringify({ cause, heal, listingId: r.id, appliedVersion: r.appliedVersion }),
      `drift:${r.id}`,
      t.toISOString(),
    )
  }
  if (heal === 'republish') {
    await republishOver(tx, r.id, shown, t)
    return { resolved: 0, republished: true }
  }
  if (deps.holdFlagged) {
    // Found because a compare-and-set was refused: retrying would only be refused again (and
    // overwrite what a person is asked to look at). Held until they republish or it matches.
    await tx.$executeRawUnsafe(
      `UPDATE "ChannelListing" SET "nextAttemptAt" = 'infinity', "lastError" = $2 WHERE id = $1::uuid AND "desiredVersion" > "publishedVersion"`,
      r.id,
      `held: ${sentence}; a person decides on the drift finding (Republish, or resolve it)`,
    )
  }
  return { resolved: 0 }
}

async function resolveFinding(tx: RawSql, dedupeKey: string, t: Date, note: string): Promise<number> {
  return tx.$executeRawUnsafe(
    `UPDATE "Finding" SET status = 'resolved', "resolvedAt" = $2::timestamptz, "updatedAt" = $2::timestamptz, note = $3
      WHERE "dedupeKey" = $1 AND status IN ('open', 'healing')`,
    dedupeKey,
    t.toISOString(),
    note,
  )
}
