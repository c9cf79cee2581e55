// Which dead letters a replay, its preview or a discard acts on, and who asks: shared by the replay
// use cases (preview-replay, request-replay, approve-replay, reject-replay, discard-dead-letters).
import type { Prisma } from '@prisma/client'
import { ValidationError } from '../errors'
import type { Actor } from '../audit/record-audit'

export const MAX_REPLAY_SELECTION = 10_000

export interface ReplaySelection {
  ids?: string[]
  kind?: 'ingest' | 'publish'
  channel?: string
  code?: string
  sku?: string
  /** Only dead letters last seen in [from, to). */
  from?: Date
  to?: Date
}

export interface ReplayUser {
  id: string
  email: string
  role: string
}

export function actorOf(u: ReplayUser): Actor {
  return { kind: 'user', id: u.id, label: u.email }
}

export function whereOf(sel: ReplaySelection): Prisma.DeadLetterWhereInput {
  if (sel.ids && sel.ids.length > MAX_REPLAY_SELECTION)
    throw new ValidationError(
      `Select at most ${MAX_REPLAY_SELECTION} dead letters at once.`,
      undefined,
      'SELECTION_TOO_LARGE',
    )
  const hasFilter = Boolean(sel.ids?.length || sel.kind || sel.channel || sel.code || sel.sku || sel.from || sel.to)
  if (!hasFilter)
    throw new ValidationError(
      'Choose dead letters by id or by a filter (kind, channel, code, SKU, time).',
      undefined,
      'EMPTY_SELECTION',
    )
  return {
    status: 'open',
    ...(sel.ids?.length ? { id: { in: sel.ids } } : {}),
    ...(sel.kind ? { kind: sel.kind } : {}),
    ...(sel.channel ? { channel: sel.channel } : {}),
    ...(sel.code ? { code: sel.code } : {}),
    ...(sel.sku ? { sku: sel.sku } : {}),
    ...(sel.from || sel.to
      ? { lastSeenAt: { ...(sel.from ? { gte: sel.from } : {}), ...(sel.to ? { lt: sel.to } : {}) } }
      : {}),
  }
}
