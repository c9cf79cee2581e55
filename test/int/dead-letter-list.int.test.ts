// Support works the dead letters riskiest first: the ranking pages without gaps or repeats, the
// newest-first order still works, cursors cannot be mixed between the two, and the CSV export
// walks every page of the same order.
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { listDeadLetters } from '../../server/dead-letters/list-dead-letters'
import { pagedCsv } from '../../server/paging/csv'

let db: PrismaClient

useTestDatabase(async (created) => {
  db = created
  const base = Date.UTC(2026, 10, 23, 8, 0, 0)
  // 23 letters: risk scores with ties (i % 5), times all different.
  for (let i = 0; i < 23; i++) {
    await db.deadLetter.create({
      data: {
        kind: 'publish',
        code: 'TEST',
        reason: `letter ${i}`,
        sku: `SKU-${i}`,
        channel: 'amazon',
        payload: {},
        riskScore: (i % 5) * 10,
        firstSeenAt: new Date(base + i * 1000),
        lastSeenAt: new Date(base + i * 1000),
      },
    })
  }
})

async function all(sort: 'risk' | 'recent', limit: number) {
  const out: Array<{ sku: string | null; riskScore: number; lastSeenAt: string }> = []
  let cursor: string | null = null
  for (;;) {
    const page = await listDeadLetters(db, { sort, cursor, limit })
    out.push(...page.items)
    if (!page.nextCursor) return out
    cursor = page.nextCursor
  }
}

describe('dead letter list', () => {
  it('ranks by risk, then newest, across pages with no gaps or repeats', async () => {
    const ranked = await all('risk', 4)
    expect(ranked).toHaveLength(23)
    expect(new Set(ranked.map((d) => d.sku)).size).toBe(23)
    for (let i = 1; i < ranked.length; i++) {
      const [a, b] = [ranked[i - 1], ranked[i]]
      expect(a.riskScore > b.riskScore || (a.riskScore === b.riskScore && a.lastSeenAt > b.lastSeenAt)).toBe(true)
    }
    expect(ranked[0]).toMatchObject({ sku: 'SKU-19', riskScore: 40 })
  })

  it('still lists newest first, and refuses a cursor from the other order', async () => {
    const recent = await all('recent', 5)
    expect(recent.map((d) => d.sku)).toEqual(Array.from({ length: 23 }, (_, i) => `SKU-${22 - i}`))
    const first = await listDeadLetters(db, { sort: 'risk', limit: 2 })
    await expect(listDeadLetters(db, { sort: 'recent', cursor: first.nextCursor, limit: 2 })).rejects.toThrow(
      'another sort order',
    )
  })

  it('exports every row of the order as CSV', async () => {
    let csv = ''
    for await (const chunk of pagedCsv(['sku', 'riskScore', 'reason'] as const, (cursor) =>
      listDeadLetters(db, { sort: 'risk', cursor, limit: 5 }),
    ))
      csv += chunk
    const lines = csv.trimEnd().split('\n')
    expect(lines[0]).toBe('sku,riskScore,reason')
    expect(lines).toHaveLength(24)
    expect(lines[1]).toBe('SKU-19,40,letter 19')
    let capped = ''
    for await (const chunk of pagedCsv(
      ['sku'] as const,
      (cursor) => listDeadLetters(db, { sort: 'risk', cursor, limit: 5 }),
      7,
    ))
      capped += chunk
    expect(capped.trimEnd().split('\n')).toHaveLength(8)
  })
})
