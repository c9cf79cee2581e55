// GET /api/metrics: Prometheus text built from the rollups and small open-item counts, never
// from a scan of the ledger.
import type { Db } from '../db'
import { LAG_BUCKETS_SECONDS } from './lag'
import { getChannelsHealth, type ChannelHealthView } from './channel-health'
import { getOrderIntakeHealth } from './order-intake'
import { getRetentionReport } from '../retention/retention-report'

/** A label value as the exposition format requires: backslash, double quote and line feed escaped. */
export const esc = (v: string) =>
  v
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\r?\n|\r/g, '\\n')
/**
 * Stored counter labels (`source=x,type=y`) as exposition labels. A value may itself hold commas
 * or `=` (source names come from senders), so a pair starts only at `,name=` where name is a
 * label name; anything that is not a valid label name is never emitted as one.
 */
export function labelsOf(stored: string): string {
  const pairs: string[] = []
  const re = /(?:^|,)([a-zA-Z_][a-zA-Z0-9_]*)=/g
  const starts: Array<{ name: string; at: number; valueAt: number }> = []
  for (let m = re.exec(stored); m; m = re.exec(stored))
    starts.push({ name: m[1], at: m.index, valueAt: m.index + m[0].length })
  // Each name once: its last occurrence starts the real pair (sender-chosen values, such as a
  // source name holding ",type=x", come before the labels we append after them).
  const last = new Map(starts.map((s) => [s.name, s.at]))
  const kept = starts.filter((s) => last.get(s.name) === s.at)
  kept.forEach((s, i) => {
    const end = i + 1 < kept.length ? kept[i + 1].at : stored.length
    pairs.push(`${s.name}="${esc(stored.slice(s.valueAt, end))}"`)
  })
  return pairs.join(',')
}

export async function renderPrometheus(db: Db, now = new Date()): Promise<string> {
  const out: string[] = []
  await renderCounters(db, out)
  await renderLagHistograms(db, out)
  await renderOrderIntake(db, out, now)
  // Listing counts and health from the same rollup as the screens (listing-states.ts): a scrape
  // never counts a catalogue's listings.
  const health = await getChannelsHealth(db, { now })
  await renderQueueDepth(db, out, health)
  await renderOpenWork(db, out, health)
  await renderChannelState(db, out, health)
  await renderRetention(db, out)
  return `${out.join('\n')}\n`
}

/** Counters summed over their minute rollups. */
async function renderCounters(db: Db, out: string[]): Promise<void> {
  const counter = async (name: string, help: string) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`)
    const rows = await db.$queryRawUnsafe<Array<{ labels: string; v: bigint }>>(
      `SELECT labels, sum(value) AS v FROM "CounterMinute" WHERE name = $1 GROUP BY labels ORDER BY labels`,
      name,
    )
    for (const r of rows) out.push(`${name}{${labelsOf(r.labels)}} ${r.v}`)
  }
  await counter('stocktower_events_total', 'Inventory events recorded, by source and type.')
  await counter('stocktower_publish_attempts_total', 'Publish attempts, by channel and outcome.')
  await counter(
    'stocktower_api_rate_limited_total',
    'Requests refused with 429 because their API key used its per-minute limit, by key name.',
  )
  await counter(
    'stocktower_order_units_total',
    'Channel order units, by channel and measure (ordered, oversold_<kind>, revenue_at_risk_cents, cancelled, cancelled_stock).',
  )
}

/** Publish and order-intake lag histograms per channel. */
async function renderLagHistograms(db: Db, out: string[]): Promise<void> {
  const histogram = async (name: string, help: string, table: 'LagMinute' | 'OrderLagMinute') => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`)
    const lag = await db.$queryRawUnsafe<Array<{ code: string; count: bigint; sum: bigint; buckets: number[] | null }>>(
      `SELECT c.code, COALESCE(sum(m.count), 0) AS count, COALESCE(sum(m."sumMs"), 0) AS sum,
              (SELECT array_agg(s ORDER BY i) FROM (SELECT i, sum(b) AS s FROM "${table}" m2, unnest(m2.buckets) WITH ORDINALITY AS x(b, i) WHERE m2."channelId" = c.id GROUP BY i) y) AS buckets
         FROM "Channel" c LEFT JOIN "${table}" m ON m."channelId" = c.id GROUP BY c.id, c.code ORDER BY c.code`,
    )
    for (const r of lag) {
      const buckets = (r.buckets ?? []).map(Number)
      let cum = 0
      LAG_BUCKETS_SECONDS.forEach((le, i) => {
        cum += buckets[i] ?? 0
        out.push(`${name}_bucket{channel="${esc(r.code)}",le="${le}"} ${cum}`)
      })
      out.push(`${name}_bucket{channel="${esc(r.code)}",le="+Inf"} ${r.count}`)
      out.push(`${name}_sum{channel="${esc(r.code)}"} ${Number(r.sum) / 1000}`)
      out.push(`${name}_count{channel="${esc(r.code)}"} ${r.count}`)
    }
  }
  await histogram('stocktower_publish_lag_seconds', 'Event received to applied at the channel.', 'LagMinute')
  await histogram(
    'stocktower_order_intake_lag_seconds',
    'Marketplace order time to our reservation (order intake lag).',
    'OrderLagMinute',
  )
}

