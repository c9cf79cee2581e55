// Column sorts on the findings, audit, oversell, dead letter, SKU and publish attempt lists: for every sortable column and both directions,
// walking the keyset pages (small pages, many ties on the sort column) returns exactly the rows of
// the one-shot ORDER BY, none skipped or repeated; totals count every match; a cursor from another
// sort is refused; the CSV export follows the sort. Nullable columns sort NULLS LAST both ways.
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { FINDING_SORTS, listFindings, parseFindingSort } from '../../server/reconciliation/list-findings'
import { AUDIT_SORTS, auditCsv, listAudit, parseAuditSort } from '../../server/audit/list-audit'
import { OVERSELL_SORTS, listOversells, parseOversellSort } from '../../server/reconciliation/list-oversells'
import { DEAD_LETTER_SORTS, listDeadLetters, parseDeadLetterSort } from '../../server/dead-letters/list-dead-letters'
import { parseSkuSort, searchSkus } from '../../server/availability/search-skus'
import {
  ATTEMPT_SORTS,
  listPublishAttempts,
  parseAttemptSort,
  type AttemptItem,
} from '../../server/channels/list-publish-attempts'
import type { Sort } from '../../server/paging/sort'

let db: PrismaClient
const base = Date.parse('2026-11-30T10:00:00.000Z')

useTestDatabase(async (created) => {
  db = created
  const kinds = ['drift', 'unverified', 'variance', 'exception']
  // 40 findings; detectedAt and updatedAt repeat every 5 and 7 rows so ties cross page edges; SKU,
  // channel and variance repeat too and are missing on some rows (nulls sort last both ways).
  for (let i = 0; i < 40; i++) {
    await db.finding.create({
      data: {
        kind: kinds[i % kinds.length],
        sku: i % 6 === 0 ? null : `SKU-${i % 4}`,
        channel: i % 3 === 0 ? null : ['amazon', 'shopify'][i % 2],
        variance: i % 4 === 1 ? null : (i % 5) - 2,
        cause: 'test',
        status: i % 10 === 0 ? 'resolved' : 'open',
        detectedAt: new Date(base + (i % 5) * 60_000),
        updatedAt: new Date(base + (i % 7) * 60_000),
      },
    })
  }
  const actors = ['alice', 'bob', 'carol']
  const actions = ['rules.save', 'finding.ignore', 'channel.update', 'rules.rollback']
  for (let i = 0; i < 30; i++) {
    await db.auditLog.create({
      data: {
        actorKind: 'user',
        actorLabel: actors[i % 3],
        action: actions[i % 4],
        entity: 'test',
        entityId: String(i),
        at: new Date(base + (i % 4) * 1000),
      },
    })
  }
  // 25 incidents; units, revenue and times repeat so ties cross page edges.
  for (let i = 0; i < 25; i++) {
    await db.oversellIncident.create({
      data: {
        kind: 'channel_oversell',
        channel: i % 2 ? 'amazon' : 'shopify',
        sku: `SKU-${i}`,
        orderId: `O-${i}`,
        lineId: '1',
        orderedUnits: 3,
        oversoldUnits: 1 + (i % 3),
        revenueAtRiskCents: (i % 4) * 500,
        occurredAt: new Date(base + (i % 6) * 1000),
        detectedAt: new Date(base + (i % 5) * 1000),
      },
    })
  }
  // 30 dead letters; code, attempts and times repeat; SKU and channel missing on some rows.
  for (let i = 0; i < 30; i++) {
    await db.deadLetter.create({
      data: {
        kind: i % 2 ? 'publish' : 'ingest',
        code: ['UNKNOWN_SKU', 'RATE_LIMITED', 'INVALID_FIELD'][i % 3],
        reason: 'test',
        payload: {},
        status: i % 8 === 0 ? 'discarded' : 'open',
        sku: i % 5 === 0 ? null : `SKU-${i % 4}`,
        channel: i % 2 ? ['amazon', 'walmart'][i % 4 === 1 ? 0 : 1] : null,
        attempts: 1 + (i % 3),
        firstSeenAt: new Date(base + (i % 6) * 1000),
        lastSeenAt: new Date(base + (i % 6) * 1000),
      },
    })
  }
  // 24 SKUs (names repeat), listed on one channel with quantities that repeat, some undecided (null),
  // and one SKU not listed there at all.
  const channel = await db.channel.create({ data: { code: 'sortshop', name: 'Sort shop', kind: 'shopify' } })
  for (let i = 0; i < 24; i++) {
    const sku = await db.sku.create({
      data: {
        code: `SRT-${String(i).padStart(3, '0')}`,
        name: `Widget ${['b', 'a', 'c'][i % 3]}`,
        category: 'sorting',
      },
    })
    if (i === 23) continue
    const listing = await db.channelListing.create({
      data: {
        channelId: channel.id,
        skuId: sku.id,
        externalSku: `ext-${i}`,
        desiredQuantity: i % 7 === 0 ? null : (i % 4) * 5,
        desiredVersion: i % 7 === 0 ? 0 : 1,
      },
    })
    // Two publish attempts per listing; outcome, quantity, latency (missing while in flight) and start time repeat.
    for (const n of [0, 1]) {
      const k = i * 2 + n
      await db.publishAttempt.create({
        data: {
          listingId: listing.id,
          channelId: channel.id,
          version: 1 + n,
          quantity: (k % 5) * 3,
          outcome: ['applied', 'accepted', 'failed', 'sent'][k % 4],
          latencyMs: k % 4 === 3 ? null : (k % 6) * 40,
          startedAt: new Date(base + (k % 9) * 1000),
        },
      })
    }
  }
})

