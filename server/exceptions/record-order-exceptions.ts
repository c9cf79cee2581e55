// ERP order exceptions: a system of record says it rejected or held a channel order (credit hold,
// invalid item mapping, warehouse constraint, ...). The raw message is stored first; each exception
// is judged alone (bad ones become dead letters with a reason). The rule set's policy for the reason
// decides: release the order's reservation or keep it, and/or suppress the order's SKUs on the
// order's channel only (a holdback with the order as its reason, expiring, removed when the
// exception is resolved). Every exception opens a finding and is audited.
import type { PrismaClient } from '@prisma/client'
import { z } from 'zod'
import type { Db } from '../db'
import { transaction } from '../db'
import { PayloadTooLargeError, ValidationError, describeIssues } from '../errors'
import { recordAudit, type Actor } from '../audit/record-audit'
import { finishInboundMessage, storeInboundMessage } from '../ingest/inbound-message.repository'
import { emitIngestDeadLettersChanged, recordIngestDeadLetters } from '../ingest/dead-letters.repository'
import { markSkusDirty } from '../availability/recompute-outbox'
import { getCurrentRuleSet } from '../rules/rule-set.repository'
import { OrderExceptionPolicySchema, type OrderExceptionPolicy, type RuleSet } from '../rules/rules.schema'
import { HoldbackInputSchema } from '../rules/holdback.schema'
import { insertHoldback } from '../rules/create-holdback'
import { removeHoldbackIn } from '../rules/remove-holdback'

export const MAX_EXCEPTIONS_PER_BATCH = 1000

export const OrderExceptionEventSchema = z
  .object({
    idempotencyKey: z.string().trim().min(1).max(256),
    channel: z.string().trim().min(1).max(100),
    orderId: z.string().trim().min(1).max(200),
    /** rejected / held open an exception; resolved closes the order's open ones. */
    status: z.enum(['rejected', 'held', 'resolved']),
    reason: z.string().trim().min(1).max(100).optional(),
    /** The SKUs concerned (default: the SKUs the order reserves). */
    skus: z.array(z.string().trim().min(1).max(200)).max(500).optional(),
    message: z.string().max(2000).optional(),
    occurredAt: z.iso.datetime({ offset: true }),
  })
  .refine((e) => e.status === 'resolved' || !!e.reason, {
    path: ['reason'],
    message: 'a rejected or held order needs a reason code',
  })
export type OrderExceptionEvent = z.infer<typeof OrderExceptionEventSchema>

const BUILT_IN: OrderExceptionPolicy = { releaseReservation: false, suppress: false, suppressHours: 72 }

/** Pure: the policy for a reason (named, else `*`, else keep and suppress nothing). */
export function policyFor(rules: RuleSet, reason: string): { policy: OrderExceptionPolicy; from: string } {
  const named = rules.orderExceptions?.[reason]
  if (named) return { policy: OrderExceptionPolicySchema.parse(named), from: `policy for "${reason}"` }
  const any = rules.orderExceptions?.['*']
  if (any) return { policy: OrderExceptionPolicySchema.parse(any), from: 'policy for any reason (*)' }
  return { policy: BUILT_IN, from: 'no policy: keep the reservation, suppress nothing' }
}

/** Pure: what an exception does. Suppression is only ever for the order's own channel. */
export function planOrderException(
  rules: RuleSet,
  e: { channel: string; reason: string; skus: string[] },
  at: Date,
): {
  policy: OrderExceptionPolicy
  from: string
  release: boolean
  suppress: Array<{ sku: string; channel: string; expiresAt: Date }>
} {
  const { policy, from } = policyFor(rules, e.reason)
  const expiresAt = new Date(at.getTime() + policy.suppressHours * 3_600_000)
  return {
    policy,
    from,
    release: policy.releaseReservation,
    suppress: policy.suppress ? [...new Set(e.skus)].map((sku) => ({ sku, channel: e.channel, expiresAt })) : [],
  }
}

export interface OrderExceptionsResult {
  accepted: number
  duplicates: number
  rejected: Array<{ index: number; code: string; message: string }>
  messageId: string
}

