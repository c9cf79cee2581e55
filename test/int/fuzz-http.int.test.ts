// Hostile input over HTTP: thousands of generated requests, malformed and hostile (NUL, lone
// surrogates, over-long codes, blank keys, deep JSON, bad cursors and dates, `%` in paths, wrong
// types), against the real route handlers (test/int/helpers/route-server.ts) on a real database.
// Pass: no 5xx and no handler crash; error bodies in CONTRACT.md's shape; every event and order
// accounted for: positions and reservations equal a model built from what the API acknowledged,
// each acknowledged event in the ledger once, each rejected one (and each refused body) a dead letter.
//
// STOCKTOWER_FUZZ_SEED=<n> replays a run; STOCKTOWER_FUZZ_RUNS=<requests> makes it longer (npm test: 800, about 10 per route; 5,000 on demand).
import path from 'node:path'
import crypto from 'node:crypto'
import { afterAll, describe, expect, it, vi } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { startHttpTarget, type MockedSession } from './helpers/http-target'
import { Prng } from '../support/prng'
import type { RouteServer } from './helpers/route-server'
import { makeChannel, makeListedSkus, makeLocation, saveRules } from '../support/factories'
import { RuleSetSchema } from '../../server/rules/rules.schema'

// The UI routes ask next-auth for the session, which needs Next's request scope; here the
// session names a real admin user, and everything after (user lookup, permission) runs as is.
const session: MockedSession = {}
vi.mock('next-auth', async (orig) => ({
  ...(await orig<typeof import('next-auth')>()),
  getServerSession: async () => session,
}))

// A fixed seed keeps `npm test` deterministic; STOCKTOWER_FUZZ_SEED=random (or a number) explores others.
const SEED =
  process.env.STOCKTOWER_FUZZ_SEED === 'random'
    ? crypto.randomInt(1, 2 ** 31)
    : Number(process.env.STOCKTOWER_FUZZ_SEED ?? 20_261_202)
const RUNS = Number(process.env.STOCKTOWER_FUZZ_RUNS ?? 800)
const CONCURRENCY = 4
const SOURCE = 'erp-fuzz'
const SKUS = ['FZ-1', 'FZ-2', 'FZ-3', 'FZ-4']
const LOCS = ['DC-EAST', 'DC-WEST']

const deep = (n: number, leaf: unknown = 1): unknown => {
  let v: unknown = leaf
  for (let i = 0; i < n; i++) v = { a: v }
  return v
}
const HOSTILE_STRINGS = [
  'A\u0000B',
  '\u0000',
  '\ud800',
  'x\udc00y',
  '\udbff\udbff',
  '😀',
  '\u202eRTL',
  'e\u0301',
  '   ',
  '\t\n',
  '',
  'X'.repeat(101),
  'X'.repeat(201),
  'X'.repeat(257),
  'X'.repeat(3000),
  'Ü'.repeat(2000),
  'X'.repeat(100_000),
  '%',
  '%25',
  '%E0%A4%A',
  '%00',
  '../../etc/passwd',
  '\'; DROP TABLE "Sku"; --',
  '<script>alert(1)</script>',
  '${process.exit()}',
  '\\',
  '"',
  'null',
  'NaN',
  '__proto__',
  'constructor',
  'toString',
  '1e309',
  '-0',
  '0x10',
  ' FZ-1 ',
  'fz-1',
  'channel:amazon',
  '*',
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:30:00+01:00',
  '9999-12-31T23:59:59-14:00',
  '+275760-09-13T00:00:00Z',
  '-271821-04-20T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-11-22T24:30:00Z',
  '2026-11-22T10:00:00+25:00',
  '2026-11-22',
  'yesterday',
  '1',
  '2026-11-22T10:00:00.1234567891Z',
  '00000000-0000-0000-0000-000000000000',
  'not-a-uuid',
  '123',
  '-1',
  '99999999999999999999',
] as const
const HOSTILE_VALUES: readonly unknown[] = [
  ...HOSTILE_STRINGS,
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 31,
  2 ** 53,
  -(2 ** 53),
  1e9,
  1e9 + 1,
  -1e12,
  Number.MAX_SAFE_INTEGER,
  [],
  {},
  [1, 2],
  { $gt: '' },
  deep(40),
  deep(200),
]
const hostile = (r: Prng) => r.pick(HOSTILE_VALUES)
const hostileString = (r: Prng) => r.pick(HOSTILE_STRINGS)

