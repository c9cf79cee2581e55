// Four eyes on replays: the impact shows first, the requester cannot approve, an approver needs the
// support permission, approval runs the replay from current state, and everything is audited.
import crypto from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { recomputeDirtyAvailability } from '../../server/availability/recompute-availability'
import { recordPublishDeadLetter } from '../../server/publishing/publish-dead-letters.repository'
import { approveReplay } from '../../server/dead-letters/approve-replay'
import { discardDeadLetters } from '../../server/dead-letters/discard-dead-letters'
import { previewReplay } from '../../server/dead-letters/preview-replay'
import { rejectReplay } from '../../server/dead-letters/reject-replay'
import { requestReplay } from '../../server/dead-letters/request-replay'

let db: PrismaClient
type U = { id: string; email: string; role: string }
let analyst: U, support: U, merchandiser: U

useTestDatabase(
  async (created) => {
    db = created
    for (;;) {
      const r = await recomputeDirtyAvailability(db, { batchSize: 100 })
      if (r.processed === 0) break
    }
    const user = async (email: string) => {
      const u = await db.user.findUniqueOrThrow({ where: { email } })
      return { id: u.id, email: u.email, role: u.role }
    }
    analyst = await user('analyst@example.com')
    support = await user('support@example.com')
    merchandiser = await user('merchandiser@example.com')
  },
  { demo: { skuCount: 20 } },
)

/** Three amazon listings whose publish gave up: parked at 'infinity' with a dead letter each. */
async function failedListings(skus: string[]) {
  const amazon = await db.channel.findUniqueOrThrow({ where: { code: 'amazon' } })
  for (const code of skus) {
    const l = await db.channelListing.findFirstOrThrow({
      where: { channelId: amazon.id, sku: { code } },
      include: { sku: true },
    })
    await db.$executeRawUnsafe(
      `UPDATE "ChannelListing" SET "nextAttemptAt" = 'infinity', "failedAttempts" = 8, "lastError" = 'HTTP 503' WHERE id = $1::uuid`,
      l.id,
    )
    await recordPublishDeadLetter(db, {
      channel: 'amazon',
      listing: {
        id: l.id,
        sku: code,
        desiredQuantity: l.desiredQuantity ?? 0,
        desiredVersion: l.desiredVersion,
        publishedQuantity: l.publishedQuantity,
      },
      code: 'RETRIES_EXHAUSTED',
      reason: 'Gave up after 8 attempts',
      attempts: 8,
      at: new Date(),
    })
  }
  return amazon
}

describe('replay requests', () => {
  it('previews, refuses the requester as approver, and runs once approved by support', async () => {
    const amazon = await failedListings(['SKU-00001', 'SKU-00002', 'SKU-00003'])
    const preview = await previewReplay(db, { kind: 'publish', channel: 'amazon' })
    expect(preview).toMatchObject({ deadLetters: 3, byKind: { ingest: 0, publish: 3 }, listings: 3 })
    expect(await db.deadLetter.count({ where: { status: 'open' } })).toBe(3) // a preview changes nothing

    await expect(requestReplay(db, merchandiser, { kind: 'publish' })).rejects.toThrow(/may not request/)
    const req = await requestReplay(db, analyst, { kind: 'publish', channel: 'amazon' }, 'channel back up')
    expect(req.impact.deadLetters).toBe(3)
    expect(await db.deadLetter.count({ where: { status: 'replay_requested' } })).toBe(3)

    await expect(approveReplay(db, analyst, req.id)).rejects.toThrow(/may not approve/)
    // Nothing open matches: a clear refusal rather than an empty request.
    await expect(requestReplay(db, support, { sku: 'SKU-00009' })).rejects.toThrow(/No open dead letters match/)

    const done = await approveReplay(db, support, req.id)
    expect(done.publish).toEqual({ released: 3, channels: [amazon.id] })
    const listings = await db.channelListing.findMany({
      where: { channelId: amazon.id, sku: { code: { in: ['SKU-00001', 'SKU-00002', 'SKU-00003'] } } },
    })
    expect(listings.every((l) => l.nextAttemptAt === null && l.failedAttempts === 0)).toBe(true)
    expect(await db.deadLetter.count({ where: { status: 'replayed' } })).toBe(3)
    expect(await db.availabilityDirty.count()).toBeGreaterThanOrEqual(3) // recomputed from current state first
    const jobs = await db.$queryRawUnsafe<Array<{ key: string }>>(
      `SELECT key FROM graphile_worker.jobs WHERE key = $1`,
      `publish:${amazon.id}`,
    )
    expect(jobs).toHaveLength(1)
    await expect(approveReplay(db, support, req.id)).rejects.toThrow(/already executed/)
    const audit = await db.auditLog.findMany({ where: { entityId: req.id }, orderBy: { at: 'asc' } })
    expect(audit.map((a) => [a.action, a.actorLabel])).toEqual([
      ['replay.request', 'analyst@example.com'],
      ['replay.approve', 'support@example.com'],
    ])
  })

  it('a requester with the approve permission still cannot approve their own request', async () => {
    await failedListings(['SKU-00004'])
    const req = await requestReplay(db, support, { sku: 'SKU-00004' })
    await expect(approveReplay(db, support, req.id)).rejects.toThrow(/second person/)
    const rejected = await rejectReplay(
      db,
      { id: crypto.randomUUID(), email: 'lead@example.com', role: 'admin' },
      req.id,
      'wait for the carrier fix',
    )
    expect(rejected.status).toBe('rejected')
    expect(await db.deadLetter.count({ where: { sku: 'SKU-00004', status: 'open' } })).toBe(1)
  })

  it('discard needs a reason and the permission', async () => {
    const [dl] = await db.deadLetter.findMany({ where: { sku: 'SKU-00004', status: 'open' } })
    await expect(discardDeadLetters(db, support, [dl.id], ' ')).rejects.toThrow(/needs a reason/)
    await expect(discardDeadLetters(db, analyst, [dl.id], 'duplicate listing')).rejects.toThrow(/may not discard/)
    expect(await discardDeadLetters(db, support, [dl.id], 'listing retired on Amazon')).toEqual({ discarded: 1 })
    expect((await db.deadLetter.findUniqueOrThrow({ where: { id: dl.id } })).resolution).toMatch(
      /discarded by support@example.com: listing retired/,
    )
  })
})
