// Two web processes and three worker processes (real child processes) on one database, with the
// demo marketplaces in a process of their own (`scripts/simulators.ts`, the `npm run simulators`
// role), under a seeded stream of ERP events and channel orders sent through the public API to
// both web processes. They give the numbers the stream implies: every position as the events
// add up, every reservation the orders hold, every listing at the quantity one fresh decision
// computes from the final state, on the marketplace too; each listing version sent once and in
// order; a browser on either web process hears live events, including those the other web
// process emits; a worker stopped with SIGTERM leaves no job locked.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { spawn, type ChildProcess } from 'node:child_process'
import { encode } from 'next-auth/jwt'
import { io as connect, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { createTestDatabase, type TestDatabase } from './helpers/test-db'
import { seedDemo, type SimulatorUrls } from '../../server/demo/seed-demo'
import { startSession } from '../../server/auth/sessions'
import { decideSkus } from '../../server/availability/recompute-availability'
import { getCurrentRuleSet } from '../../server/rules/rule-set.repository'

const root = path.resolve(__dirname, '..', '..')
const SECRET = 'scale-out-secret'
const API_KEY = `st_demo_${crypto.randomBytes(8).toString('hex')}`
const SKUS = 20
const SENDERS = 4
const ROUNDS = 8
const LOCATIONS = ['DC-EAST', 'DC-WEST', '3PL-CENTRAL']

let t: TestDatabase
let db: PrismaClient
let dataDir: string
let sims: SimulatorUrls
const children: ChildProcess[] = []
const webs: Array<{ url: string; child: ChildProcess }> = []
const workers: ChildProcess[] = []
const sockets: Socket[] = []
const workerOut = new Map<ChildProcess, string[]>()

/** mulberry32: the stream is the same on every run. */
function prng(seed: number): () => number {
  let a = seed
  return () => {
    a |= 0
    a = (a + 0x6d2b79f5) | 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 60_000,
  explain?: () => Promise<unknown>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${explain ? `: ${JSON.stringify(await explain())}` : ''}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

function baseEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: t.url,
    STOCKTOWER_DATA_DIR: dataDir,
    STOCKTOWER_DEMO: 'on',
    STOCKTOWER_TRAFFIC: 'off',
    STOCKTOWER_DEMO_SKUS: String(SKUS),
    STOCKTOWER_SIMULATOR_STATE: 'off',
    NEXTAUTH_SECRET: SECRET,
    STOCKTOWER_WORKER_CONCURRENCY: '2',
    STOCKTOWER_WORKER_DEAD_AFTER_MS: '3000',
    STOCKTOWER_DEMO_API_KEY: API_KEY,
    STOCKTOWER_B2B_SIGNING_SECRET: 's',
    STOCKTOWER_SHUTDOWN_GRACE_MS: '10000',
  }
}

/** Spawns a child and resolves with the first stdout line starting with `prefix` (after it). */
function spawnAndRead(
  args: string[],
  prefix: string,
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; value: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  children.push(child)
  let stderr = ''
  child.stderr!.on('data', (d) => {
    stderr = (stderr + d).slice(-4000)
  })
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (l) => {
      if (l.startsWith(prefix)) resolve({ child, value: l.slice(prefix.length) })
    })
    child.once('exit', (c) =>
      reject(new Error(`${args.join(' ')} exited (${c}) before saying ${prefix.trim()}: ${stderr}`)),
    )
  })
}

function startWorker(): ChildProcess {
  const w = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'worker.ts')], {
    cwd: root,
    env: baseEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out: string[] = []
  workerOut.set(w, out)
  readline.createInterface({ input: w.stdout! }).on('line', (l) => out.push(l))
  readline.createInterface({ input: w.stderr! }).on('line', (l) => out.push(l))
  children.push(w)
  workers.push(w)
  return w
}

