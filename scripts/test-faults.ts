// `npm run test:faults`: the product started exactly as `npm start` starts it (embedded PostgreSQL,
// demo seed with the marketplace simulators, supervisor), fed a realistic stream of inventory
// events and channel orders by senders that retry with the same idempotency keys, while this
// harness SIGKILLs workers and the web process, SIGKILLs PostgreSQL (the supervisor starts it
// again), takes a channel down, throttles one, makes one fail at random and one accept updates it
// never applies. Then, once the faults stop:
//   - every acknowledged event applied exactly once: onHand per SKU x location equals a reference
//     model (baseline + acknowledged events), no idempotency key in the ledger twice, and the open
//     reservations per SKU equal the acknowledged orders;
//   - every listing converged: desired = published = applied, and the marketplace shows desired;
//   - never an older quantity published after a newer one (publish attempts per listing by time);
//   - every failure visible: lost updates show as findings, failed publishes as attempts, and
//     whatever could not be delivered as dead letters (counted and printed).
// Profile: fast by default (~1 minute of faults, bounded for `npm test` on 2 cores);
// STOCKTOWER_FAULTS_SECONDS=600 for a longer run. Seeded: STOCKTOWER_FAULTS_SEED (printed).
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import pg from 'pg'
import { freePort } from '../server/runtime/free-port'
import { loadOrCreateSecrets } from '../server/runtime/secrets'
import { readSupervisorState } from '../server/runtime/supervisor'
import { buildIfChanged } from './build'
import { logTail, startProduct, stopChild } from './child-process'

const FAULT_SECONDS = Number(process.env.STOCKTOWER_FAULTS_SECONDS ?? 60)
const SEED = Number(process.env.STOCKTOWER_FAULTS_SEED ?? 1702)
const SKUS = 24
const LOCATIONS = ['DC-EAST', 'DC-WEST', '3PL-CENTRAL']
const SOURCE = 'erp-demo'
const CONVERGE_TIMEOUT_MS = Number(process.env.STOCKTOWER_FAULTS_CONVERGE_MS ?? 6 * 60_000)

const log = (l: string) => process.stdout.write(`[faults] ${l}\n`)