export async function recordOrderExceptions(
  db: PrismaClient,
  input: { body: string; boundSource?: string | null; transport?: string; receivedAt?: Date },
): Promise<OrderExceptionsResult> {
  const receivedAt = input.receivedAt ?? new Date()
  if (Buffer.byteLength(input.body) > 5 * 1024 * 1024) throw new PayloadTooLargeError('The body is larger than 5 MiB.')
  // Stored before anything else: nothing a system of record sent is lost.
  const messageId = await storeInboundMessage(db, {
    source: input.boundSource ?? '(unparsed)',
    kind: 'order-exceptions',
    transport: input.transport ?? 'http',
    body: input.body,
    receivedAt,
  })
  let source: string
  let items: unknown[]
  try {
    let json: unknown
    try {
      json = JSON.parse(input.body)
    } catch (e) {
      throw new ValidationError(`The body is not valid JSON: ${(e as Error).message}.`, undefined, 'INVALID_JSON')
    }
    const body = z
      .object({
        source: z.string().trim().min(1).max(100),
        exceptions: z.array(z.unknown()).min(1).max(MAX_EXCEPTIONS_PER_BATCH),
      })
      .safeParse(json)
    if (!body.success)
      throw new ValidationError(
        `The body must be { "source": "...", "exceptions": [1 to ${MAX_EXCEPTIONS_PER_BATCH} order exceptions] }.`,
        undefined,
        'INVALID_BODY',
      )
    if (input.boundSource && input.boundSource !== body.data.source)
      throw new ValidationError(
        `This API key may only send for source "${input.boundSource}".`,
        undefined,
        'SOURCE_NOT_ALLOWED',
      )
    source = body.data.source
    items = body.data.exceptions
  } catch (e) {
    await finishInboundMessage(db, messageId, { status: 'rejected', error: (e as Error).message })
    await recordIngestDeadLetters(db, messageId, input.boundSource ?? null, [
      {
        index: -1,
        code: (e as { code?: string }).code ?? 'INVALID_BODY',
        message: (e as Error).message,
        raw: input.body.slice(0, 4096),
      },
    ])
    throw e
  }
  const r = await recordOrderExceptionItems(
    db,
    source,
    items.map((raw, index) => ({ index, raw })),
    messageId,
    receivedAt,
  )
  await finishInboundMessage(db, messageId, {
    source,
    status: r.rejected.length === 0 ? 'processed' : r.accepted + r.duplicates === 0 ? 'rejected' : 'partially_rejected',
    accepted: r.accepted,
    duplicates: r.duplicates,
    rejected: r.rejected.length,
  })
  return { ...r, messageId }
}

/**
 * Judges and applies already-stored exceptions one by one (the API's body, or the rows of an
 * `*order-exceptions*.ndjson` file dropped in the inbox); bad ones become dead letters.
 */
export async function recordOrderExceptionItems(
  db: PrismaClient,
  source: string,
  items: Array<{ index: number; raw: unknown }>,
  messageId: string,
  receivedAt: Date,
): Promise<Omit<OrderExceptionsResult, 'messageId'>> {
  const rejected: Array<{ index: number; code: string; message: string; raw: unknown; sku?: string | null }> = []
  let accepted = 0
  let duplicates = 0
  const actor: Actor = { kind: 'system', id: null, label: `source ${source}` }
  for (const { index, raw } of items) {
    const parsed = OrderExceptionEventSchema.safeParse(raw)
    if (!parsed.success) {
      rejected.push({
        index,
        code: 'INVALID_EXCEPTION',
        message: describeIssues(parsed.error.issues, { root: 'exception' }),
        raw,
      })
      continue
    }
    try {
      const outcome = await transaction(db, (tx) =>
        applyOrderException({ tx, actor, source, e: parsed.data, messageId, receivedAt }),
      )
      if (outcome === 'duplicate') duplicates++
      else accepted++
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e
      rejected.push({ index, code: e.code, message: e.message, raw, sku: parsed.data.skus?.[0] ?? null })
    }
  }
  if (rejected.length > 0) {
    await recordIngestDeadLetters(db, messageId, source, rejected)
    emitIngestDeadLettersChanged()
  }
  return { accepted, duplicates, rejected: rejected.map(({ index, code, message }) => ({ index, code, message })) }
}

/** One order exception event being applied: its transaction, who sends it, from which source and message, and when. */
interface ExceptionEventIn {
  tx: Db
  actor: Actor
  source: string
  e: OrderExceptionEvent
  messageId: string
  receivedAt: Date
}

