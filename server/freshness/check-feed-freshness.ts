// Feed freshness and degraded mode. Every minute (and right after a rule version comes into force)
// each expected feed (a source at a location, or anywhere) is checked against its cadence (by the
// source's last ledger event, or for a feed that expects snapshots by its last stored snapshot with
// rows for the location: events alone do not keep a snapshot feed fresh), and each
// channel whose breaker stays open against `breakerOpenMinutes`, and each live channel's orders
// intake against its silence threshold (a channel still selling while we no longer hear of its
// orders is blind too: the others protect themselves for its unseen sales). A feed past its cadence is stale:
// a finding, an alert, the banner, and the SKUs it feeds are recomputed at once so each channel's
// degraded policy applies; when the feed returns the same happens the other way round.
import type { PrismaClient } from '@prisma/client'
import type { Db, RawSql } from '../db'
import { transaction } from '../db'
import { recordAudit, SYSTEM_ACTOR } from '../audit/record-audit'
import { enqueueRecompute } from '../queue/enqueue'
import { getCurrentRuleSet } from '../rules/rule-set.repository'
import { feedExpects } from '../rules/rules.schema'
import { getOrderIntakeHealth } from '../metrics/order-intake'
import { markScopeDirty } from '../availability/recompute-outbox'
import { describeDegraded } from './degraded-mode'

type Kind = 'feed' | 'snapshot' | 'channel' | 'intake'
interface Expected {
  key: string
  kind: Kind
  source: string | null
  location: string | null
  channel: string | null
  lastSeenAt: Date | null
  staleSince: Date | null
}
export interface Transition {
  key: string
  kind: Kind
  state: 'stale' | 'returned'
  what: string
}

