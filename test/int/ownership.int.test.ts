// Source of truth per location on a real database, through the events API: a non-owner is refused
// and kept as a dead letter, a cutover's shadow source is recorded and compared but never applied,
// and a switch (previewed, audited, effective at a time) hands the location to the new owner.
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { ingestEvents } from '../../server/ingest/ingest-events'
import { previewOwnership } from '../../server/ownership/preview-ownership'
import { setOwnership } from '../../server/ownership/set-ownership'
import { getCutover } from '../../server/ownership/get-cutover'
import { makeApiKey } from '../support/factories'
import type { Actor } from '../../server/audit/record-audit'

let db: PrismaClient
let key: string
const analyst: Actor = { kind: 'user', id: null, label: 'analyst@example.com' }

useTestDatabase(
  async (created) => {
    db = created
    key = await makeApiKey(db, ['ingest:erp', 'read'])
  },
  { demo: { skuCount: 6 }, timeoutMs: 120_000 },
)

const onHand = async (sku: string, location: string) =>
  (
    await db.position.findFirst({
      where: { sku: { code: sku }, location: { code: location } },
      select: { onHand: true },
    })
  )?.onHand ?? 0
let seq = 0
const ev = (type: string, sku: string, location: string, quantity: number) => ({
  idempotencyKey: `own-${++seq}`,
  type,
  sku,
  location,
  quantity,
  occurredAt: new Date().toISOString(),
})
async function postEvents(source: string, events: unknown[]) {
  const { POST } = await import('../../app/api/v1/events/route')
  const res = await POST(
    new Request('http://localhost/api/v1/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ source, events }),
    }),
    { params: Promise.resolve({}) },
  )
  return { status: res.status, body: await res.json() }
}

