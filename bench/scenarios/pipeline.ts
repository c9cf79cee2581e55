// pipeline (+ live fan-out): a steady ERP stream through the running product (web + worker +
// simulators, plan 'demo', i.e. generous marketplace limits: "when the budget allows"), measured
// from the database's provenance (bench/latency.ts). Same-run baseline: a trickle of 20 events/s
// through the same stack first, i.e. the latencies of an idle system.
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import { backlog, onOwnStack, waitForDrain, waitForVerified, type ScenarioResult } from '../stack'
import { sendSteady, steadyBatches } from '../steady-sender'
import { measureLatencies } from '../latency'
import { summarize } from '../stats'
import { cpuSeconds, postgresCpuSeconds } from '../cpu'
import { connectFanout, commitToRefetch } from '../fanout'
import { memoryOf } from '../proc'
import { sampleWaits } from '../pg-waits'

export interface PipelineOptions {
  skus: number
  rates: number[]
  seconds: number
  /** POSTs per second the ERP sends (events per POST = rate / this): ingest's capacity is in transactions per second as much as in events. */
  batchesPerSecond: number
  fanoutClients: number
  drainTimeoutMs: number
  /** Sample pg_stat_activity while sending: where the database connections wait (the bottleneck's evidence). */
  pgWaits: boolean
  /** pg_stat_statements over each phase: the statements PostgreSQL spent its time on. */
  pgStatements?: boolean
}