beforeAll(async () => {
  t = await createTestDatabase()
  db = t.db
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stk-scale-'))
  const s = await spawnAndRead([path.join(root, 'scripts', 'simulators.ts')], 'SIMULATORS ', baseEnv())
  sims = JSON.parse(s.value) as SimulatorUrls
  await seedDemo(db, { skuCount: SKUS, simulatorUrls: sims, demoApiKey: API_KEY, b2bSigningSecret: 's' })
  for (let i = 0; i < 2; i++) {
    const w = await spawnAndRead([path.join(root, 'test', 'int', 'helpers', 'web-role.ts')], 'WEB ', baseEnv())
    webs.push({ url: w.value, child: w.child })
  }
  for (let i = 0; i < 3; i++) startWorker()
}, 120_000)

afterAll(async () => {
  for (const s of sockets) s.close()
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  await t?.drop()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

async function browser(
  webUrl: string,
  cookie: string,
): Promise<{ socket: Socket; events: Array<{ event: string; payload: unknown }> }> {
  const socket = connect(webUrl, {
    path: '/socket.io',
    transports: ['websocket'],
    extraHeaders: { cookie },
    reconnection: false,
  })
  sockets.push(socket)
  const events: Array<{ event: string; payload: unknown }> = []
  socket.onAny((event: string, payload: unknown) => events.push({ event, payload }))
  await new Promise<void>((resolve, reject) => {
    socket.once('connect_error', reject)
    socket.once('connect', () => socket.emit('subscribe', { rooms: ['dashboard', 'findings'] }, () => resolve()))
  })
  return { socket, events }
}

async function post(
  url: string,
  body: unknown,
): Promise<{ accepted: number; duplicates: number; rejected: unknown[] }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const json = (await r.json()) as { accepted: number; duplicates: number; rejected: unknown[] }
  if (r.status !== 202) throw new Error(`${url} answered ${r.status}: ${JSON.stringify(json)}`)
  return json
}

describe('two web and three worker processes on one database', () => {
  it('give the numbers the stream implies, publish each version once and in order, and reach browsers on both web processes', async () => {
    // A browser on each web process, signed in as an analyst.
    const u = await db.user.create({
      data: { email: 'analyst-scale@example.com', name: 'analyst', role: 'analyst', passwordHash: 'x' },
    })
    const sid = await startSession(db, u.id)
    const cookie = `next-auth.session-token=${await encode({ token: { uid: u.id, role: 'analyst', sid }, secret: SECRET })}`
    const clients = await Promise.all(webs.map((w) => browser(w.url, cookie)))

    // The initial catalogue publish settles first (positions as seeded).
    const settled = async () => {
      const [r] = await db.$queryRawUnsafe<Array<{ dirty: number; pending: number }>>(
        `SELECT (SELECT count(*)::int FROM "AvailabilityDirty") AS dirty,
                (SELECT count(*)::int FROM "ChannelListing" WHERE active AND "desiredQuantity" IS NOT NULL AND "appliedVersion" < "desiredVersion") AS pending`,
      )
      return r.dirty === 0 && r.pending === 0
    }
    const pendingNow = () =>
      db.$queryRawUnsafe(
        `SELECT c.code, count(*)::int AS n, min(l."desiredVersion" - l."appliedVersion") AS behind_min, max(l."desiredVersion" - l."appliedVersion") AS behind_max,
              count(*) FILTER (WHERE l."publishedVersion" = l."desiredVersion")::int AS published, min(l."lastError") AS error,
              (SELECT count(*)::int FROM "AvailabilityDirty") AS dirty
         FROM "ChannelListing" l JOIN "Channel" c ON c.id = l."channelId"
        WHERE l.active AND l."desiredQuantity" IS NOT NULL AND l."appliedVersion" < l."desiredVersion" GROUP BY c.code`,
      )
    await until('the first full publish', settled, 150_000, pendingNow)
    const before = await db.$queryRawUnsafe<Array<{ sku: string; location: string; onHand: number; reserved: number }>>(
      `SELECT s.code AS sku, l.code AS location, p."onHand", p.reserved FROM "Position" p JOIN "Sku" s ON s.id = p."skuId" JOIN "Location" l ON l.id = p."locationId"`,
    )
    const onHand = new Map(before.map((p) => [`${p.sku}@${p.location}`, p.onHand]))
    const reservedBySku = new Map<string, number>()
    for (const p of before) reservedBySku.set(p.sku, (reservedBySku.get(p.sku) ?? 0) + p.reserved)
    const sentOrder = new Map<string, string[]>() // position -> idempotency keys in the order sent

    // The stream: each sender owns its SKUs and sends in sequence (so per-position order is
    // defined), alternating web processes; senders run concurrently.
    const random = prng(20)
    const plans = Array.from({ length: SENDERS }, (_, s) => ({
      s,
      skus: Array.from(
        { length: SKUS / SENDERS },
        (_, i) => `SKU-${String(s * (SKUS / SENDERS) + i + 1).padStart(5, '0')}`,
      ),
    }))
    const batches = plans.map(({ s, skus }) =>
      Array.from({ length: ROUNDS }, (_, round) => {
        const events = Array.from({ length: 12 }, (_, n) => {
          const sku = skus[Math.floor(random() * skus.length)]
          const location = LOCATIONS[Math.floor(random() * LOCATIONS.length)]
          const receipt = random() < 0.6
          const quantity = receipt ? 1 + Math.floor(random() * 20) : [-3, -2, -1, 1, 2, 3][Math.floor(random() * 6)]
          return {
            idempotencyKey: `s${s}-r${round}-n${n}`,
            type: receipt ? 'receipt' : 'adjustment',
            sku,
            location,
            quantity,
            occurredAt: new Date(Date.UTC(2026, 11, 2, 12, round, n)).toISOString(),
          }
        })
        const channel = ['shopify', 'amazon', 'walmart', 'b2b'][Math.floor(random() * 4)]
        const order = {
          orderId: `S${s}-${round}`,
          status: 'created',
          occurredAt: new Date(Date.UTC(2026, 11, 2, 12, round, 30)).toISOString(),
          lines: [
            { lineId: '1', sku: skus[Math.floor(random() * skus.length)], quantity: 1 + Math.floor(random() * 2) },
          ],
        }
        const cancel = round > 0 && random() < 0.3 ? { channel: `prev`, orderId: `S${s}-${round - 1}` } : null
        return { events, channel, order, cancel }
      }),
    )
    for (const plan of batches)
      for (const b of plan) {
        for (const e of b.events) {
          onHand.set(`${e.sku}@${e.location}`, (onHand.get(`${e.sku}@${e.location}`) ?? 0) + e.quantity)
          sentOrder.set(`${e.sku}@${e.location}`, [
            ...(sentOrder.get(`${e.sku}@${e.location}`) ?? []),
            e.idempotencyKey,
          ])
        }
      }
    const ordersSent: Array<{ channel: string; order: (typeof batches)[0][0]['order'] }> = []
    await Promise.all(
      batches.map(async (plan, s) => {
        for (let round = 0; round < plan.length; round++) {
          const b = plan[round]
          const web = webs[(s + round) % webs.length].url
          const r = await post(`${web}/api/v1/events`, { source: 'erp-demo', events: b.events })
          expect(r).toMatchObject({ accepted: b.events.length, duplicates: 0, rejected: [] })
          const o = await post(`${web}/api/v1/channels/${b.channel}/orders`, { orders: [b.order] })
          expect(o.accepted).toBe(1)
          ordersSent.push({ channel: b.channel, order: b.order })
          if (b.cancel) {
            const prev = plan[round - 1]
            await post(`${webs[(s + round + 1) % webs.length].url}/api/v1/channels/${prev.channel}/orders`, {
              orders: [
                {
                  ...prev.order,
                  status: 'cancelled',
                  occurredAt: new Date(Date.UTC(2026, 11, 2, 12, round, 40)).toISOString(),
                },
              ],
            })
            reservedBySku.set(
              prev.order.lines[0].sku,
              (reservedBySku.get(prev.order.lines[0].sku) ?? 0) - prev.order.lines[0].quantity,
            )
          }
          reservedBySku.set(
            b.order.lines[0].sku,
            (reservedBySku.get(b.order.lines[0].sku) ?? 0) + b.order.lines[0].quantity,
          )
        }
      }),
    )
    expect(ordersSent.length).toBe(SENDERS * ROUNDS)

    // One worker is stopped with SIGTERM while the others work on: it exits cleanly and leaves no
    // job locked under its ids.
    const [hb] = await db.$queryRawUnsafe<Array<{ lockIds: string[] }>>(
      `SELECT "lockIds" FROM "WorkerHeartbeat" WHERE pid = $1`,
      workers[2].pid,
    )
    const exited = new Promise<number | null>((r) => workers[2].once('exit', (code) => r(code)))
    workers[2].kill('SIGTERM')
    expect(await exited).toBe(0)
    const locked = await db.$queryRawUnsafe<unknown[]>(
      `SELECT t.identifier, j.locked_by, j.locked_at, j.attempts, j.run_at FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE j.locked_by = ANY($1::text[])`,
      hb?.lockIds ?? [],
    )
    expect(locked, `${JSON.stringify(locked)} ${workerOut.get(workers[2])?.join('\n')}`).toEqual([])
    expect(await db.workerHeartbeat.count({ where: { pid: workers[2].pid } })).toBe(0)

    await until('the stream to be decided and applied on every channel', settled, 150_000, pendingNow)

    // Positions: exactly what the events add up to; reservations: what the orders hold.
    const after = await db.$queryRawUnsafe<Array<{ sku: string; location: string; onHand: number; reserved: number }>>(
      `SELECT s.code AS sku, l.code AS location, p."onHand", p.reserved FROM "Position" p JOIN "Sku" s ON s.id = p."skuId" JOIN "Location" l ON l.id = p."locationId"`,
    )
    const reservedAfter = new Map<string, number>()
    for (const p of after) {
      expect(p.onHand, `${p.sku}@${p.location}`).toBe(onHand.get(`${p.sku}@${p.location}`))
      reservedAfter.set(p.sku, (reservedAfter.get(p.sku) ?? 0) + p.reserved)
    }
    for (const [sku, n] of reservedBySku) expect(reservedAfter.get(sku) ?? 0, sku).toBe(n)

    // Ordering: per position, the ledger holds the events in the order they were sent.
    const ledger = await db.$queryRawUnsafe<Array<{ position: string; keys: string[] }>>(
      `SELECT s.code || '@' || l.code AS position, array_agg(e."idempotencyKey" ORDER BY e.id) AS keys FROM "LedgerEvent" e
         JOIN "Sku" s ON s.id = e."skuId" JOIN "Location" l ON l.id = e."locationId" WHERE e.source = 'erp-demo' AND e."idempotencyKey" ~ '^s[0-9]+-r' GROUP BY 1`,
    )
    expect(ledger.length).toBe(sentOrder.size)
    for (const row of ledger) expect(row.keys, row.position).toEqual(sentOrder.get(row.position))

    // Channel quantities: every listing at what one fresh decision computes from the final state
    // (the reference model), applied on its marketplace.
    const listings = await db.$queryRawUnsafe<
      Array<{
        skuId: string
        sku: string
        channel: string
        externalSku: string
        desiredQuantity: number
        desiredVersion: number
        appliedVersion: number
      }>
    >(
      `SELECT l."skuId"::text AS "skuId", s.code AS sku, c.code AS channel, l."externalSku", l."desiredQuantity", l."desiredVersion", l."appliedVersion"
         FROM "ChannelListing" l JOIN "Sku" s ON s.id = l."skuId" JOIN "Channel" c ON c.id = l."channelId" WHERE l.active ORDER BY s.code, c.code`,
    )
    const ruleSet = await getCurrentRuleSet(db)
    const reference = await decideSkus(db, [...new Set(listings.map((l) => l.skuId))], ruleSet, new Date())
    const urls = sims as unknown as Record<string, string>
    let compared = 0
    for (const l of listings) {
      const expected = reference.decisionsBySku.get(l.skuId)?.find((d) => d.channel === l.channel)?.quantity
      expect(l.desiredQuantity, `${l.sku} on ${l.channel}`).toBe(expected)
      expect(l.appliedVersion, `${l.sku} on ${l.channel}`).toBe(l.desiredVersion)
      const q = (await (
        await fetch(`${urls[l.channel]}/_sim/quantity?sku=${encodeURIComponent(l.externalSku)}`)
      ).json()) as { quantity: number }
      expect(q.quantity, `${l.sku} on the ${l.channel} marketplace`).toBe(l.desiredQuantity)
      compared += 1
    }
    expect(compared).toBe(listings.length)
    expect(compared).toBeGreaterThanOrEqual(SKUS * 4)

    // No double publish: no listing version was taken by a channel twice (our attempts) unless
    // reconciliation read a different number back and healed it (drift finding, republish: the
    // same version sent again on purpose); and the B2B portal (whose webhook carries our version)
    // received each SKU's versions in rising order, a repeat only for a healed listing.
    const repeats = await db.$queryRawUnsafe<
      Array<{ code: string; listingId: string; externalSku: string; version: number; n: number; healed: string | null }>
    >(
      `WITH r AS (SELECT a."channelId", a."listingId", a.version, count(*)::int AS n FROM "PublishAttempt" a
                  WHERE a.outcome IN ('sent', 'accepted', 'applied') GROUP BY 1, 2, 3 HAVING count(*) > 1)
       SELECT c.code, r."listingId"::text AS "listingId", l."externalSku", r.version, r.n,
              (SELECT string_agg(DISTINCT f.details->>'cause', ',') FROM "Finding" f WHERE f."dedupeKey" = 'drift:' || r."listingId"::text AND f.details->>'heal' = 'republish') AS healed
         FROM r JOIN "Channel" c ON c.id = r."channelId" JOIN "ChannelListing" l ON l.id = r."listingId"`,
    )
    const unexplained = repeats.filter((r) => !r.healed)
    expect(unexplained, JSON.stringify(unexplained.slice(0, 5))).toEqual([])
    const healedB2b = new Set(repeats.filter((r) => r.code === 'b2b').map((r) => r.externalSku))
    const b2b = (await (await fetch(`${urls.b2b}/_sim/requests?limit=1000`)).json()) as {
      requests: Array<{
        method: string
        path: string
        status: number
        body: { updates?: Array<{ sku: string; version: number }> }
      }>
    }
    const versions = new Map<string, number[]>()
    for (const r of b2b.requests) {
      if (r.method !== 'POST' || r.status < 200 || r.status >= 300 || !Array.isArray(r.body?.updates)) continue
      for (const up of r.body.updates) versions.set(up.sku, [...(versions.get(up.sku) ?? []), up.version])
    }
    expect(versions.size).toBeGreaterThan(0)
    for (const [sku, vs] of versions) {
      expect(vs, sku).toEqual([...vs].sort((a, b) => a - b))
      if (!healedB2b.has(sku)) expect(new Set(vs).size, `${sku} versions ${vs.join(',')}`).toBe(vs.length)
    }

    // Live events: each browser heard the workers' decisions, and an event one web process emits
    // reaches the browser on the other one, once.
    for (const c of clients) expect(c.events.some((e) => e.event === 'listings.changed')).toBe(true)
    webs[0].child.stdin!.write('EMIT findings findings.changed\n')
    const fromA = (e: { event: string; payload: unknown }) =>
      e.event === 'findings.changed' && (e.payload as { kind?: string }).kind === `from-${webs[0].child.pid}`
    await until("the other web process's browser to hear web A", async () => clients[1].events.some(fromA), 10_000)
    await until("web A's own browser to hear it", async () => clients[0].events.some(fromA), 10_000)
    expect(clients[1].events.filter(fromA).length).toBe(1)
    expect(clients[0].events.filter(fromA).length).toBe(1)
  }, 400_000)
})