/** mulberry32: the stream and the fault schedule are the same for the same seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const counts = {
  eventsSent: 0,
  eventsAcknowledged: 0,
  duplicatesAcknowledged: 0,
  batches: 0,
  batchRetries: 0,
  ordersAcknowledged: 0,
  orderRetries: 0,
  faults: { workerKills: 0, webKills: 0, databaseKills: 0, outages: 0, throttles: 0, errorBursts: 0, neverApplied: 0 },
}

async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
  everyMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (e) {
      last = e
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

async function main(): Promise<void> {
  const started = Date.now()
  log(`seed ${SEED}, ${FAULT_SECONDS} s of faults (STOCKTOWER_FAULTS_SEED / STOCKTOWER_FAULTS_SECONDS to change)`)
  await buildIfChanged({ log: (l) => log(l) })
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktower-faults-'))
  fs.chmodSync(tmp, 0o755)
  const dataDir = path.join(tmp, 'data')
  fs.mkdirSync(dataDir, { recursive: true })
  const port = await freePort()
  const apiKey = `st_faults_${crypto.randomBytes(12).toString('hex')}`
  const base = `http://127.0.0.1:${port}`
  const logFile = path.join(tmp, 'product.log')
  const out = fs.createWriteStream(logFile)
  const app = startProduct({
    port,
    dataDir,
    apiKey,
    env: {
      STOCKTOWER_DEMO_SKUS: String(SKUS),
      // A killed worker's job locks are freed quickly; two workers cooperate.
      STOCKTOWER_WORKER_DEAD_AFTER_MS: '4000',
      STOCKTOWER_WORKER_CONCURRENCY: '3',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let dbPort = 0
  let sims: Record<string, string> = {}
  readline.createInterface({ input: app.stdout! }).on('line', (l) => {
    out.write(`${l}\n`)
    const m = /^\[db\] embedded PostgreSQL on 127\.0\.0\.1:(\d+)/.exec(l)
    if (m) dbPort = Number(m[1])
    const s = /^\[demo\] marketplace simulators: shopify (\S+), amazon (\S+), walmart (\S+), b2b (\S+)/.exec(l)
    if (s) sims = { shopify: s[1], amazon: s[2], walmart: s[3], b2b: s[4] }
  })
  readline.createInterface({ input: app.stderr! }).on('line', (l) => out.write(`${l}\n`))
  let failed = false
  let db: pg.Pool | undefined
  try {
    await until(
      'the product to be healthy',
      async () =>
        app.exitCode === null &&
        (await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(3_000) })).status === 200,
      8 * 60_000,
      1_000,
    )
    const secrets = loadOrCreateSecrets(dataDir)
    db = new pg.Pool({
      connectionString: `postgresql://stocktower:${encodeURIComponent(secrets.postgresPassword)}@127.0.0.1:${dbPort}/stocktower`,
      max: 3,
    })
    db.on('error', () => {}) // PostgreSQL is killed on purpose below
    log(`product healthy in ${Math.round((Date.now() - started) / 1000)} s (web ${base}, PostgreSQL :${dbPort})`)
    await runScenario({ base, apiKey, db, dataDir, sims })
  } catch (e) {
    failed = true
    console.error(`[faults] FAILED: ${(e as Error).message}`)
    console.error(`[faults] product log ${logFile}; last lines:\n${logTail(logFile, 40)}`)
  } finally {
    await db?.end().catch(() => {})
    await stopChild(app, 30_000)
    out.end()
    if (!failed && !process.env.STOCKTOWER_KEEP_TEST_DIR) fs.rmSync(tmp, { recursive: true, force: true })
  }
  log(`counts: ${JSON.stringify(counts)}`)
  log(`${failed ? 'FAILED' : 'passed'} in ${Math.round((Date.now() - started) / 1000)} s (seed ${SEED})`)
  process.exit(failed ? 1 : 0)
}

interface Scenario {
  base: string
  apiKey: string
  db: pg.Pool
  dataDir: string
  sims: Record<string, string>
}

/** onHand per `sku|location` as the database holds it now. */
async function onHandByPosition(db: pg.Pool): Promise<Map<string, number>> {
  const { rows } = await db.query<{ sku: string; loc: string; on_hand: number }>(
    `SELECT s.code AS sku, l.code AS loc, p."onHand" AS on_hand FROM "Position" p JOIN "Sku" s ON s.id = p."skuId" JOIN "Location" l ON l.id = p."locationId"`,
  )
  return new Map(rows.map((r) => [`${r.sku}|${r.loc}`, r.on_hand]))
}

/** Units reserved per SKU (all locations) as the database holds it now. */
async function reservedBySku(db: pg.Pool): Promise<Map<string, number>> {
  const { rows } = await db.query<{ sku: string; n: string }>(
    `SELECT s.code AS sku, sum(p.reserved)::text AS n FROM "Position" p JOIN "Sku" s ON s.id = p."skuId" GROUP BY s.code`,
  )
  return new Map(rows.map((r) => [r.sku, Number(r.n)]))
}