/** Order intake health: per channel and path, how long since it last worked, failures in a row. */
async function renderOrderIntake(db: Db, out: string[], now: Date): Promise<void> {
  // Order intake health: per channel and path, how long since it last worked, failures in a row.
  const intake = await getOrderIntakeHealth(db, now)
  out.push(
    "# HELP stocktower_order_intake_stopped 1 while a live channel's orders intake has been silent past its threshold.",
    '# TYPE stocktower_order_intake_stopped gauge',
  )
  for (const c of intake.filter((x) => x.state !== 'not_connected'))
    out.push(`stocktower_order_intake_stopped{channel="${esc(c.channel)}"} ${c.state === 'stopped' ? 1 : 0}`)
  out.push(
    '# HELP stocktower_order_intake_last_success_age_seconds Seconds since the path last received or polled successfully.',
    '# TYPE stocktower_order_intake_last_success_age_seconds gauge',
  )
  for (const c of intake)
    for (const p of c.paths) {
      if (p.lastSuccessAt)
        out.push(
          `stocktower_order_intake_last_success_age_seconds{channel="${esc(c.channel)}",path="${esc(p.path)}"} ${Math.max(0, Math.round((now.getTime() - Date.parse(p.lastSuccessAt)) / 1000))}`,
        )
    }
  out.push(
    '# HELP stocktower_order_intake_consecutive_failures Failures in a row of the path (deliveries refused, polls failed).',
    '# TYPE stocktower_order_intake_consecutive_failures gauge',
  )
  for (const c of intake)
    for (const p of c.paths)
      out.push(
        `stocktower_order_intake_consecutive_failures{channel="${esc(c.channel)}",path="${esc(p.path)}"} ${p.consecutiveFailures}`,
      )
}

/** Work waiting: jobs by queue, listings to publish per channel, SKUs to recompute. */
async function renderQueueDepth(db: Db, out: string[], health: ChannelHealthView[]): Promise<void> {
  out.push(
    '# HELP stocktower_queue_depth Jobs waiting, by queue; publish_<channel>: listings waiting for the channel to apply our number.',
    '# TYPE stocktower_queue_depth gauge',
  )
  const jobs = await db.$queryRawUnsafe<Array<{ q: string; n: bigint }>>(
    `SELECT task_identifier AS q, count(*) AS n FROM graphile_worker.jobs GROUP BY 1 ORDER BY 1`,
  )
  for (const j of jobs) out.push(`stocktower_queue_depth{queue="${esc(j.q)}"} ${j.n}`)
  for (const h of health) out.push(`stocktower_queue_depth{queue="publish_${esc(h.code)}"} ${h.listings.waiting}`)
  const dirty = await db.availabilityDirty.count()
  out.push(`stocktower_queue_depth{queue="recompute_skus"} ${dirty}`)
}