describe('ownership per location', () => {
  it('refuses bad ownership input clearly', async () => {
    await expect(
      setOwnership(db, analyst, { location: 'NOPE', source: 'erp-a', reason: 'go live' }),
    ).rejects.toMatchObject({ code: 'UNKNOWN_LOCATION' })
    await expect(
      setOwnership(db, analyst, { location: 'DC-EAST', source: 'erp-a', shadowSource: 'erp-a', reason: 'go live' }),
    ).rejects.toMatchObject({ code: 'INVALID_OWNERSHIP' })
    await expect(setOwnership(db, analyst, { location: 'DC-EAST', source: 'erp-a', reason: '' })).rejects.toThrow(
      /say why/,
    )
    await expect(
      setOwnership(db, analyst, {
        location: 'DC-EAST',
        source: 'erp-a',
        reason: 'go live',
        effectiveFrom: new Date(Date.now() - 3_600_000).toISOString(),
      }),
    ).rejects.toMatchObject({ code: 'INVALID_EFFECTIVE_FROM' })
  })

  it('a non-owner is refused with NOT_SYSTEM_OF_RECORD and kept; the shadow source is recorded, never applied; other locations are open', async () => {
    const set = await setOwnership(db, analyst, {
      location: 'DC-EAST',
      source: 'erp-old',
      shadowSource: 'erp-new',
      reason: 'ERP migration: erp-new runs in shadow',
    })
    expect(set.before).toBeNull()
    expect(set.changes[0]).toContain('only "erp-old" moves its on hand')
    const east = await onHand('SKU-00001', 'DC-EAST')
    const west = await onHand('SKU-00001', 'DC-WEST')

    const refused = await postEvents('wms-rogue', [
      ev('adjustment', 'SKU-00001', 'DC-EAST', -5),
      ev('receipt', 'SKU-00001', 'DC-WEST', 3),
    ])
    expect(refused.status).toBe(202)
    expect(refused.body).toMatchObject({ accepted: 1, rejected: [{ index: 0, code: 'NOT_SYSTEM_OF_RECORD' }] })
    expect(refused.body.rejected[0].message).toContain('"erp-old" is')
    expect(await onHand('SKU-00001', 'DC-EAST')).toBe(east)
    expect(await onHand('SKU-00001', 'DC-WEST')).toBe(west + 3)
    const dl = await db.deadLetter.findFirst({ where: { code: 'NOT_SYSTEM_OF_RECORD', source: 'wms-rogue' } })
    expect(dl?.payload).toMatchObject({ event: { sku: 'SKU-00001', location: 'DC-EAST', quantity: -5 } })

    const shadow = await postEvents('erp-new', [
      ev('count', 'SKU-00001', 'DC-EAST', east + 7),
      ev('count', 'SKU-00002', 'DC-EAST', await onHand('SKU-00002', 'DC-EAST')),
    ])
    expect(shadow.body).toMatchObject({ accepted: 0, rejected: [], shadowed: 2 })
    expect(await onHand('SKU-00001', 'DC-EAST')).toBe(east)

    const owner = await ingestEvents(db, {
      body: JSON.stringify({ source: 'erp-old', events: [ev('receipt', 'SKU-00001', 'DC-EAST', 2)] }),
    })
    expect(owner.accepted).toBe(1)
    expect(await onHand('SKU-00001', 'DC-EAST')).toBe(east + 2)

    const cutover = await getCutover(db)
    expect(cutover.locations.find((l) => l.code === 'DC-EAST')).toMatchObject({
      owners: [{ source: 'erp-old', shadowSource: 'erp-new' }],
      refusedLast24h: 1,
    })
    const s = cutover.shadows.find((x) => x.location === 'DC-EAST' && x.source === 'erp-new')!
    expect(s).toMatchObject({ owner: 'erp-old', skus: 2, differing: 1, absDifference: 5 })
    expect(s.rows[0]).toMatchObject({ sku: 'SKU-00001', ownerOnHand: east + 2, shadowOnHand: east + 7, difference: 5 })
    expect(s.trend.length).toBeGreaterThan(0)
    expect(s.trend.at(-1)).toMatchObject({ skusDiffering: 1, absDifference: 7 })
  })

  it('a switch is previewed, audited and effective at its time: then the new owner applies and the old one is shadowed', async () => {
    const at = new Date(Date.now() + 60_000)
    const input = {
      location: 'DC-EAST',
      source: 'erp-new',
      shadowSource: 'erp-old',
      reason: 'cutover weekend',
      effectiveFrom: at.toISOString(),
    }
    const preview = await previewOwnership(db, input)
    expect(preview.before).toMatchObject({ source: 'erp-old', shadowSource: 'erp-new' })
    expect(preview.changes.join(' ')).toContain('"erp-new" becomes the system of record for DC-EAST (was "erp-old")')
    expect(preview.shadowDifferences).toMatchObject({
      skus: 2,
      differing: 1,
      absDifference: 5,
      sample: [{ sku: 'SKU-00001', difference: 5 }],
    })
    expect(await db.locationOwnership.count()).toBe(1)

    await setOwnership(db, analyst, input)
    const audit = await db.auditLog.findFirst({ where: { action: 'ownership.switch', entityId: 'DC-EAST' } })
    expect(audit).toMatchObject({
      actorLabel: 'analyst@example.com',
      before: { source: 'erp-old' },
      after: { source: 'erp-new', reason: 'cutover weekend' },
    })
    expect((await getCutover(db)).locations.find((l) => l.code === 'DC-EAST')!.scheduled).toMatchObject([
      { source: 'erp-new', effectiveFrom: at.toISOString() },
    ])

    const east = await onHand('SKU-00003', 'DC-EAST')
    // Before the effective time nothing changed: the old owner still applies.
    expect(
      (
        await ingestEvents(db, {
          body: JSON.stringify({ source: 'erp-old', events: [ev('receipt', 'SKU-00003', 'DC-EAST', 1)] }),
          receivedAt: new Date(at.getTime() - 1000),
        })
      ).accepted,
    ).toBe(1)
    // After it: the new owner applies, the old one is recorded in shadow.
    const after = new Date(at.getTime() + 1000)
    expect(
      (
        await ingestEvents(db, {
          body: JSON.stringify({ source: 'erp-new', events: [ev('receipt', 'SKU-00003', 'DC-EAST', 4)] }),
          receivedAt: after,
        })
      ).accepted,
    ).toBe(1)
    const old = await ingestEvents(db, {
      body: JSON.stringify({ source: 'erp-old', events: [ev('receipt', 'SKU-00003', 'DC-EAST', 50)] }),
      receivedAt: after,
    })
    expect(old).toMatchObject({ accepted: 0, shadowed: 1, rejected: [] })
    expect(await onHand('SKU-00003', 'DC-EAST')).toBe(east + 5)
  })

  it('a transfer INTO a location owned by another source is refused or shadowed like any other event there', async () => {
    await setOwnership(db, analyst, {
      location: '3PL-CENTRAL',
      source: 'wms-3pl',
      shadowSource: 'wms-3pl-next',
      reason: '3PL runs its own WMS',
    })
    const inTransit = async () =>
      (
        await db.position.findFirst({
          where: { sku: { code: 'SKU-00004' }, location: { code: '3PL-CENTRAL' } },
          select: { inTransit: true },
        })
      )?.inTransit ?? 0
    const transfer = (q: number) => ({ ...ev('transfer_out', 'SKU-00004', 'DC-WEST', q), toLocation: '3PL-CENTRAL' })
    const west = await onHand('SKU-00004', 'DC-WEST')
    const inbound = await inTransit()

    // DC-WEST has no owner, but the destination does: a third source may not move its stock.
    const refused = await postEvents('erp-x', [transfer(2)])
    expect(refused.body).toMatchObject({ accepted: 0, rejected: [{ index: 0, code: 'NOT_SYSTEM_OF_RECORD' }] })
    expect(refused.body.rejected[0].message).toContain('destination location "3PL-CENTRAL"')
    expect(refused.body.rejected[0].message).toContain('"wms-3pl" is')
    expect(await db.deadLetter.findFirst({ where: { code: 'NOT_SYSTEM_OF_RECORD', source: 'erp-x' } })).toMatchObject({
      sku: 'SKU-00004',
    })
    // The destination's shadow source is recorded in shadow, never applied.
    expect((await postEvents('wms-3pl-next', [transfer(3)])).body).toMatchObject({
      accepted: 0,
      rejected: [],
      shadowed: 1,
    })
    expect(await onHand('SKU-00004', 'DC-WEST')).toBe(west)
    expect(await inTransit()).toBe(inbound)
    // The destination's owner (the origin being open) moves both ends.
    expect((await postEvents('wms-3pl', [transfer(1)])).body).toMatchObject({ accepted: 1, rejected: [] })
    expect(await onHand('SKU-00004', 'DC-WEST')).toBe(west - 1)
    expect(await inTransit()).toBe(inbound + 1)
  })
})