/** A JSON text; some values JSON.stringify cannot write (1e400, raw NUL bytes) are spliced in as text. */
function rawJsonMutation(r: Prng, text: string): string | Buffer {
  switch (r.int(0, 9)) {
    case 0:
      return text.slice(0, r.int(0, text.length))
    case 1:
      return '['.repeat(5000) + ']'.repeat(5000)
    case 2:
      return `{"a":${'{"a":'.repeat(5000)}1${'}'.repeat(5001)}`
    case 3:
      return text.replace(/\d+/, '1e400')
    case 4:
      return text.replace('"', '"\u0000')
    case 5:
      return text + text
    case 6:
      return ''
    case 7:
      return text.replace(/"[^"]*"/, '"\\ud800"')
    case 8: {
      const at = text.indexOf('"', 12) + 1
      return Buffer.concat([
        Buffer.from(text.slice(0, at)),
        Buffer.from([0xc3, 0x28, 0xff, 0xed, 0xa0, 0x80, 0x00]),
        Buffer.from(text.slice(at)),
      ])
    } // invalid UTF-8 and a NUL byte inside a string
    default:
      return 'not json at all'
  }
}

const wellFormed = (s: string) => (s as string & { toWellFormed(): string }).toWellFormed()
/** A path segment: percent-encoded, or (when it has no delimiter) sent as is, `%` sequences included. */
const pathSegment = (r: Prng, s: string) =>
  /^[\x21-\x7e]+$/.test(s) && !/[/?#]/.test(s) && r.chance(0.5) ? s : encodeURIComponent(wellFormed(s))

/**
 * A hostile key the API may accept ('1', 'null', ' x ') would collide with the same value in another
 * request, a true duplicate the model cannot tell apart: such keys get a unique prefix; the refused
 * kinds (blank, NUL, surrogates, too long, not a string) are sent as they are.
 */
const unique = (v: unknown, max: number) => {
  if (typeof v !== 'string' || v.trim() === '' || v.includes('\u0000') || wellFormed(v) !== v || v.trim().length > max)
    return v
  const u = `${crypto.randomUUID()}${v}`
  return u.trim().length > max ? u.slice(0, v.length) : u
}

interface Model {
  onHand: Map<string, number>
  reserved: Map<string, number>
  ledger: number
  orders: number
  deadLetters: number
  eventsSent: number
  ordersSent: number
  requests: number
  byStatus: Map<number, number>
  failures: string[]
}

let db: PrismaClient
let server: RouteServer
let key: string

useTestDatabase(
  async (created) => {
    db = created
    await saveRules(
      db,
      RuleSetSchema.parse({
        defaults: { safetyStock: { units: 0 } },
        channels: { amazon: { priority: 1, share: { type: 'shared' }, locations: LOCS } },
      }),
    )
    for (const l of LOCS) await makeLocation(db, l)
    const ch = await makeChannel(db, 'amazon')
    await makeListedSkus(db, ch.id, 'AMZ', SKUS)
    const target = await startHttpTarget(db, 'fuzz', session)
    server = target.server
    key = target.key
  },
  { timeoutMs: 120_000 },
)
afterAll(async () => {
  await server?.close()
})

describe('HTTP fuzz', () => {
  it(`survives ${RUNS} hostile requests with every event and order accounted for (seed ${SEED})`, async () => {
    console.log(`fuzz-http: STOCKTOWER_FUZZ_SEED=${SEED} STOCKTOWER_FUZZ_RUNS=${RUNS} routes=${server.routes.length}`)
    // A value that only PostgreSQL refused (app/_lib/api.ts turns it into a 400 as a last line)
    // slipped past a route's validation: that is a failure here too.
    const backstop: string[] = []
    const warn = console.warn
    console.warn = (...args: unknown[]) => {
      if (String(args[0]).startsWith('[input refused by PostgreSQL'))
        backstop.push(args.map(String).join(' ').slice(0, 300))
      else warn(...args)
    }
    const m: Model = {
      onHand: new Map(),
      reserved: new Map(),
      ledger: 0,
      orders: 0,
      deadLetters: 0,
      eventsSent: 0,
      ordersSent: 0,
      requests: 0,
      byStatus: new Map(),
      failures: [],
    }
    const sentEventBodies: Array<string | Buffer> = []
    const fail = (what: string) => {
      if (m.failures.length < 30) m.failures.push(what)
    }

    async function send(
      method: string,
      url: string,
      body?: string | Buffer,
      type = 'application/json',
    ): Promise<{ status: number; json: unknown; text: string }> {
      const res = await fetch(server.url + url, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': type },
        body: body as BodyInit | undefined,
      })
      const text = await res.text()
      m.requests++
      m.byStatus.set(res.status, (m.byStatus.get(res.status) ?? 0) + 1)
      let json: unknown = null
      try {
        json = JSON.parse(text)
      } catch {
        /* CSV exports, empty bodies */
      }
      if (res.status >= 500) fail(`${method} ${url.slice(0, 120)} -> ${res.status} ${text.slice(0, 200)}`)
      // 431: node's own header limit (Next's server answers the same before any handler runs).
      else if (res.status >= 400 && res.status !== 404 && res.status !== 405 && res.status !== 431) {
        const e = (json as { error?: { code?: unknown; message?: unknown; ref?: unknown } } | null)?.error
        if (
          !e ||
          typeof e.code !== 'string' ||
          !/^[A-Z][A-Z0-9_]*$/.test(e.code) ||
          typeof e.message !== 'string' ||
          typeof e.ref !== 'string'
        )
          fail(
            `${method} ${url.slice(0, 80)} -> ${res.status} without the contract's error body: ${text.slice(0, 200)}`,
          )
      }
      return { status: res.status, json, text }
    }

    // Refused on its URL before the body is read (nothing to keep): a path parameter or query
    // value refused, a path no route serves (a raw `\` is a `/` to URL parsers), or a URL beyond
    // node's header limit (431, answered by the HTTP server itself, as Next's is).
    const urlRefusal = (res: { status: number; json: unknown; text: string }) =>
      (res.status === 400 &&
        ['INVALID_PARAMETER', 'INVALID_QUERY'].includes(
          (res.json as { error?: { code?: string } })?.error?.code ?? '',
        )) ||
      (res.status === 404 && res.text === '') ||
      res.status === 431

    // ---- POST /api/v1/events: valid events mixed with hostile ones; the model follows the answers.
    async function events(r: Prng) {
      const resend = sentEventBodies.length > 0 && r.chance(0.05)
      const body = resend
        ? r.pick(sentEventBodies)
        : (() => {
            const n = r.chance(0.01) ? 5001 : r.int(1, 12)
            const evs: Array<Record<string, unknown>> = []
            for (let i = 0; i < n; i++) {
              const type = r.chance(0.7) ? 'receipt' : 'adjustment'
              const q = type === 'receipt' ? r.int(1, 50) : r.pick([-1, 1]) * r.int(1, 20)
              const e: Record<string, unknown> = {
                idempotencyKey: `k-${crypto.randomUUID()}`,
                type,
                sku: r.pick(SKUS),
                location: r.pick(LOCS),
                quantity: q,
                occurredAt: '2026-11-22T10:00:00Z',
              }
              if (r.chance(0.3)) e.reference = `PO-${r.int(1, 999)}`
              if (n < 5000 && r.chance(0.35)) {
                const f = r.pick([
                  'idempotencyKey',
                  'type',
                  'sku',
                  'location',
                  'quantity',
                  'occurredAt',
                  'uom',
                  'reference',
                  'sourceSeq',
                  'toLocation',
                  'extra',
                ])
                e[f] =
                  f === 'quantity' || f === 'sourceSeq' ? hostile(r) : r.chance(0.8) ? hostileString(r) : hostile(r)
                if (f === 'idempotencyKey') e[f] = unique(e[f], 256)
              }
              evs.push(r.chance(0.02) ? (hostile(r) as Record<string, unknown>) : e)
            }
            const envelope: Record<string, unknown> = { source: r.chance(0.05) ? hostile(r) : SOURCE, events: evs }
            const text = JSON.stringify(envelope)
            return r.chance(0.05) ? rawJsonMutation(r, text) : text
          })()
      const res = await send('POST', '/api/v1/events', body)
      if (res.status === 202) {
        const a = res.json as { accepted: number; duplicates: number; rejected: Array<{ index: number; code: string }> }
        const parsed = JSON.parse(body.toString()) as { events: Array<Record<string, unknown>> }
        const rejectedIdx = new Set(a.rejected.map((x) => x.index))
        const fresh = parsed.events.length - rejectedIdx.size
        if (resend ? a.accepted !== 0 || a.duplicates !== fresh : a.accepted !== fresh || a.duplicates !== 0)
          fail(
            `events ${resend ? 'resend' : 'batch'} answered ${JSON.stringify({ accepted: a.accepted, duplicates: a.duplicates })} for ${fresh} acceptable events`,
          )
        for (const x of a.rejected)
          if (!/^[A-Z][A-Z0-9_]*$/.test(x.code)) fail(`rejection without a code: ${JSON.stringify(x).slice(0, 200)}`)
        m.deadLetters += a.rejected.length
        m.eventsSent += parsed.events.length
        if (!resend) {
          sentEventBodies.push(body)
          m.ledger += a.accepted
          parsed.events.forEach((e, i) => {
            if (rejectedIdx.has(i)) return
            const sku = String(e.sku).trim(),
              loc = String(e.location).trim()
            const uom = typeof e.uom === 'string' ? e.uom.trim().toUpperCase() : ''
            if (
              !SKUS.includes(sku) ||
              !LOCS.includes(loc) ||
              !['receipt', 'adjustment'].includes(String(e.type)) ||
              (uom !== '' && uom !== 'EA')
            ) {
              fail(`accepted an event the catalogue cannot place: ${JSON.stringify(e).slice(0, 200)}`)
              return
            }
            m.onHand.set(`${sku}|${loc}`, (m.onHand.get(`${sku}|${loc}`) ?? 0) + (e.quantity as number))
          })
        }
      } else if (urlRefusal(res)) {
        /* the URL was refused before the body was read: nothing to keep */
      } else if (res.status === 400 || res.status === 413)
        m.deadLetters++ // refused whole: kept as one dead letter
      else fail(`POST /api/v1/events answered ${res.status}: ${res.text.slice(0, 200)}`)
    }

    // ---- POST /api/v1/channels/{channel}/orders: created orders reserve; the model sums them.
    async function orders(r: Prng) {
      const channel = r.chance(0.9) ? 'amazon' : pathSegment(r, hostileString(r) || 'x')
      const n = r.int(1, 6)
      const os: Array<Record<string, unknown>> = []
      for (let i = 0; i < n; i++) {
        const o: Record<string, unknown> = {
          orderId: `O-${crypto.randomUUID()}`,
          status: 'created',
          occurredAt: '2026-11-22T10:01:00Z',
          lines: [{ lineId: '1', sku: `AMZ-${r.pick(SKUS)}`, quantity: r.int(1, 3) }],
        }
        if (r.chance(0.35)) {
          const f = r.pick(['orderId', 'eventId', 'status', 'occurredAt', 'lines', 'lineId', 'sku', 'quantity'])
          if (f === 'lineId' || f === 'sku' || f === 'quantity')
            (o.lines as Array<Record<string, unknown>>)[0][f] = f === 'quantity' ? hostile(r) : hostileString(r)
          else o[f] = r.chance(0.8) ? hostileString(r) : hostile(r)
          if (f === 'orderId' || f === 'eventId') o[f] = unique(o[f], f === 'orderId' ? 200 : 256)
        }
        os.push(o)
      }
      let body: string | Buffer = JSON.stringify({ orders: os })
      if (r.chance(0.05)) body = rawJsonMutation(r, body)
      const res = await send('POST', `/api/v1/channels/${channel}/orders`, body)
      if (res.status === 202) {
        const a = res.json as { accepted: number; duplicates: number; rejected: Array<{ index: number }> }
        const parsed = JSON.parse(body.toString()) as {
          orders: Array<{ lines: Array<{ sku: string; quantity: number }> }>
        }
        const rejectedIdx = new Set(a.rejected.map((x) => x.index))
        if (a.accepted !== parsed.orders.length - rejectedIdx.size || a.duplicates !== 0)
          fail(`orders answered ${JSON.stringify(a).slice(0, 200)}`)
        m.deadLetters += a.rejected.length
        m.orders += a.accepted
        m.ordersSent += parsed.orders.length
        parsed.orders.forEach((o, i) => {
          if (rejectedIdx.has(i)) return
          for (const l of o.lines) {
            const sku = l.sku.trim().replace(/^AMZ-/, '')
            m.reserved.set(sku, (m.reserved.get(sku) ?? 0) + l.quantity)
          }
        })
      } else if (urlRefusal(res)) {
        /* the URL was refused before the body was read: nothing to keep */
      } else if (res.status === 400 || res.status === 404 || res.status === 413) m.deadLetters++
      else fail(`POST orders answered ${res.status}: ${res.text.slice(0, 200)}`)
    }

    // ---- Every other route: hostile path parameters, query values and bodies.
    const others = server.routes.filter((x) => !x.pattern.endsWith('/events') && !x.pattern.endsWith('/orders'))
    const QUERY_KEYS = [
      'cursor',
      'limit',
      'before',
      'at',
      'sku',
      'channel',
      'status',
      'kind',
      'code',
      'window',
      'q',
      'hours',
      'state',
      'category',
      'source',
      'mode',
      'asOf',
      'dryRun',
      'diff',
      'reason',
      'sort',
      'from',
      'to',
      'location',
      'scope',
      'autoCorrectBelow',
      'field',
      'cause',
    ]
    async function other(r: Prng) {
      const route = r.pick(others)
      const method = r.chance(0.7) && route.methods.includes('GET') ? 'GET' : r.pick(route.methods)
      const url = route.pattern
        .split('/')
        .map((s) =>
          s.startsWith('[')
            ? pathSegment(r, r.chance(0.3) ? r.pick([...SKUS, 'amazon', crypto.randomUUID()]) : hostileString(r) || '%')
            : s,
        )
        .join('/')
      const qs = new URLSearchParams()
      for (let i = r.int(0, 4); i > 0; i--)
        qs.append(r.pick(QUERY_KEYS), r.chance(0.85) ? hostileString(r) : String(hostile(r)))
      if (r.chance(0.1))
        qs.set(
          'cursor',
          Buffer.from(JSON.stringify({ at: hostile(r), id: hostile(r), score: hostile(r) })).toString('base64url'),
        )
      let body: string | Buffer | undefined
      let type = 'application/json'
      if (method !== 'GET' && method !== 'DELETE') {
        if (route.pattern.endsWith('/import') || route.pattern.endsWith('/snapshots')) {
          type = r.pick(['text/csv', 'application/x-ndjson', 'application/json'])
          const cell = () => (r.chance(0.5) ? hostileString(r) : r.pick([...SKUS, ...LOCS, '5', 'EA', 'amazon']))
          body = Array.from({ length: r.int(1, 6) }, (_, i) =>
            i === 0 && r.chance(0.7)
              ? r.pick([
                  'code,name',
                  'sku,location,on_hand',
                  'scope,alias,sku',
                  'sku,uom,factor',
                  'channel,sku,externalSku',
                ])
              : Array.from({ length: r.int(1, 4) }, cell).join(','),
          ).join('\n')
          if (r.chance(0.2)) body = rawJsonMutation(r, body)
        } else {
          const obj: Record<string, unknown> = {}
          for (const k of [
            'items',
            'rules',
            'comment',
            'version',
            'sku',
            'channel',
            'category',
            'mode',
            'value',
            'reason',
            'expiresAt',
            'effectiveFrom',
            'owner',
          ])
            if (r.chance(0.4)) obj[k] = hostile(r)
          if (r.chance(0.4))
            obj.items = Array.from({ length: r.int(1, 3) }, () => ({
              code: hostile(r),
              name: hostile(r),
              sku: hostile(r),
              alias: hostile(r),
              scope: hostile(r),
              location: hostile(r),
              uom: hostile(r),
              factor: hostile(r),
              channel: hostile(r),
              externalSku: hostile(r),
            }))
          body = JSON.stringify(obj)
          if (r.chance(0.2)) body = rawJsonMutation(r, body)
        }
        if (!qs.has('dryRun') && r.chance(0.5)) qs.set('dryRun', '1')
      }
      const q = qs.toString()
      await send(method, url + (q ? `?${q}` : ''), body, type)
    }

    // Request i draws from its own generator, so a seed replays the same requests whatever order
    // the concurrent senders finish in.
    let done = 0
    const worker = async () => {
      while (done < RUNS) {
        const r = new Prng((SEED ^ Math.imul(++done, 0x9e3779b1)) >>> 0)
        const p = r.next()
        if (p < 0.4) await events(r)
        else if (p < 0.6) await orders(r)
        else await other(r)
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))

    // ---- Accounting, from the database.
    const positions = await db.$queryRawUnsafe<Array<{ sku: string; loc: string; onHand: number; reserved: number }>>(
      `SELECT s.code AS sku, l.code AS loc, p."onHand", p.reserved FROM "Position" p JOIN "Sku" s ON s.id = p."skuId" JOIN "Location" l ON l.id = p."locationId"`,
    )
    for (const s of SKUS)
      for (const l of LOCS) {
        const p = positions.find((x) => x.sku === s && x.loc === l)
        if ((p?.onHand ?? 0) !== (m.onHand.get(`${s}|${l}`) ?? 0))
          fail(`onHand ${s}@${l}: database ${p?.onHand ?? 0}, acknowledged events ${m.onHand.get(`${s}|${l}`) ?? 0}`)
      }
    for (const s of SKUS) {
      const reserved = positions.filter((x) => x.sku === s).reduce((a, x) => a + x.reserved, 0)
      if (reserved !== (m.reserved.get(s) ?? 0))
        fail(`reserved ${s}: database ${reserved}, acknowledged orders ${m.reserved.get(s) ?? 0}`)
    }
    const [counts] = await db.$queryRawUnsafe<
      Array<{ ledger: number; orders: number; dead: number; unfinished: number }>
    >(
      `SELECT (SELECT count(*)::int FROM "LedgerEvent" e JOIN "InboundMessage" im ON im.id = e."inboundMessageId" WHERE im.kind = 'events') AS ledger,
              (SELECT count(*)::int FROM "ChannelOrderEvent") AS orders,
              (SELECT count(*)::int FROM "DeadLetter" d JOIN "InboundMessage" im ON im.id = d."inboundMessageId" WHERE d.kind = 'ingest' AND im.kind IN ('events', 'orders')) AS dead,
              (SELECT count(*)::int FROM "InboundMessage" WHERE status IN ('received', 'storing') AND kind IN ('events', 'orders')) AS unfinished`,
    )
    if (counts.ledger !== m.ledger)
      fail(`the ledger holds ${counts.ledger} events from POST /api/v1/events, the API acknowledged ${m.ledger}`)
    if (counts.orders !== m.orders)
      fail(`${counts.orders} channel order events recorded, the API acknowledged ${m.orders}`)
    if (counts.dead !== m.deadLetters)
      fail(
        `${counts.dead} ingest dead letters, expected ${m.deadLetters} (one per rejected event or order, one per refused body)`,
      )
    if (counts.unfinished !== 0) fail(`${counts.unfinished} inbound messages left unfinished`)
    // Per message: its dead letters are its rejected events, or one for a body refused whole.
    const unaccounted = await db.$queryRawUnsafe<
      Array<{ id: string; status: string; rejected: number; error: string | null; dead: number }>
    >(
      `SELECT im.id::text AS id, im.status, im.rejected, im.error, count(d.id)::int AS dead
         FROM "InboundMessage" im LEFT JOIN "DeadLetter" d ON d."inboundMessageId" = im.id
        WHERE im.kind IN ('events', 'orders') GROUP BY im.id
       HAVING count(d.id) <> CASE WHEN im.status = 'rejected' AND im.accepted + im.duplicates + im.rejected = 0 THEN 1 ELSE im.rejected END LIMIT 5`,
    )
    for (const u of unaccounted)
      fail(
        `message ${u.id} (${u.status}, ${u.rejected} rejected, ${u.error?.slice(0, 100)}) has ${u.dead} dead letters`,
      )
    console.warn = warn
    for (const b of backstop.slice(0, 5)) fail(`only PostgreSQL refused a value: ${b}`)
    for (const c of server.crashes.slice(0, 5))
      fail(`handler crashed on ${c.method} ${c.path.slice(0, 100)}: ${c.error.slice(0, 300)}`)

    // Every request carries a key with every scope, and the UI routes a live admin session: a 401
    // means the harness stopped reaching the handlers (as when sessions became server-side rows).
    if ((m.byStatus.get(401) ?? 0) > 0)
      fail(`${m.byStatus.get(401)} requests were answered 401: the fuzz did not reach the handlers behind the doors`)
    const statuses = [...m.byStatus]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}:${n}`)
      .join(' ')
    console.log(
      `fuzz-http: seed=${SEED} requests=${m.requests} events=${m.eventsSent} (ledger ${m.ledger}) orders=${m.ordersSent} (accepted ${m.orders}) dead letters=${m.deadLetters} crashes=${server.crashes.length} refused only by PostgreSQL=${backstop.length} statuses ${statuses}`,
    )
    expect(m.failures, `STOCKTOWER_FUZZ_SEED=${SEED} reproduces this run`).toEqual([])
  }, 600_000)
})