export async function runPipeline(opt: PipelineOptions, log: (l: string) => void): Promise<ScenarioResult> {
  const S = 'pipeline'
  return onOwnStack(
    'pipeline',
    { skus: opt.skus, plan: 'demo', worker: true, log, pgStatements: opt.pgStatements },
    async (stack, { figures, notes }) => {
      const firstSync = await waitForDrain(stack.pool, 30 * 60_000)
      log(
        `[bench] pipeline: first full sync of ${opt.skus.toLocaleString('en-US')} SKUs x 4 channels in ${firstSync.toFixed(1)} s`,
      )
      // The first sync's read-backs would otherwise share the machine with the trickle baseline.
      const verified = await waitForVerified(stack.pool, 5 * 60_000)
      log(
        `[bench] pipeline: first sync verified ${verified.seconds.toFixed(1)} s later (${verified.unverified} listings still unverified)`,
      )
      const runId = crypto.randomBytes(4).toString('hex')

      const phase = async (label: string, rate: number, seconds: number, withFanout: boolean) => {
        const batch = Math.max(1, Math.round(rate / opt.batchesPerSecond))
        const bodies = steadyBatches({
          runId,
          label,
          skuCount: opt.skus,
          ratePerSecond: rate,
          seconds,
          batchSize: batch,
          seed: 1000 + rate,
        })
        const fan =
          withFanout && opt.fanoutClients > 0
            ? await connectFanout({
                url: stack!.url,
                cookie: await stack!.sessionCookie(),
                clients: opt.fanoutClients,
                log,
              })
            : null
        const since = new Date(Date.now() - 5)
        let maxDirty = 0
        let maxPending = 0
        const sampler = setInterval(() => {
          void backlog(stack!.pool).then(
            (b) => {
              maxDirty = Math.max(maxDirty, b.dirty)
              maxPending = Math.max(maxPending, b.pending)
            },
            () => {},
          )
        }, 2000)
        const webCpu0 = cpuSeconds(stack!.webPid)
        const workerCpu0 = stack!.workerPid ? cpuSeconds(stack!.workerPid) : null
        // Where the machine's CPU goes: PostgreSQL, and this process (simulators, the ERP sender, the dashboard clients).
        const pgCpu0 = postgresCpuSeconds(path.join(stack!.tmp, 'pg'))
        const benchCpu0 = process.cpuUsage()
        let webPeak = 0
        const mem = setInterval(() => {
          const m = memoryOf(stack!.webPid)
          if (m) webPeak = Math.max(webPeak, m.current)
        }, 500)
        fan?.arm()
        log(
          `[bench] pipeline ${label}: ${rate} events/s for ${seconds} s in batches of ${batch}${fan ? `, ${fan.connected} dashboard clients` : ''}`,
        )
        const waits = opt.pgWaits ? sampleWaits(stack!.databaseUrl) : null
        if (opt.pgStatements) {
          await stack!.pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
          await stack!.pool.query('SELECT pg_stat_statements_reset()')
        }
        const sent = await sendSteady(stack!.port, stack!.apiKey, bodies, batch, rate)
        if (waits) {
          const counts = await waits.stop()
          const total = [...counts.values()].reduce((a, b) => a + b, 0)
          log(`  ${label}: database connections while sending (share of non-idle samples, top 12):`)
          for (const [k, n] of [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12))
            log(`    ${((100 * n) / total).toFixed(1).padStart(5)}%  ${k}`)
        }
        const webCpu = webCpu0 === null ? null : (cpuSeconds(stack!.webPid)! - webCpu0) / sent.seconds
        const workerCpu = workerCpu0 === null ? null : (cpuSeconds(stack!.workerPid!)! - workerCpu0) / sent.seconds
        const pgCpu =
          pgCpu0 === null ? null : (postgresCpuSeconds(path.join(stack!.tmp, 'pg'))! - pgCpu0) / sent.seconds
        const benchUsage = process.cpuUsage(benchCpu0)
        const benchCpu = (benchUsage.user + benchUsage.system) / 1e6 / sent.seconds
        clearInterval(mem)
        const fanResult = fan ? await fan.stop() : null
        let drainSeconds: number | null = null
        try {
          drainSeconds = await waitForDrain(stack!.pool, opt.drainTimeoutMs)
        } catch (e) {
          notes.push(`pipeline ${label}: ${(e as Error).message}`)
        }
        clearInterval(sampler)
        if (opt.pgStatements) await logTopStatements(stack!.pool, label, log)
        if (sent.failures.length > 0)
          throw new Error(`pipeline ${label}: ${sent.failures.length} batches failed, e.g. ${sent.failures[0]}`)
        const lat = await measureLatencies(stack!.pool, { keyPrefix: `bench:${runId}:${label}:`, since })
        if (lat.events !== sent.sent)
          throw new Error(`pipeline ${label}: the ledger holds ${lat.events} of the ${sent.sent} events sent`)
        const ack = summarize(sent.ackMs)
        const dec = summarize(lat.toDecision)
        const call = summarize(lat.toCall)
        log(
          `  ${label}: achieved ${(sent.sent / sent.seconds).toFixed(0)} events/s (${sent.lateStarts} late sends, ${sent.retries} resent after a connection reset); ack p50/p99 ${fmt(ack.p50)}/${fmt(ack.p99)} ms; ` +
            `event->decision p50/p99 ${fmt(dec.p50)}/${fmt(dec.p99)} ms (${dec.n} event x channel pairs, ${lat.undecided} without a new decision); ` +
            `event->call p50/p99 ${fmt(call.p50)}/${fmt(call.p99)} ms (${call.n}, ${lat.notCalled} not called); backlog peak ${maxDirty} SKUs to decide, ${maxPending} listings to send; ` +
            `drained ${drainSeconds === null ? 'not within the timeout' : `${drainSeconds.toFixed(1)} s after the last send`}; web CPU ${fmtCpu(webCpu)}, worker CPU ${fmtCpu(workerCpu)}, PostgreSQL CPU ${fmtCpu(pgCpu)}, bench process (simulators, sender, clients) CPU ${fmtCpu(benchCpu)}, of ${os.cpus().length} cores`,
        )
        for (const [ch, xs] of Object.entries(lat.toCallByChannel)) {
          const s = summarize(xs)
          log(`    ${ch}: event->call p50/p99 ${fmt(s.p50)}/${fmt(s.p99)} ms over ${s.n}`)
        }
        let fanFigures: {
          p99: number | null
          n: number
          cpu: number | null
          peak: number
          unresolved: number
          failed: number
          events: number
          errors: string[]
        } | null = null
        if (fanResult) {
          const r = await commitToRefetch(stack!.pool, fanResult.cycles)
          const s = summarize(r.samples)
          fanFigures = {
            p99: s.p99,
            n: s.n,
            cpu: webCpu,
            peak: webPeak,
            unresolved: r.unresolved,
            failed: r.failed,
            events: fanResult.events,
            errors: fanResult.errors,
          }
          log(
            `  fan-out: ${fanResult.events} events delivered to ${opt.fanoutClients} clients, ${s.n} refetches, commit->refetch p50/p99 ${fmt(s.p50)}/${fmt(s.p99)} ms ` +
              `(${r.unresolved} unresolved, ${r.failed} non-200, ${fanResult.errors.length} errors${fanResult.errors.length ? `, e.g. ${fanResult.errors[0]}` : ''}); web RSS up to ${webPeak.toFixed(0)} MiB, web CPU ${fmtCpu(webCpu)}`,
          )
        }
        return {
          ack,
          dec,
          call,
          lat,
          drainSeconds,
          maxPending,
          maxDirty,
          fan: fanFigures,
          achieved: sent.sent / sent.seconds,
        }
      }

      const base = await phase('trickle', 20, 10, false)
      for (const [i, rate] of opt.rates.entries()) {
        const r = await phase(`r${rate}`, rate, opt.seconds, i === 0)
        const at = `@${rate}/s`
        figures.push(
          {
            scenario: S,
            name: `achieved rate ${at}`,
            value: r.achieved,
            unit: 'ev/s',
            goal: { op: '>=', value: rate * 0.98 },
          },
          {
            scenario: S,
            name: `sender ack p99 ${at}`,
            value: r.ack.p99,
            unit: 'ms',
            goal: { op: '<=', value: 50 },
            baseline: { label: 'trickle 20/s', value: base.ack.p99 },
          },
          {
            scenario: S,
            name: `event->decision p99 ${at}`,
            value: r.dec.p99,
            unit: 'ms',
            goal: { op: '<=', value: 250 },
            baseline: { label: 'trickle 20/s', value: base.dec.p99 },
          },
          {
            scenario: S,
            name: `event->channel call p99 ${at}`,
            value: r.call.p99,
            unit: 'ms',
            goal: { op: '<', value: 1000 },
            baseline: { label: 'trickle 20/s', value: base.call.p99 },
          },
          {
            scenario: S,
            name: `listing calls overlapping ${at}`,
            value: r.lat.overlapping,
            unit: '',
            goal: { op: '<=', value: 0 },
            note: `${r.lat.attempts} attempts`,
          },
          {
            scenario: S,
            name: `older version sent after newer ${at}`,
            value: r.lat.outOfOrder,
            unit: '',
            goal: { op: '<=', value: 0 },
          },
        )
        if (r.fan) {
          figures.push(
            {
              scenario: 'fan-out',
              name: `commit->refetch p99 (${opt.fanoutClients} clients ${at})`,
              value: r.fan.p99,
              unit: 'ms',
              goal: { op: '<=', value: 2000 },
              note: `${r.fan.n} refetches, 1 s coalescing as the page does`,
            },
            {
              scenario: 'fan-out',
              name: `web CPU ${at}`,
              value: r.fan.cpu === null ? null : 100 * r.fan.cpu,
              unit: '% of a core',
            },
            { scenario: 'fan-out', name: `web RSS peak ${at}`, value: r.fan.peak, unit: 'MiB' },
          )
        }
      }
      notes.push(
        `pipeline: ${opt.skus.toLocaleString('en-US')} SKUs, ${opt.seconds} s per rate, simulators on the 'demo' plan; first full sync ${firstSync.toFixed(1)} s. ` +
          "event time = LedgerEvent.receivedAt; decision = AvailabilityDecision.decidedAt (the recompute's snapshot time, committed in the same transaction); channel call = PublishAttempt.startedAt.",
      )
    },
  )
}