const dirs = ['asc', 'desc'] as const

describe('findings sorts', () => {
  for (const field of Object.keys(FINDING_SORTS) as Array<keyof typeof FINDING_SORTS>) {
    for (const dir of dirs) {
      it(`pages by ${dir === 'desc' ? '-' : ''}${field} with no row skipped or repeated`, async () => {
        const sort = { field, dir }
        const column = {
          detectedAt: '"detectedAt"',
          updatedAt: '"updatedAt"',
          kind: 'kind',
          sku: 'sku',
          channel: 'channel',
          variance: 'variance',
        }[field]
        const expected = (
          await db.$queryRawUnsafe<Array<{ id: string }>>(
            `SELECT id::text AS id FROM "Finding" WHERE status = 'open' ORDER BY ${column} ${dir} NULLS LAST, id ${dir}`,
          )
        ).map((r) => r.id)
        const seen: string[] = []
        let cursor: string | null = null
        let total = -1
        do {
          const p: Awaited<ReturnType<typeof listFindings>> = await listFindings(db, {
            status: 'open',
            sort,
            cursor,
            limit: 3,
          })
          seen.push(...p.items.map((x) => x.id))
          total = p.total
          cursor = p.nextCursor
        } while (cursor)
        expect(seen).toEqual(expected)
        expect(expected).toHaveLength(36)
        expect(total).toBe(36)
      })
    }
  }

  it('keeps the old `order` parameter, refuses an unknown sort and a cursor from another sort', async () => {
    expect(parseFindingSort(null, 'oldest')).toEqual({ field: 'detectedAt', dir: 'asc' })
    expect(parseFindingSort('-kind')).toEqual({ field: 'kind', dir: 'desc' })
    expect(parseFindingSort('-variance')).toEqual({ field: 'variance', dir: 'desc' })
    // A cursor from the null tail of one nullable sort is refused by another.
    let tail: string | null = null
    for (let c: string | null = null, i = 0; i < 20; i++) {
      const p: Awaited<ReturnType<typeof listFindings>> = await listFindings(db, {
        sort: { field: 'sku', dir: 'asc' },
        cursor: c,
        limit: 5,
      })
      if (p.items.at(-1)?.sku === null) {
        tail = p.nextCursor
        break
      }
      c = p.nextCursor
    }
    expect(tail).not.toBeNull()
    await expect(listFindings(db, { sort: { field: 'channel', dir: 'asc' }, cursor: tail, limit: 2 })).rejects.toThrow(
      /another sort order/,
    )
    await expect(listFindings(db, { sort: { field: 'kind', dir: 'asc' }, cursor: tail, limit: 2 })).rejects.toThrow(
      /another sort order/,
    )
    expect(() => parseFindingSort('cause')).toThrow(/"sort" must be one of/)
    const p = await listFindings(db, { sort: { field: 'kind', dir: 'asc' }, limit: 2 })
    expect(p.total).toBe(40)
    await expect(
      listFindings(db, { sort: { field: 'detectedAt', dir: 'desc' }, cursor: p.nextCursor, limit: 2 }),
    ).rejects.toThrow(/another sort order/)
  })
})