async function applyOrderException(event: ExceptionEventIn): Promise<'applied' | 'duplicate'> {
  const { tx, actor, source, e, messageId, receivedAt } = event
  const channel = await tx.channel.findUnique({ where: { code: e.channel }, select: { id: true, code: true } })
  if (!channel) throw new ValidationError(`Unknown channel "${e.channel}".`, undefined, 'UNKNOWN_CHANNEL')
  if (
    await tx.orderException.findUnique({
      where: { source_idempotencyKey: { source, idempotencyKey: e.idempotencyKey } },
      select: { id: true },
    })
  )
    return 'duplicate'

  if (e.status === 'resolved') return resolveOrderException(event)

  const { reservations, kitCodes, skus } = await orderSkus(tx, channel.id, e)

  const rules = (await getCurrentRuleSet(tx, receivedAt)).rules
  const plan = planOrderException(rules, { channel: e.channel, reason: e.reason!, skus }, receivedAt)
  const releasedUnits = plan.release
    ? await releaseReservations(
        tx,
        reservations.filter((r) => skus.includes(r.sku) || kitCodes.some((k) => skus.includes(k.code))),
        receivedAt,
      )
    : 0
  const why = `ERP order exception: ${e.reason} (${e.status}) on ${e.channel}:${e.orderId}`
  const holdbackIds = await suppressUntilResolved(
    tx,
    actor,
    plan.suppress,
    `${why}, until resolved`,
    source,
    receivedAt,
  )
  const row = await tx.orderException.create({
    data: {
      source,
      idempotencyKey: e.idempotencyKey,
      channel: e.channel,
      orderId: e.orderId,
      skus,
      reason: e.reason!,
      kind: e.status,
      message: e.message ?? '',
      policy: { ...plan.policy, from: plan.from },
      releasedUnits,
      holdbackIds,
      occurredAt: new Date(e.occurredAt),
      receivedAt,
      inboundMessageId: messageId,
    },
  })
  const cause = `${why}: ${plan.release ? `reservation released (${releasedUnits} units)` : 'reservation kept'}${plan.suppress.length ? `, ${skus.join(', ')} suppressed on ${e.channel} until resolved (at most ${plan.policy.suppressHours} h)` : ''}${e.message ? `. ERP says: ${e.message}` : ''}`
  await upsertExceptionFinding(tx, e, { exceptionId: row.id, skus, cause }, receivedAt)
  await recordAudit(tx, actor, {
    action: 'order_exception.open',
    entity: 'order_exception',
    entityId: row.id,
    after: {
      channel: e.channel,
      orderId: e.orderId,
      reason: e.reason,
      kind: e.status,
      skus,
      policy: plan.from,
      releasedUnits,
      holdbackIds,
    },
  })
  return 'applied'
}

/** A resolution closes the order's open exceptions, lifts their holdbacks and resolves their finding. */
async function resolveOrderException(event: ExceptionEventIn): Promise<'applied'> {
  const { tx, actor, source, e, messageId, receivedAt } = event
  const open = await tx.orderException.findMany({ where: { channel: e.channel, orderId: e.orderId, status: 'open' } })
  if (open.length === 0)
    throw new ValidationError(
      `No open exception for order ${e.channel}:${e.orderId} to resolve.`,
      undefined,
      'NO_OPEN_EXCEPTION',
    )
  for (const x of open) {
    for (const id of x.holdbackIds)
      await removeHoldbackIn(tx, actor, id, `order exception ${e.channel}:${e.orderId} resolved`)
    await tx.orderException.update({ where: { id: x.id }, data: { status: 'resolved', resolvedAt: receivedAt } })
    await recordAudit(tx, actor, {
      action: 'order_exception.resolve',
      entity: 'order_exception',
      entityId: x.id,
      before: { status: 'open' },
      after: { status: 'resolved', channel: e.channel, orderId: e.orderId, message: e.message ?? '' },
    })
  }
  await tx.$executeRawUnsafe(
    `UPDATE "Finding" SET status = 'resolved', "resolvedAt" = $2::timestamptz, "updatedAt" = $2::timestamptz WHERE "dedupeKey" = $1 AND status IN ('open', 'healing')`,
    `order-exception:${e.channel}:${e.orderId}`,
    receivedAt.toISOString(),
  )
  // The resolution itself is recorded too, so the same key is a duplicate next time.
  await tx.orderException.create({
    data: {
      source,
      idempotencyKey: e.idempotencyKey,
      channel: e.channel,
      orderId: e.orderId,
      skus: [...new Set(open.flatMap((x) => x.skus))],
      reason: 'resolved',
      kind: 'resolved',
      message: e.message ?? '',
      status: 'resolved',
      policy: {},
      occurredAt: new Date(e.occurredAt),
      receivedAt,
      resolvedAt: receivedAt,
      inboundMessageId: messageId,
    },
  })
  return 'applied'
}