const fmt = (v: number | null) => (v === null ? 'n/a' : Math.round(v).toString())
const fmtCpu = (v: number | null) => (v === null ? 'n/a' : `${Math.round(100 * v)}%`)

/** The statements PostgreSQL spent the phase on (sending and draining), by total execution time. */
async function logTopStatements(pool: import('pg').Pool, label: string, log: (l: string) => void): Promise<void> {
  const r = await pool.query<{ calls: string; total: number; mean: number; rows: string; query: string }>(
    `SELECT calls::text, total_exec_time AS total, mean_exec_time AS mean, rows::text, regexp_replace(query, '\\s+', ' ', 'g') AS query
       FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      ORDER BY total_exec_time DESC LIMIT 12`,
  )
  const all = Number(
    (
      await pool.query<{ t: number }>(
        `SELECT sum(total_exec_time) AS t FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      )
    ).rows[0].t,
  )
  log(
    `  ${label}: PostgreSQL statements by execution time (pg_stat_statements, phase and drain; ${(all / 1000).toFixed(1)} s in all):`,
  )
  for (const x of r.rows)
    log(
      `    ${((100 * x.total) / all).toFixed(1).padStart(5)}%  ${(x.total / 1000).toFixed(1).padStart(6)} s  ${x.calls.padStart(7)} calls  ${x.mean.toFixed(1).padStart(7)} ms  ${x.query.slice(0, 150)}`,
    )
}