describe('audit sorts', () => {
  const columns = { at: 'at', action: 'action', actor: '"actorLabel"' }
  for (const field of Object.keys(AUDIT_SORTS) as Array<keyof typeof AUDIT_SORTS>) {
    for (const dir of dirs) {
      it(`pages by ${dir === 'desc' ? '-' : ''}${field} with no row skipped or repeated, and the CSV follows`, async () => {
        const sort: Sort<keyof typeof AUDIT_SORTS> = { field, dir }
        const expected = (
          await db.$queryRawUnsafe<Array<{ id: bigint }>>(
            `SELECT id FROM "AuditLog" WHERE entity = 'test' ORDER BY ${columns[field]} ${dir}, id ${dir}`,
          )
        ).map((r) => String(r.id))
        const seen: string[] = []
        let cursor: string | undefined
        let first = true
        do {
          const p = await listAudit(db, { entity: 'test', sort, cursor, limit: 4, withTotal: first })
          if (first) expect(p.total).toBe(30)
          first = false
          seen.push(...p.items.map((x) => x.id))
          cursor = p.nextCursor ?? undefined
        } while (cursor)
        expect(seen).toEqual(expected)
        expect(expected).toHaveLength(30)
        let csv = ''
        for await (const chunk of auditCsv(db, { entity: 'test', sort })) csv += chunk
        const entityIds = csv
          .trim()
          .split('\n')
          .slice(1)
          .map((line) => line.split(',')[5])
        const byId = new Map(
          (await db.auditLog.findMany({ where: { entity: 'test' } })).map((a) => [String(a.id), a.entityId]),
        )
        expect(entityIds).toEqual(expected.map((id) => byId.get(id)))
      })
    }
  }

  it('refuses an unknown sort and a cursor from another sort', async () => {
    expect(() => parseAuditSort('entity')).toThrow(/"sort" must be one of/)
    const p = await listAudit(db, { entity: 'test', sort: { field: 'actor', dir: 'asc' }, limit: 2 })
    await expect(
      listAudit(db, {
        entity: 'test',
        sort: { field: 'action', dir: 'asc' },
        cursor: p.nextCursor ?? undefined,
        limit: 2,
      }),
    ).rejects.toThrow(/another sort order/)
  })
})

describe('oversell incident sorts', () => {
  const columns = {
    detectedAt: '"detectedAt"',
    occurredAt: '"occurredAt"',
    oversoldUnits: '"oversoldUnits"',
    revenueAtRiskCents: '"revenueAtRiskCents"',
  }
  for (const field of Object.keys(OVERSELL_SORTS) as Array<keyof typeof OVERSELL_SORTS>) {
    for (const dir of dirs) {
      it(`pages by ${dir === 'desc' ? '-' : ''}${field} with no row skipped or repeated`, async () => {
        const expected = (
          await db.$queryRawUnsafe<Array<{ id: string }>>(
            `SELECT id::text AS id FROM "OversellIncident" WHERE channel = 'amazon' ORDER BY ${columns[field]} ${dir}, id ${dir}`,
          )
        ).map((r) => r.id)
        const seen: string[] = []
        let cursor: string | null = null
        let first = true
        do {
          const p: Awaited<ReturnType<typeof listOversells>> = await listOversells(db, {
            channel: 'amazon',
            sort: { field, dir },
            cursor,
            limit: 2,
          })
          if (first) expect(p.totals?.incidents).toBe(12)
          first = false
          seen.push(...p.items.map((x) => x.id))
          cursor = p.nextCursor
        } while (cursor)
        expect(expected).toHaveLength(12)
        expect(seen).toEqual(expected)
      })
    }
  }

  it('refuses an unknown sort and a cursor from another sort', async () => {
    expect(parseOversellSort(null, 'oldest')).toEqual({ field: 'detectedAt', dir: 'asc' })
    expect(() => parseOversellSort('sku')).toThrow(/"sort" must be one of/)
    const p = await listOversells(db, { sort: { field: 'oversoldUnits', dir: 'desc' }, limit: 2 })
    await expect(
      listOversells(db, { sort: { field: 'revenueAtRiskCents', dir: 'desc' }, cursor: p.nextCursor, limit: 2 }),
    ).rejects.toThrow(/another sort order/)
  })
})

