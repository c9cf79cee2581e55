// Findings list newest first or oldest first (a backlog worked from its start), keyset-paged
// either way with no gaps or repeats, including rows detected at the same instant.
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { listFindings } from '../../server/reconciliation/list-findings'

let db: PrismaClient

useTestDatabase(async (created) => {
  db = created
  const base = Date.UTC(2026, 10, 23, 9, 0, 0)
  // 11 findings; pairs share a detection time so the id breaks ties.
  for (let i = 0; i < 11; i++)
    await db.finding.create({
      data: {
        kind: 'variance',
        cause: `f${i}`,
        sku: `SKU-${i}`,
        detectedAt: new Date(base + Math.floor(i / 2) * 1000),
      },
    })
})

async function all(order: 'recent' | 'oldest') {
  const out: string[] = []
  let cursor: string | null = null
  for (;;) {
    const p = await listFindings(db, { order, cursor, limit: 3 })
    out.push(...p.items.map((x) => `${x.detectedAt}|${x.id}`))
    if (!p.nextCursor) return out
    cursor = p.nextCursor
  }
}

describe('findings order', () => {
  it('pages newest first and oldest first, one the reverse of the other', async () => {
    const recent = await all('recent')
    const oldest = await all('oldest')
    expect(recent).toHaveLength(11)
    expect(new Set(recent).size).toBe(11)
    expect(oldest).toEqual([...recent].reverse())
    expect([...recent].sort().reverse()).toEqual(recent)
  })
})