export async function checkFeedFreshness(db: PrismaClient, now = new Date()): Promise<Transition[]> {
  return transaction(db, async (tx) => {
    await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtext('stocktower:freshness'))`)
    const rules = (await getCurrentRuleSet(tx, now).catch(() => null))?.rules
    const expected: Expected[] = [
      ...(await expectedFeeds(tx, rules?.feeds ?? [], now)),
      ...(await expectedChannels(tx, rules?.breakerOpenMinutes, now)),
      ...(await expectedIntake(tx, now)),
    ]
    const transitions = await recordStates(tx, expected, now)
    if (transitions.length > 0) await enqueueRecompute(tx)
    return transitions
  })
}

type FeedRule = NonNullable<NonNullable<Awaited<ReturnType<typeof getCurrentRuleSet>>['rules']['feeds']>>[number]

/** Each feed the rules expect: when it was last heard from within its cadence, stale past it. */
async function expectedFeeds(tx: Db, feeds: FeedRule[], now: Date): Promise<Expected[]> {
  const expected: Expected[] = []
  for (const f of feeds) {
    const since = new Date(now.getTime() - f.maxSilenceMinutes * 60_000)
    const location = f.location
      ? await tx.location.findUnique({ where: { code: f.location }, select: { id: true } })
      : null
    if (f.location && !location) continue
    const snapshots = feedExpects(f) === 'snapshots'
    // The ledger's arrival-time index (the snapshots' source and start-time index) bounds the scan
    // to the cadence window. A snapshot counts from its arrival; at a location only once it has
    // completed with rows there, anywhere as soon as it is stored (unless it failed to read).
    const [row] = snapshots
      ? await tx.$queryRawUnsafe<Array<{ last: Date | null }>>(
          `SELECT max("startedAt") AS last FROM "Snapshot" WHERE source = $3 AND "startedAt" > $1::timestamptz AND "startedAt" <= $2::timestamptz
            AND CASE WHEN $4::uuid IS NULL THEN status <> 'failed' ELSE status = 'completed' AND $4::uuid = ANY("locationIds") END`,
          since.toISOString(),
          now.toISOString(),
          f.source,
          location?.id ?? null,
        )
      : await tx.$queryRawUnsafe<Array<{ last: Date | null }>>(
          `SELECT max("receivedAt") AS last FROM "LedgerEvent" WHERE "receivedAt" > $1::timestamptz AND "receivedAt" <= $2::timestamptz AND source = $3 AND ($4::uuid IS NULL OR "locationId" = $4::uuid)`,
          since.toISOString(),
          now.toISOString(),
          f.source,
          location?.id ?? null,
        )
    const kind = snapshots ? ('snapshot' as const) : ('feed' as const)
    const key = `${kind}:${f.source}|${f.location ?? '*'}`
    const prev = await tx.degradedState.findUnique({ where: { key } })
    const lastSeenAt = row?.last ?? prev?.lastSeenAt ?? null
    const fresh = !!row?.last
    expected.push({
      key,
      kind,
      source: f.source,
      location: f.location ?? null,
      channel: null,
      lastSeenAt,
      staleSince: fresh
        ? null
        : (prev?.staleSince ??
          (lastSeenAt ? new Date(Math.min(now.getTime(), lastSeenAt.getTime() + f.maxSilenceMinutes * 60_000)) : now)),
    })
  }
  return expected
}

/** Each channel whose breaker has been open longer than the rules allow is blind. */
async function expectedChannels(tx: Db, breakerOpenMinutes: number | null | undefined, now: Date): Promise<Expected[]> {
  const expected: Expected[] = []
  if (breakerOpenMinutes) {
    const limit = breakerOpenMinutes * 60_000
    const channels = await tx.channel.findMany({ select: { code: true, breakerState: true, breakerOpenedAt: true } })
    for (const c of channels) {
      const blind =
        c.breakerState === 'open' && !!c.breakerOpenedAt && c.breakerOpenedAt.getTime() <= now.getTime() - limit
      expected.push({
        key: `channel:${c.code}`,
        kind: 'channel',
        source: null,
        location: null,
        channel: c.code,
        lastSeenAt: null,
        staleSince: blind ? new Date(c.breakerOpenedAt!.getTime() + limit) : null,
      })
    }
  }
  return expected
}

/** Orders intake: watched for every live channel with a native intake path, whatever the rules. */
async function expectedIntake(tx: Db, now: Date): Promise<Expected[]> {
  const expected: Expected[] = []
  for (const c of await getOrderIntakeHealth(tx, now)) {
    if (c.state === 'not_connected' || c.state === 'not_live') continue
    expected.push({
      key: `intake:${c.channel}`,
      kind: 'intake',
      source: null,
      location: null,
      channel: c.channel,
      lastSeenAt: c.lastActivityAt ? new Date(c.lastActivityAt) : null,
      staleSince: c.stoppedSince ? new Date(c.stoppedSince) : null,
    })
  }
  return expected
}

/** Stores each expected state and returns what turned stale or returned; one no longer expected (the rules changed) returns. */
async function recordStates(tx: Db, expected: Expected[], now: Date): Promise<Transition[]> {
  const before = new Map((await tx.degradedState.findMany()).map((s) => [s.key, s]))
  const transitions: Transition[] = []
  for (const e of expected) {
    const prev = before.get(e.key)
    before.delete(e.key)
    const wasStale = !!prev?.staleSince
    await tx.degradedState.upsert({
      where: { key: e.key },
      create: {
        key: e.key,
        kind: e.kind,
        source: e.source,
        location: e.location,
        channel: e.channel,
        lastSeenAt: e.lastSeenAt,
        staleSince: e.staleSince,
        checkedAt: now,
      },
      update: { lastSeenAt: e.lastSeenAt, staleSince: e.staleSince, checkedAt: now },
    })
    if (!!e.staleSince !== wasStale) transitions.push(await transition(tx, e, e.staleSince ? 'stale' : 'returned', now))
  }
  for (const gone of before.values()) {
    await tx.degradedState.delete({ where: { key: gone.key } })
    if (gone.staleSince) transitions.push(await transition(tx, { ...gone, kind: gone.kind as Kind }, 'returned', now))
  }
  return transitions
}

async function transition(
  tx: Db,
  e: Pick<Expected, 'key' | 'kind' | 'source' | 'location' | 'channel' | 'lastSeenAt' | 'staleSince'>,
  state: 'stale' | 'returned',
  now: Date,
): Promise<Transition> {
  const what = describeDegraded(e)
  const dedupeKey = `degraded:${e.key}`
  if (state === 'stale') {
    const cause =
      e.kind === 'snapshot'
        ? `${what} is stale: no snapshot${e.location ? ` with rows for ${e.location}` : ''} since ${e.lastSeenAt ? e.lastSeenAt.toISOString() : 'it was first expected'} (events do not count for it); channels publish under their degraded policy until one arrives`
        : e.kind === 'feed'
          ? `${what} is stale: nothing since ${e.lastSeenAt ? e.lastSeenAt.toISOString() : 'it was first expected'}; channels publish under their degraded policy until it returns`
          : e.kind === 'intake'
            ? `${what} stopped: no delivery or successful poll since ${e.lastSeenAt ? e.lastSeenAt.toISOString() : 'it was set up'}; the channel still sells, its orders do not reach us: the other channels publish under their degraded policy until it returns`
            : `${what} is blind: its breaker has stayed open since ${e.staleSince?.toISOString()}; the other channels publish under their degraded policy`
    await tx.finding.create({
      data: {
        kind:
          e.kind === 'feed' || e.kind === 'snapshot'
            ? 'stale_feed'
            : e.kind === 'intake'
              ? 'intake_stopped'
              : 'blind_channel',
        channel: e.channel,
        location: e.location,
        cause,
        dedupeKey,
        details: {
          key: e.key,
          source: e.source,
          ...(e.kind === 'snapshot' ? { expects: 'snapshots' } : {}),
          lastSeenAt: e.lastSeenAt?.toISOString() ?? null,
        },
        detectedAt: now,
        updatedAt: now,
      },
    })
  } else {
    await tx.$executeRawUnsafe(
      `UPDATE "Finding" SET status = 'resolved', "resolvedAt" = $2::timestamptz, "updatedAt" = $2::timestamptz, note = 'returned' WHERE "dedupeKey" = $1 AND status IN ('open', 'healing')`,
      dedupeKey,
      now.toISOString(),
    )
  }
  await recordAudit(tx, SYSTEM_ACTOR, {
    action: state === 'stale' ? 'degraded.on' : 'degraded.off',
    entity: e.kind,
    entityId: e.key,
    after: { what, lastSeenAt: e.lastSeenAt?.toISOString() ?? null, staleSince: e.staleSince?.toISOString() ?? null },
  })
  // Every SKU the condition can touch is decided again now (a location's SKUs, else every SKU).
  await markScopeDirty(
    tx,
    { everySku: true, location: e.kind === 'feed' || e.kind === 'snapshot' ? e.location : null },
    now,
  )
  return { key: e.key, kind: e.kind, state, what }
}