describe('dead letter sorts', () => {
  const columns = { lastSeenAt: '"lastSeenAt"', code: 'code', attempts: 'attempts', sku: 'sku', channel: 'channel' }
  for (const field of Object.keys(DEAD_LETTER_SORTS) as Array<keyof typeof DEAD_LETTER_SORTS>) {
    for (const dir of dirs) {
      it(`pages by ${dir === 'desc' ? '-' : ''}${field} with no row skipped or repeated, missing values last`, async () => {
        const expected = (
          await db.$queryRawUnsafe<Array<{ id: string }>>(
            `SELECT id::text AS id FROM "DeadLetter" WHERE status = 'open' AND reason = 'test' ORDER BY ${columns[field]} ${dir} NULLS LAST, id ${dir}`,
          )
        ).map((r) => r.id)
        const seen: string[] = []
        let cursor: string | null = null
        let first = true
        do {
          const p: Awaited<ReturnType<typeof listDeadLetters>> = await listDeadLetters(db, {
            status: 'open',
            sort: parseDeadLetterSort(`${dir === 'desc' ? '-' : ''}${field}`),
            cursor,
            limit: 4,
          })
          if (first) expect(p.total).toBe(expected.length)
          first = false
          seen.push(...p.items.map((x) => x.id))
          cursor = p.nextCursor
        } while (cursor)
        expect(expected.length).toBeGreaterThan(20)
        expect(seen).toEqual(expected)
      })
    }
  }

  it('keeps risk and recent, refuses an unknown sort and a cursor from another sort', async () => {
    expect(parseDeadLetterSort('recent')).toEqual({ field: 'lastSeenAt', dir: 'desc' })
    expect(parseDeadLetterSort(null, 'risk')).toBe('risk')
    expect(() => parseDeadLetterSort('reason')).toThrow(/"sort" must be one of .*, risk or recent/)
    const byRisk = await listDeadLetters(db, { status: 'open', sort: 'risk', limit: 2 })
    const byAttempts = await listDeadLetters(db, { status: 'open', sort: parseDeadLetterSort('-attempts'), limit: 2 })
    await expect(
      listDeadLetters(db, {
        status: 'open',
        sort: parseDeadLetterSort('-attempts'),
        cursor: byRisk.nextCursor,
        limit: 2,
      }),
    ).rejects.toThrow(/another sort order/)
    await expect(
      listDeadLetters(db, { status: 'open', sort: 'risk', cursor: byAttempts.nextCursor, limit: 2 }),
    ).rejects.toThrow(/another sort order/)
    await expect(
      listDeadLetters(db, {
        status: 'open',
        sort: parseDeadLetterSort('code'),
        cursor: byAttempts.nextCursor,
        limit: 2,
      }),
    ).rejects.toThrow(/another sort order/)
  })
})