/** The SKUs an exception concerns: those it names, else what the order holds (kits by their code). */
async function orderSkus(tx: Db, channelId: string, e: OrderExceptionEvent) {
  // The order's open reservations (the SKUs concerned, unless the event names them).
  const reservations = await tx.$queryRawUnsafe<
    Array<{ id: string; skuId: string; locationId: string; sku: string; quantity: number }>
  >(
    `SELECT r.id::text AS id, r."skuId"::text AS "skuId", r."locationId"::text AS "locationId", s.code AS sku, r.quantity
       FROM "Reservation" r JOIN "Sku" s ON s.id = r."skuId"
      WHERE r."channelId" = $1::uuid AND r."orderId" = $2 AND r.status = 'open' AND r.quantity > 0
      ORDER BY r."skuId", r."locationId" FOR UPDATE OF r`,
    channelId,
    e.orderId,
  )
  const kitCodes = await tx.$queryRawUnsafe<Array<{ code: string }>>(
    `SELECT DISTINCT s.code FROM "Reservation" r JOIN "Sku" s ON s.id = r."kitSkuId" WHERE r."channelId" = $1::uuid AND r."orderId" = $2 AND r."kitSkuId" IS NOT NULL`,
    channelId,
    e.orderId,
  )
  const skus = e.skus?.length
    ? [...new Set(e.skus)]
    : [...new Set([...reservations.map((r) => r.sku), ...kitCodes.map((k) => k.code)])]
  if (skus.length === 0)
    throw new ValidationError(
      `Order ${e.channel}:${e.orderId} holds no reservation and the exception names no SKU: say which SKUs it concerns ("skus").`,
      undefined,
      'UNKNOWN_ORDER',
    )
  const known = await tx.sku.findMany({ where: { code: { in: skus } }, select: { code: true } })
  const missing = skus.filter((s) => !known.some((k) => k.code === s))
  if (missing.length)
    throw new ValidationError(`Unknown SKU ${missing.map((m) => `"${m}"`).join(', ')}.`, undefined, 'UNKNOWN_SKU')
  return { reservations, kitCodes, skus }
}

/** Releases the order's reservations of those SKUs; returns the units released. */
async function releaseReservations(
  tx: Db,
  mine: Array<{ id: string; skuId: string; locationId: string; quantity: number }>,
  receivedAt: Date,
): Promise<number> {
  let releasedUnits = 0
  for (const r of mine) {
    await tx.$executeRawUnsafe(
      `UPDATE "Position" SET reserved = reserved - $3, version = version + 1, "updatedAt" = $4::timestamptz WHERE "skuId" = $1::uuid AND "locationId" = $2::uuid`,
      r.skuId,
      r.locationId,
      r.quantity,
      receivedAt.toISOString(),
    )
    await tx.$executeRawUnsafe(
      `UPDATE "Reservation" SET quantity = 0, status = 'released', "updatedAt" = $2::timestamptz WHERE id = $1::uuid`,
      r.id,
      receivedAt.toISOString(),
    )
    releasedUnits += r.quantity
  }
  await markSkusDirty(tx, [...new Set(mine.map((r) => r.skuId))], receivedAt)
  return releasedUnits
}

/** A suppress holdback per SKU and channel the policy names; returns their ids. */
async function suppressUntilResolved(
  tx: Db,
  actor: Actor,
  suppress: Array<{ sku: string; channel: string; expiresAt: Date }>,
  reason: string,
  source: string,
  receivedAt: Date,
): Promise<string[]> {
  const holdbackIds: string[] = []
  for (const s of suppress) {
    const h = await insertHoldback(
      tx,
      actor,
      HoldbackInputSchema.parse({
        sku: s.sku,
        channel: s.channel,
        mode: 'suppress',
        reason,
        owner: `source ${source}`,
        expiresAt: s.expiresAt,
      }),
      receivedAt,
    )
    holdbackIds.push(h.id)
  }
  return holdbackIds
}

/** One open finding per order: updated with the latest cause, or created. */
async function upsertExceptionFinding(
  tx: Db,
  e: OrderExceptionEvent,
  x: { exceptionId: string; skus: string[]; cause: string },
  receivedAt: Date,
): Promise<void> {
  const dedupeKey = `order-exception:${e.channel}:${e.orderId}`
  const open = await tx.finding.findFirst({
    where: { dedupeKey, status: { in: ['open', 'healing'] } },
    select: { id: true },
  })
  if (open)
    await tx.finding.update({
      where: { id: open.id },
      data: {
        cause: x.cause,
        updatedAt: receivedAt,
        details: { exceptionId: x.exceptionId, orderId: e.orderId, reason: e.reason, skus: x.skus },
      },
    })
  else
    await tx.finding.create({
      data: {
        kind: 'order_exception',
        sku: x.skus[0],
        channel: e.channel,
        cause: x.cause,
        dedupeKey,
        details: { exceptionId: x.exceptionId, orderId: e.orderId, reason: e.reason, skus: x.skus },
        detectedAt: receivedAt,
        updatedAt: receivedAt,
      },
    })
}