/** What waits on an operator: dead letters and findings, stale listings, reserved units. */
async function renderOpenWork(db: Db, out: string[], health: ChannelHealthView[]): Promise<void> {
  const gauge = async (name: string, help: string, sql: string) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`)
    for (const r of await db.$queryRawUnsafe<Array<{ k: string; n: bigint }>>(sql))
      out.push(`${name}{kind="${esc(r.k)}"} ${r.n}`)
  }
  await gauge(
    'stocktower_dead_letters_open',
    'Open dead letters, by kind.',
    `SELECT k::text AS k, count(d.id) AS n FROM unnest(ARRAY['ingest','publish']) k LEFT JOIN "DeadLetter" d ON d.kind::text = k AND d.status = 'open' GROUP BY k ORDER BY k`,
  )
  await gauge(
    'stocktower_findings_open',
    'Open findings, by kind.',
    `SELECT k AS k, count(f.id) AS n FROM unnest(ARRAY['drift','unverified','variance','exception','aged_reservation','slo_breach','intake_stopped']) k LEFT JOIN "Finding" f ON f.kind = k AND f.status = 'open' GROUP BY k ORDER BY k`,
  )

  out.push(
    '# HELP stocktower_stale_listings Listings waiting to apply longer than their channel SLO (settings.sloStaleAfterSeconds, default 300).',
    '# TYPE stocktower_stale_listings gauge',
  )
  for (const h of health) out.push(`stocktower_stale_listings{channel="${esc(h.code)}"} ${h.listings.stale}`)
  out.push(
    '# HELP stocktower_reservations_open_units Units held by open channel reservations.',
    '# TYPE stocktower_reservations_open_units gauge',
  )
  for (const r of await db.$queryRawUnsafe<Array<{ code: string; n: bigint }>>(
    `SELECT c.code, COALESCE(sum(r.quantity), 0) AS n FROM "Channel" c LEFT JOIN "Reservation" r ON r."channelId" = c.id AND r.status = 'open' GROUP BY c.code ORDER BY c.code`,
  ))
    out.push(`stocktower_reservations_open_units{channel="${esc(r.code)}"} ${r.n}`)
}

/** Channel health now and oversell incidents. */
async function renderChannelState(db: Db, out: string[], health: ChannelHealthView[]): Promise<void> {
  // The same verdict as the screens (channel-health.ts): 1 for the channel's current state.
  out.push(
    '# HELP stocktower_channel_health Channel health now (1 for its state: healthy, degraded, unhealthy, paused, shadow).',
    '# TYPE stocktower_channel_health gauge',
  )
  for (const h of health) out.push(`stocktower_channel_health{channel="${esc(h.code)}",state="${h.health.state}"} 1`)

  out.push(
    '# HELP stocktower_oversell_incidents_total Oversell incidents, by channel and kind.',
    '# TYPE stocktower_oversell_incidents_total counter',
  )
  for (const r of await db.$queryRawUnsafe<Array<{ channel: string; kind: string; n: bigint }>>(
    `SELECT channel, kind, count(*) AS n FROM "OversellIncident" GROUP BY 1, 2 ORDER BY 1, 2`,
  )) {
    out.push(`stocktower_oversell_incidents_total{channel="${esc(r.channel)}",kind="${esc(r.kind)}"} ${r.n}`)
  }
}

/** Retention (server/retention): what the last daily run deleted and kept, per table. */
async function renderRetention(db: Db, out: string[]): Promise<void> {
  // Retention (server/retention): what the last daily run deleted and kept, per table.
  const retention = await getRetentionReport(db)
  out.push(
    '# HELP stocktower_retention_deleted_rows Rows the last retention run deleted, by table.',
    '# TYPE stocktower_retention_deleted_rows gauge',
  )
  out.push(
    '# HELP stocktower_retention_kept_rows Rows past retention the last run kept because something still refers to them.',
    '# TYPE stocktower_retention_kept_rows gauge',
  )
  for (const t of retention?.tables ?? [])
    out.push(
      `stocktower_retention_deleted_rows{table="${esc(t.table)}"} ${t.deleted}`,
      `stocktower_retention_kept_rows{table="${esc(t.table)}"} ${t.kept}`,
    )
  out.push(
    '# HELP stocktower_retention_last_run_seconds When the last retention run finished (Unix time; 0: never).',
    '# TYPE stocktower_retention_last_run_seconds gauge',
  )
  out.push(
    `stocktower_retention_last_run_seconds ${retention?.finishedAt ? Math.floor(Date.parse(retention.finishedAt) / 1000) : 0}`,
  )
}

/** 127.0.0.0/8, ::1, 10/8, 172.16/12, 192.168/16, fc00::/7 (and IPv4-mapped forms). */
export function isPrivateAddress(addr: string | null | undefined): boolean {
  if (!addr) return false
  const a = addr.replace(/^::ffff:/, '')
  if (a === '::1' || /^f[cd][0-9a-f]{2}:/i.test(a)) return true
  const m = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(a)
  if (!m) return false
  const [x, y] = [Number(m[1]), Number(m[2])]
  return x === 127 || x === 10 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168)
}