describe('SKU explorer sorts', () => {
  const walk = async (sort: Sort<'code' | 'name' | 'available'>, limit = 5) => {
    const seen: string[] = []
    let after: string | null = null
    let total = -1
    do {
      const p: Awaited<ReturnType<typeof searchSkus>> = await searchSkus(db, {
        category: 'sorting',
        sort,
        channel: sort.field === 'available' ? 'sortshop' : undefined,
        after,
        limit,
      })
      seen.push(...p.items.map((x) => x.sku))
      total = p.total
      after = p.nextAfter
    } while (after)
    return { seen, total }
  }
  for (const dir of dirs) {
    it(`pages by ${dir === 'desc' ? '-' : ''}name and by ${dir === 'desc' ? '-' : ''}code with no SKU skipped or repeated`, async () => {
      const byName = (
        await db.$queryRawUnsafe<Array<{ code: string }>>(
          `SELECT code FROM "Sku" WHERE category = 'sorting' ORDER BY name ${dir}, id ${dir}`,
        )
      ).map((r) => r.code)
      expect(await walk({ field: 'name', dir })).toEqual({ seen: byName, total: 24 })
      const byCode = (
        await db.$queryRawUnsafe<Array<{ code: string }>>(
          `SELECT code FROM "Sku" WHERE category = 'sorting' ORDER BY code ${dir}`,
        )
      ).map((r) => r.code)
      expect(await walk({ field: 'code', dir })).toEqual({ seen: byCode, total: 24 })
    })

    it(`pages by what one channel is given (${dir === 'desc' ? '-' : ''}available), undecided last, unlisted SKUs left out`, async () => {
      const expected = (
        await db.$queryRawUnsafe<Array<{ code: string }>>(
          `SELECT s.code FROM "ChannelListing" l JOIN "Sku" s ON s.id = l."skuId" JOIN "Channel" c ON c.id = l."channelId"
          WHERE c.code = 'sortshop' AND s.category = 'sorting' ORDER BY l."desiredQuantity" ${dir} NULLS LAST, l.id ${dir}`,
        )
      ).map((r) => r.code)
      const r = await walk({ field: 'available', dir }, 4)
      expect(r).toEqual({ seen: expected, total: 23 })
      expect(r.seen).not.toContain('SRT-023')
    })
  }

  it('keeps the old `order`, needs a known channel for availability, refuses a cursor from another order or channel', async () => {
    expect(parseSkuSort(null, 'desc')).toEqual({ field: 'code', dir: 'desc' })
    expect(() => parseSkuSort('onHandTotal')).toThrow(/"sort" must be one of/)
    await expect(searchSkus(db, { sort: { field: 'available', dir: 'desc' }, limit: 2 })).rejects.toThrow(
      /needs the channel/,
    )
    await expect(
      searchSkus(db, { sort: { field: 'available', dir: 'desc' }, channel: 'nope', limit: 2 }),
    ).rejects.toThrow(/Unknown channel/)
    const first = await searchSkus(db, {
      category: 'sorting',
      sort: { field: 'available', dir: 'desc' },
      channel: 'sortshop',
      limit: 2,
    })
    await expect(
      searchSkus(db, { category: 'sorting', sort: { field: 'name', dir: 'desc' }, after: first.nextAfter, limit: 2 }),
    ).rejects.toThrow(/another sort order/)
    await db.channel.create({ data: { code: 'othershop', name: 'Other', kind: 'shopify' } })
    await expect(
      searchSkus(db, {
        category: 'sorting',
        sort: { field: 'available', dir: 'desc' },
        channel: 'othershop',
        after: first.nextAfter,
        limit: 2,
      }),
    ).rejects.toThrow(/another sort order/)
  })
})

