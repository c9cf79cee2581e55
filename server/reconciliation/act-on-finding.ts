// What a person may do with a finding (drift, variance, exception, unverified, aged reservation,
// SLO breach): ignore it with a reason, resolve it with a note, reopen it, (a snapshot variance)
// correct the position through the ledger, or (channel drift) republish our number over what the
// channel shows. Every action is audited.
import type { PrismaClient } from '@prisma/client'
import { transaction } from '../db'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors'
import { recordAudit, type Actor } from '../audit/record-audit'
import { can } from '../auth/permissions'
import { emitRealtime, ROOMS } from '../realtime/publisher'
import { applySnapshotCorrections } from './apply-corrections'
import { republishOver } from './republish-over'
import { enqueuePublish } from '../queue/enqueue'

export type FindingAction = 'ignore' | 'resolve' | 'reopen' | 'correct' | 'republish'

export async function actOnFinding(
  db: PrismaClient,
  user: ActingUser,
  findingId: string,
  action: FindingAction,
  note?: string,
) {
  if (!can(user.role, 'findings:act')) throw new ForbiddenError(`Your role (${user.role}) may not act on findings.`)
  const actor: Actor = { kind: 'user', id: user.id, label: user.email }
  const f = await db.finding.findUnique({ where: { id: findingId } })
  if (!f) throw new NotFoundError(`No finding ${findingId}.`)
  if (action === 'correct') return correctFinding(db, f, actor)
  if (action === 'republish') return republishFinding(db, f, user, actor, note)
  return setFindingStatus(db, f, user, actor, action, note)
}

type FindingRow = NonNullable<Awaited<ReturnType<PrismaClient['finding']['findUnique']>>>
type ActingUser = { id: string; email: string; role: string }

/** A snapshot variance corrected by its correcting event. */
async function correctFinding(db: PrismaClient, f: FindingRow, actor: Actor) {
  const findingId = f.id
  if (f.kind !== 'variance')
    throw new ValidationError(
      'Only snapshot variances can be corrected; fix drift on the channel or republish.',
      undefined,
      'NOT_CORRECTABLE',
    )
  const r = await applySnapshotCorrections(db, [findingId], actor)
  if (r.corrected.length === 0) throw new ConflictError(r.skipped[0]?.reason ?? 'Nothing was corrected.')
  return { id: findingId, status: 'resolved', correction: r.corrected[0].event }
}

/** Channel drift: what the channel shows becomes the expected value and our quantity goes out again. */
async function republishFinding(db: PrismaClient, f: FindingRow, user: ActingUser, actor: Actor, note?: string) {
  const findingId = f.id
  const listingId = (f.details as { listingId?: string } | null)?.listingId
  if (f.kind !== 'drift' || !listingId || f.actual === null)
    throw new ValidationError('Only channel drift can be republished.', undefined, 'NOT_REPUBLISHABLE')
  if (f.status !== 'open')
    throw new ConflictError(
      f.status === 'healing' ? 'This drift is already being republished.' : `This finding is already ${f.status}.`,
    )
  const now = new Date()
  await transaction(db, async (tx) => {
    const [l] = await tx.$queryRawUnsafe<Array<{ channelId: string; desired: number | null }>>(
      `SELECT "channelId"::text AS "channelId", "desiredQuantity" AS desired FROM "ChannelListing" WHERE id = $1::uuid FOR UPDATE`,
      listingId,
    )
    if (!l) throw new NotFoundError('The listing of this finding no longer exists.')
    // What the channel showed becomes the expected value; our desired quantity goes out again.
    await republishOver(tx, listingId, f.actual!, now)
    await tx.finding.update({
      where: { id: findingId },
      data: {
        status: 'healing',
        updatedAt: now,
        note: `republish by ${user.email}${note?.trim() ? `: ${note.trim()}` : ''}`,
      },
    })
    await recordAudit(tx, actor, {
      action: 'finding.republish',
      entity: 'Finding',
      entityId: findingId,
      before: { status: f.status, channelShows: f.actual },
      after: { status: 'healing', sending: l.desired },
    })
    await enqueuePublish(tx, l.channelId)
  })
  emitRealtime([ROOMS.findings, ROOMS.dashboard], 'findings.changed', { kind: f.kind })
  return { id: findingId, status: 'healing' }
}

/** Ignore (with a reason), resolve or reopen: the status, its note and the audit entry. */
async function setFindingStatus(
  db: PrismaClient,
  f: FindingRow,
  user: ActingUser,
  actor: Actor,
  action: Exclude<FindingAction, 'correct' | 'republish'>,
  note?: string,
) {
  const findingId = f.id
  const open = f.status === 'open' || f.status === 'healing'
  if (action === 'ignore' && !note?.trim())
    throw new ValidationError('Say why this finding is ignored.', undefined, 'REASON_REQUIRED')
  if ((action === 'ignore' || action === 'resolve') && !open)
    throw new ConflictError(`This finding is already ${f.status}.`)
  if (action === 'reopen' && open) throw new ConflictError('This finding is already open.')
  const now = new Date()
  const status = action === 'ignore' ? 'ignored' : action === 'resolve' ? 'resolved' : 'open'
  await transaction(db, async (tx) => {
    await tx.finding.update({
      where: { id: findingId },
      data: {
        status,
        updatedAt: now,
        resolvedAt: status === 'open' ? null : now,
        note: note?.trim() ? `${action} by ${user.email}: ${note.trim()}` : `${action} by ${user.email}`,
      },
    })
    await recordAudit(tx, actor, {
      action: `finding.${action}`,
      entity: 'Finding',
      entityId: findingId,
      before: { status: f.status },
      after: { status, note: note ?? null },
    })
  })
  emitRealtime([ROOMS.findings, ROOMS.dashboard], 'findings.changed', { kind: f.kind })
  return { id: findingId, status }
}