async function runScenario(s: Scenario): Promise<void> {
  const { db } = s
  const rand = prng(SEED)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]
  const skuCodes = Array.from({ length: SKUS }, (_, i) => `SKU-${String(i + 1).padStart(5, '0')}`)

  // Baseline: what the seed left, before any acknowledged event of ours.
  const model = await onHandByPosition(db)
  const reservedBaseline = await reservedBySku(db)
  const reservedModel = new Map<string, number>()
  const sentKeys = new Set<string>()
  const runId = crypto.randomBytes(4).toString('hex')
  let seq = 0
  const auth = { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' }

  /** POSTs until a 2xx: a lost answer, a refused connection or a 5xx is retried with the same body (same keys). */
  async function deliver(url: string, body: string, onRetry: () => void): Promise<Record<string, unknown>> {
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await fetch(url, { method: 'POST', headers: auth, body, signal: AbortSignal.timeout(30_000) })
        if (r.status >= 200 && r.status < 300) return (await r.json()) as Record<string, unknown>
        if (r.status < 500 && r.status !== 429) throw new Error(`POST ${url} answered ${r.status}: ${await r.text()}`)
      } catch (e) {
        if ((e as Error).message.startsWith('POST ')) throw e
      }
      onRetry()
      await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** Math.min(attempt, 5))))
    }
  }

  async function sendEvents(): Promise<void> {
    const n = 20 + Math.floor(rand() * 60)
    const events = Array.from({ length: n }, () => {
      const sku = pick(skuCodes)
      const location = pick(LOCATIONS)
      const r = rand()
      const type = r < 0.55 ? 'receipt' : r < 0.8 ? 'adjustment' : 'ship'
      const quantity =
        type === 'adjustment'
          ? (rand() < 0.5 ? -1 : 1) * (1 + Math.floor(rand() * 5))
          : 1 + Math.floor(rand() * (type === 'receipt' ? 20 : 4))
      const key = `faults:${runId}:${++seq}`
      sentKeys.add(key)
      return {
        idempotencyKey: key,
        type,
        sku,
        location,
        quantity,
        occurredAt: new Date().toISOString(),
        reference: `FLT-${seq}`,
      }
    })
    counts.eventsSent += n
    counts.batches += 1
    const r = await deliver(`${s.base}/api/v1/events`, JSON.stringify({ source: SOURCE, events }), () => {
      counts.batchRetries += 1
    })
    const rejected = (r.rejected as unknown[] | undefined) ?? []
    if (rejected.length) throw new Error(`valid events were rejected: ${JSON.stringify(rejected.slice(0, 3))}`)
    if (Number(r.accepted) + Number(r.duplicates) !== n)
      throw new Error(`a batch of ${n} was acknowledged as ${r.accepted} + ${r.duplicates} duplicates`)
    counts.eventsAcknowledged += Number(r.accepted)
    counts.duplicatesAcknowledged += Number(r.duplicates)
    // Acknowledged: the model applies the batch once, however many tries it took.
    for (const e of events) {
      const k = `${e.sku}|${e.location}`
      model.set(k, (model.get(k) ?? 0) + (e.type === 'ship' ? -e.quantity : e.quantity))
    }
  }

  const openOrders: Array<{ orderId: string; sku: string; quantity: number }> = []
  async function sendOrder(): Promise<void> {
    const cancel = openOrders.length > 3 && rand() < 0.3
    const order = cancel
      ? openOrders.splice(Math.floor(rand() * openOrders.length), 1)[0]
      : { orderId: `FLT-${runId}-${++seq}`, sku: pick(skuCodes), quantity: 1 + Math.floor(rand() * 2) }
    const body = JSON.stringify({
      orders: [
        {
          orderId: order.orderId,
          status: cancel ? 'cancelled' : 'created',
          occurredAt: new Date().toISOString(),
          lines: [{ lineId: '1', sku: order.sku, quantity: order.quantity }],
        },
      ],
    })
    await deliver(`${s.base}/api/v1/channels/b2b/orders`, body, () => {
      counts.orderRetries += 1
    })
    counts.ordersAcknowledged += 1
    reservedModel.set(order.sku, (reservedModel.get(order.sku) ?? 0) + (cancel ? -order.quantity : order.quantity))
    if (!cancel) openOrders.push(order)
  }

  const sim = async (channel: string, knobs: Record<string, unknown>) => {
    const r = await fetch(`${s.sims[channel]}/_sim/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(knobs),
    })
    if (!r.ok) throw new Error(`${channel} /_sim/config ${JSON.stringify(knobs)}: ${r.status} ${await r.text()}`)
  }
  const pidOf = (part: string): number | null => readSupervisorState(s.dataDir)?.parts[part]?.pid ?? null
  const kill = (part: string): boolean => {
    const pid = pidOf(part)
    if (!pid) return false
    try {
      process.kill(pid, 'SIGKILL')
      return true
    } catch {
      return false
    }
  }
  const killDatabase = (): boolean => {
    // The postmaster itself, as an OOM kill would: no shutdown checkpoint, crash recovery on start.
    try {
      const pid = Number(fs.readFileSync(path.join(s.dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0])
      process.kill(pid, 'SIGKILL')
      return true
    } catch {
      return false
    }
  }

  // What a fault does: set a simulator's knobs, or SIGKILL a process; each counted when it is a fault.
  type Action = () => Promise<void> | void
  const simKnobs =
    (channel: string, knobs: Record<string, unknown>, fault?: keyof typeof counts.faults): Action =>
    async () => {
      await sim(channel, knobs)
      if (fault) counts.faults[fault] += 1
    }
  const sigkill = (part: 'worker' | 'web' | 'database'): Action => {
    const fault = ({ worker: 'workerKills', web: 'webKills', database: 'databaseKills' } as const)[part]
    return () => {
      if (part === 'database' ? killDatabase() : kill(part)) counts.faults[fault] += 1
    }
  }
  const at = (fraction: number, what: string, ...actions: Action[]) => ({
    at: fraction,
    what,
    run: async () => {
      for (const action of actions) await action()
    },
  })

  // The fault schedule, as fractions of the fault window (the same for every length).
  const W = FAULT_SECONDS * 1000
  const schedule = [
    at(
      0.05,
      'amazon accepts updates it never applies',
      simKnobs('amazon', { acceptedNeverAppliedRate: 0.5 }, 'neverApplied'),
    ),
    at(0.1, 'SIGKILL the worker', sigkill('worker')),
    at(0.2, 'walmart goes down', simKnobs('walmart', { outage: true }, 'outages')),
    at(0.25, 'SIGKILL the web process', sigkill('web')),
    at(0.35, 'amazon applies again', simKnobs('amazon', { acceptedNeverAppliedRate: 0 })),
    at(0.4, 'SIGKILL PostgreSQL', sigkill('database')),
    at(
      0.5,
      'shopify throttles hard, b2b fails 40% of calls',
      simKnobs('shopify', { throttle: { maximumAvailable: 60, restoreRate: 10 } }, 'throttles'),
      simKnobs('b2b', { errorRate: 0.4 }, 'errorBursts'),
    ),
    at(0.6, 'SIGKILL the worker again', sigkill('worker')),
    at(0.7, 'SIGKILL the web process again', sigkill('web')),
    at(
      0.8,
      'walmart comes back; SIGKILL PostgreSQL again',
      simKnobs('walmart', { outage: false }),
      sigkill('database'),
    ),
    at(0.9, 'shopify and b2b recover', simKnobs('shopify', { plan: 'demo' }), simKnobs('b2b', { errorRate: 0 })),
  ]
  const t0 = Date.now()
  let stop = false
  const faults = (async () => {
    for (const f of schedule) {
      const wait = t0 + f.at * W - Date.now()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      log(`t+${Math.round((Date.now() - t0) / 1000)} s: ${f.what}`)
      // The simulators answer /_sim/* even while their API is down; a fault that cannot be set is a harness failure.
      await f.run()
    }
  })()
  const sender = async (kind: 'events' | 'orders') => {
    while (!stop) {
      if (kind === 'events') await sendEvents()
      else await sendOrder()
      await new Promise((r) => setTimeout(r, kind === 'events' ? 150 : 400))
    }
  }
  const senders = [sender('events'), sender('events'), sender('orders')]
  await faults
  await new Promise((r) => setTimeout(r, Math.max(0, t0 + W - Date.now())))
  stop = true
  await Promise.all(senders)
  log(
    `stream stopped after ${Math.round((Date.now() - t0) / 1000)} s: ${counts.eventsAcknowledged} events and ${counts.ordersAcknowledged} order messages acknowledged, ${counts.batchRetries + counts.orderRetries} retries`,
  )

  // ---- quiesce: the product heals by itself (no nudging from here) ------------------------------
  await until(
    'health 200',
    async () => (await fetch(`${s.base}/api/health`, { signal: AbortSignal.timeout(3_000) })).status === 200,
    2 * 60_000,
    1_000,
  )
  const notConverged = async () =>
    (
      await db.query<{
        code: string
        sku: string
        ext: string
        desired: number | null
        published: number | null
        applied: number | null
        dv: number
        pv: number
        av: number
      }>(
        `SELECT c.code, s.code AS sku, cl."externalSku" AS ext, cl."desiredQuantity" AS desired, cl."publishedQuantity" AS published, cl."appliedQuantity" AS applied,
            cl."desiredVersion" AS dv, cl."publishedVersion" AS pv, cl."appliedVersion" AS av
       FROM "ChannelListing" cl JOIN "Channel" c ON c.id = cl."channelId" JOIN "Sku" s ON s.id = cl."skuId"
      WHERE cl.active AND (cl."desiredVersion" <> cl."publishedVersion" OR cl."appliedVersion" <> cl."desiredVersion"
            OR cl."appliedQuantity" IS DISTINCT FROM cl."desiredQuantity")
      ORDER BY 1, 2`,
      )
    ).rows
  let lastReport = 0
  await until(
    'every listing to converge (desired = published = applied)',
    async () => {
      const dirty = Number(
        (await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM "AvailabilityDirty"`)).rows[0].n,
      )
      const left = await notConverged()
      if (Date.now() - lastReport > 20_000) {
        lastReport = Date.now()
        log(
          `waiting: ${dirty} SKUs to recompute, ${left.length} listings not converged${left.length ? ` (e.g. ${JSON.stringify(left[0])})` : ''}`,
        )
      }
      return dirty === 0 && left.length === 0
    },
    CONVERGE_TIMEOUT_MS,
    2_000,
  )

  // ---- assertions ---------------------------------------------------------------------------
  const problems: string[] = []
  // 1. Every acknowledged event applied exactly once.
  const actual = await onHandByPosition(db)
  for (const [k, v] of model)
    if ((actual.get(k) ?? 0) !== v)
      problems.push(`position ${k}: onHand ${actual.get(k) ?? 0}, the reference model says ${v}`)
  const ledger = await db
    .query<{ keys: string; distinct_keys: string }>(
      `SELECT count(*)::text AS keys, count(DISTINCT "idempotencyKey")::text AS distinct_keys FROM "LedgerEvent" WHERE "idempotencyKey" LIKE $1`,
      [`faults:${runId}:%`],
    )
    .catch(() => null)
  if (ledger) {
    const { keys, distinct_keys } = ledger.rows[0]
    if (Number(keys) !== Number(distinct_keys))
      problems.push(`the ledger holds ${keys} rows for ${distinct_keys} idempotency keys (applied twice)`)
    if (Number(distinct_keys) !== sentKeys.size)
      problems.push(`the ledger holds ${distinct_keys} of the ${sentKeys.size} acknowledged events`)
  }
  const reserved = await reservedBySku(db)
  for (const sku of skuCodes) {
    const expected = (reservedBaseline.get(sku) ?? 0) + (reservedModel.get(sku) ?? 0)
    if ((reserved.get(sku) ?? 0) !== expected)
      problems.push(`reserved ${sku}: ${reserved.get(sku) ?? 0}, acknowledged orders say ${expected}`)
  }
  // 2. Converged, and the marketplaces show it.
  const listings = (
    await db.query<{ code: string; ext: string; ext_id: string | null; desired: number }>(
      `SELECT c.code, cl."externalSku" AS ext, cl."externalId" AS ext_id, cl."desiredQuantity" AS desired FROM "ChannelListing" cl JOIN "Channel" c ON c.id = cl."channelId" WHERE cl.active AND cl."desiredQuantity" IS NOT NULL`,
    )
  ).rows
  // What buyers see, from each simulator's /_sim/state (its own shape per marketplace: a number,
  // B2B's { quantity }, Shopify's { available: { <location>: n } } at the one location we publish to).
  const quantityIn = (v: unknown): number | null => {
    if (typeof v === 'number') return v
    if (v && typeof v === 'object' && 'quantity' in v) return Number((v as { quantity: unknown }).quantity)
    if (v && typeof v === 'object' && 'available' in v) {
      const levels = Object.values((v as { available: Record<string, number> }).available)
      return levels.length === 1 ? levels[0] : null
    }
    return null
  }
  const shownBy = new Map<string, Record<string, unknown>>()
  for (const ch of Object.keys(s.sims))
    shownBy.set(
      ch,
      ((await (await fetch(`${s.sims[ch]}/_sim/state`)).json()) as { listings: Record<string, unknown> }).listings,
    )
  // Shopify's view is keyed by SKU, but an inventory item (the listing's externalId) is what we publish to.
  const byItem = new Map<string, unknown>()
  for (const v of Object.values(shownBy.get('shopify') ?? {}))
    if (v && typeof v === 'object' && 'inventoryItemId' in v)
      byItem.set(String((v as { inventoryItemId: unknown }).inventoryItemId), v)
  for (const l of listings) {
    const shown = quantityIn(
      l.code === 'shopify' && l.ext_id && byItem.has(l.ext_id) ? byItem.get(l.ext_id) : shownBy.get(l.code)?.[l.ext],
    )
    if (shown !== l.desired) problems.push(`${l.code} ${l.ext}: the marketplace shows ${shown}, desired ${l.desired}`)
  }
  // 3. Never an older version after a newer one, per listing, in the order attempts started.
  const attempts = (
    await db.query<{ listing: string; version: number }>(
      `SELECT "listingId"::text AS listing, version FROM "PublishAttempt" ORDER BY "startedAt", id`,
    )
  ).rows
  const lastVersion = new Map<string, number>()
  let regressions = 0
  for (const a of attempts) {
    if (a.version < (lastVersion.get(a.listing) ?? 0)) regressions++
    lastVersion.set(a.listing, Math.max(a.version, lastVersion.get(a.listing) ?? 0))
  }
  if (regressions) problems.push(`${regressions} publish attempts sent an older version after a newer one`)
  // 4. Every failure visible.
  const simState = async (ch: string) =>
    ((await (await fetch(`${s.sims[ch]}/_sim/state`)).json()) as { counters: Record<string, number> }).counters
  const lost = (await simState('amazon')).lostUpdates ?? 0
  const findings = Object.fromEntries(
    (
      await db.query<{ kind: string; n: string }>(`SELECT kind, count(*)::text AS n FROM "Finding" GROUP BY kind`)
    ).rows.map((r) => [r.kind, Number(r.n)]),
  )
  const amazonFindings = Number(
    (
      await db.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM "Finding" WHERE channel = 'amazon' AND kind IN ('unverified', 'drift')`,
      )
    ).rows[0].n,
  )
  if (lost > 0 && amazonFindings === 0)
    problems.push(`amazon lost ${lost} accepted updates and no unverified or drift finding says so`)
  const failedAttempts = Number(
    (await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM "PublishAttempt" WHERE outcome = 'failed'`)).rows[0]
      .n,
  )
  const outageRejections = (await simState('walmart')).outageRejections ?? 0
  if (outageRejections > 0 && failedAttempts === 0)
    problems.push(
      `walmart refused ${outageRejections} calls during its outage and no publish attempt is recorded as failed`,
    )
  const deadLetters = Object.fromEntries(
    (
      await db.query<{ kind: string; n: string }>(
        `SELECT kind::text AS kind, count(*)::text AS n FROM "DeadLetter" GROUP BY kind`,
      )
    ).rows.map((r) => [r.kind, Number(r.n)]),
  )
  const sup = readSupervisorState(s.dataDir)
  // The supervisor brought back every part the harness killed, and never gave up on one.
  const restarts = (part: string) => sup?.parts[part]?.restarts ?? 0
  if (restarts('worker') < counts.faults.workerKills)
    problems.push(`the worker was killed ${counts.faults.workerKills} times and restarted ${restarts('worker')}`)
  if (restarts('web') < counts.faults.webKills)
    problems.push(`the web process was killed ${counts.faults.webKills} times and restarted ${restarts('web')}`)
  if (restarts('database') < counts.faults.databaseKills)
    problems.push(`PostgreSQL was killed ${counts.faults.databaseKills} times and restarted ${restarts('database')}`)
  if (counts.faults.workerKills + counts.faults.webKills + counts.faults.databaseKills < 4)
    problems.push(
      `only ${counts.faults.workerKills + counts.faults.webKills + counts.faults.databaseKills} process kills landed (a pid was not found)`,
    )
  log(
    `faults injected: ${JSON.stringify(counts.faults)}; supervisor restarts: ${JSON.stringify(Object.fromEntries(Object.entries(sup?.parts ?? {}).map(([k, v]) => [k, v.restarts])))}`,
  )
  log(
    `marketplace: amazon lost ${lost} updates, walmart refused ${outageRejections} calls in its outage; publish attempts ${attempts.length} (${failedAttempts} failed)`,
  )
  log(`visible: dead letters ${JSON.stringify(deadLetters)}, findings ${JSON.stringify(findings)}`)
  log(`checked ${model.size} positions, ${skuCodes.length} SKUs' reservations, ${listings.length} listings`)
  if (problems.length) throw new Error(`${problems.length} problem(s):\n  ${problems.slice(0, 30).join('\n  ')}`)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