describe('publish attempt sorts', () => {
  const columns = { startedAt: '"startedAt"', outcome: 'outcome', quantity: 'quantity', latencyMs: '"latencyMs"' }
  for (const field of Object.keys(ATTEMPT_SORTS) as Array<keyof typeof ATTEMPT_SORTS>) {
    for (const dir of dirs) {
      it(`pages a channel's attempts by ${dir === 'desc' ? '-' : ''}${field} with none skipped or repeated`, async () => {
        const expected = (
          await db.$queryRawUnsafe<Array<{ id: bigint }>>(
            `SELECT a.id FROM "PublishAttempt" a JOIN "Channel" c ON c.id = a."channelId" WHERE c.code = 'sortshop' ORDER BY ${columns[field]} ${dir} NULLS LAST, a.id ${dir}`,
          )
        ).map((r) => String(r.id))
        const seen: string[] = []
        let cursor: string | null = null
        let first = true
        do {
          const p: Awaited<ReturnType<typeof listPublishAttempts>> = await listPublishAttempts(db, {
            channel: 'sortshop',
            sort: { field, dir },
            cursor,
            limit: 7,
          })
          if (first) expect(p.total).toBe(46)
          first = false
          seen.push(...p.items.map((x) => x.id))
          cursor = p.nextCursor
        } while (cursor)
        expect(expected).toHaveLength(46)
        expect(seen).toEqual(expected)
      })
    }
  }

  // What the channel page's table does: a filter held while the header sorts and the pager walks on.
  for (const [field, dir] of [
    ['startedAt', 'desc'],
    ['quantity', 'asc'],
    ['latencyMs', 'desc'],
    ['outcome', 'asc'],
  ] as const) {
    it(`pages filtered attempts (outcome and SKU prefix) by ${dir === 'desc' ? '-' : ''}${field}: exactly the matching rows in order, the count on the first page only`, async () => {
      for (const f of [{ outcome: 'failed' }, { sku: 'srt-01' }, { outcome: 'applied', sku: 'Srt-00' }]) {
        const where = [
          `c.code = 'sortshop'`,
          f.outcome ? `a.outcome = '${f.outcome}'` : null,
          f.sku ? `s.code ILIKE '${f.sku}%'` : null,
        ]
          .filter(Boolean)
          .join(' AND ')
        const expected = await db.$queryRawUnsafe<Array<{ id: bigint; code: string }>>(
          `SELECT a.id, s.code FROM "PublishAttempt" a JOIN "Channel" c ON c.id = a."channelId" JOIN "ChannelListing" l ON l.id = a."listingId" JOIN "Sku" s ON s.id = l."skuId"
            WHERE ${where} ORDER BY ${columns[field]} ${dir} NULLS LAST, a.id ${dir}`,
        )
        expect(expected.length).toBeGreaterThan(2)
        const seen: AttemptItem[] = []
        const totals: Array<number | undefined> = []
        let cursor: string | null = null
        do {
          const p: Awaited<ReturnType<typeof listPublishAttempts>> = await listPublishAttempts(db, {
            channel: 'sortshop',
            ...f,
            sort: { field, dir },
            cursor,
            limit: 2,
          })
          totals.push(p.total)
          seen.push(...p.items)
          cursor = p.nextCursor
        } while (cursor)
        expect(seen.map((a) => a.id)).toEqual(expected.map((r) => String(r.id)))
        expect(seen.map((a) => a.sku)).toEqual(expected.map((r) => r.code))
        expect(totals).toEqual([expected.length, ...Array<undefined>(totals.length - 1).fill(undefined)])
      }
    })
  }

  it("filters by outcome and SKU prefix (any case), names each attempt's SKU, refuses a cursor from another sort", async () => {
    const failed = await listPublishAttempts(db, { channel: 'sortshop', outcome: 'failed', sku: 'srt-00', limit: 50 })
    expect(failed.items.length).toBeGreaterThan(0)
    expect(failed.items.every((a) => a.outcome === 'failed' && a.sku.startsWith('SRT-00'))).toBe(true)
    expect(failed.total).toBe(failed.items.length)
    expect(() => parseAttemptSort('error')).toThrow(/"sort" must be one of/)
    const p = await listPublishAttempts(db, { channel: 'sortshop', sort: parseAttemptSort('-latencyMs'), limit: 3 })
    await expect(
      listPublishAttempts(db, {
        channel: 'sortshop',
        sort: parseAttemptSort('-quantity'),
        cursor: p.nextCursor,
        limit: 3,
      }),
    ).rejects.toThrow(/another sort order/)
    await expect(listPublishAttempts(db, { channel: 'nope', limit: 3 })).rejects.toMatchObject({
      code: 'UNKNOWN_CHANNEL',
    })
  })
})
