// Findings have states a person moves them through, each audited: ignore needs a reason, a role
// without findings:act is refused, a variance can be corrected through the ledger.
import crypto from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { actOnFinding } from '../../server/reconciliation/act-on-finding'
import { processSnapshot } from '../../server/reconciliation/process-snapshot'
import { receiveSnapshot } from '../../server/reconciliation/receive-snapshot'

let db: PrismaClient
const analyst = { id: crypto.randomUUID(), email: 'analyst@example.com', role: 'analyst' }
const executive = { id: crypto.randomUUID(), email: 'executive@example.com', role: 'executive' }

useTestDatabase(
  (created) => {
    db = created
  },
  { demo: { skuCount: 10 } },
)

describe('actOnFinding', () => {
  it('ignores with a reason, reopens, resolves; refuses a role without the permission; audits each step', async () => {
    const f = await db.finding.create({
      data: {
        kind: 'drift',
        sku: 'SKU-00001',
        channel: 'amazon',
        cause: 'changed on the channel',
        dedupeKey: 'drift:test',
      },
    })
    await expect(actOnFinding(db, executive, f.id, 'resolve')).rejects.toThrow(/may not act/)
    await expect(actOnFinding(db, analyst, f.id, 'ignore', '  ')).rejects.toThrow(/why/)
    expect(await actOnFinding(db, analyst, f.id, 'ignore', 'merchant runs a promo until Friday')).toEqual({
      id: f.id,
      status: 'ignored',
    })
    await expect(actOnFinding(db, analyst, f.id, 'ignore', 'again')).rejects.toThrow(/already ignored/)
    expect((await actOnFinding(db, analyst, f.id, 'reopen')).status).toBe('open')
    expect((await actOnFinding(db, analyst, f.id, 'resolve', 'fixed on Amazon')).status).toBe('resolved')
    const audit = await db.auditLog.findMany({ where: { entityId: f.id }, orderBy: { at: 'asc' } })
    expect(audit.map((a) => a.action)).toEqual(['finding.ignore', 'finding.reopen', 'finding.resolve'])
  })

  it('corrects a snapshot variance through the ledger', async () => {
    const [p] = await db.$queryRawUnsafe<Array<{ onHand: number }>>(
      `SELECT p."onHand" FROM "Position" p JOIN "Sku" s ON s.id = p."skuId" JOIN "Location" l ON l.id = p."locationId" WHERE s.code = 'SKU-00002' AND l.code = 'DC-EAST'`,
    )
    const { snapshotId } = await receiveSnapshot(db, {
      source: 'erp-demo',
      mode: 'partial',
      format: 'csv',
      body: [`sku,location,on_hand\nSKU-00002,DC-EAST,${p.onHand + 4}\n`],
    })
    await processSnapshot(db, snapshotId)
    const v = await db.finding.findFirstOrThrow({ where: { snapshotId } })
    expect(await actOnFinding(db, analyst, v.id, 'correct')).toEqual({
      id: v.id,
      status: 'resolved',
      correction: `count ${p.onHand + 4}`,
    })
    const drift = await db.finding.findFirstOrThrow({ where: { dedupeKey: 'drift:test' } })
    await expect(actOnFinding(db, analyst, drift.id, 'correct')).rejects.toThrow(/Only snapshot variances/)
  })
})
