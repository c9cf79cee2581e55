// In-process variant of ingest-http for profiling the ingest use case with readable names (the
// Next.js build minifies them): the same events, batch size and concurrency, calling
// `ingestEvents` directly on one Prisma client, no HTTP and no Next.js. Not part of the reported
// table; run it under `--cpu-prof` to see where the use case spends its time:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/ingest-direct.ts [--events N] [--senders N] [--pg-waits]
//   npx tsx bench/profile-summary.ts /tmp/prof/<file>.cpuprofile 40 applyPositionBatch prepareEventBatch
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createPrisma } from '../server/db'
import { ingestEvents } from '../server/ingest/ingest-events'
import { batchBody, generateEvents } from './events'
import { startBenchDatabase } from './setup'
import { printWaits, sampleWaits } from './pg-waits'
import { postgresCpuSeconds } from './cpu'

async function main() {
  const argv = process.argv.slice(2)
  const arg = (n: string, d: number) => {
    const i = argv.indexOf(`--${n}`)
    return i < 0 ? d : Number(argv[i + 1])
  }
  const events = arg('events', 50_000)
  const senders = arg('senders', 4)
  const skus = arg('skus', 2000)
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktower-bench-direct-'))
  fs.chmodSync(tmp, 0o755)
  const { pg } = await startBenchDatabase({ dir: tmp, skus, log: console.log })
  const db = createPrisma(pg.url)
  try {
    const runId = crypto.randomBytes(4).toString('hex')
    const gen = (label: string, n: number, seed: number) =>
      generateEvents({ runId, label, skuCount: skus, batches: Math.round(n / 500), batchSize: 500, seed }).batches.map(
        batchBody,
      )
    const run = async (bodies: string[]) => {
      let next = 0
      await Promise.all(
        Array.from({ length: senders }, async () => {
          for (let b = bodies[next++]; b; b = bodies[next++]) {
            const r = await ingestEvents(db, { body: b })
            if (r.accepted !== 500) throw new Error(`accepted ${r.accepted}: ${JSON.stringify(r.rejected.slice(0, 3))}`)
          }
        }),
      )
    }
    await run(gen('warm', 5000, 1))
    const bodies = gen('direct', events, 2)
    const waits = argv.includes('--pg-waits') ? sampleWaits(pg.url) : null
    const cpu0 = process.cpuUsage()
    const pg0 = postgresCpuSeconds(path.join(tmp, 'pg'))
    const t0 = performance.now()
    await run(bodies)
    const s = (performance.now() - t0) / 1000
    const cpu = process.cpuUsage(cpu0)
    const pgCpu = (postgresCpuSeconds(path.join(tmp, 'pg')) ?? NaN) - (pg0 ?? NaN)
    const n = bodies.length * 500
    console.log(
      `CPU per 1,000 events: node ${(((cpu.user + cpu.system) / 1000 / n) * 1000).toFixed(0)} ms, postgres ${((pgCpu * 1e6) / n).toFixed(0)} ms`,
    )
    if (waits) printWaits(await waits.stop())
    console.log(
      `ingest-direct: ${bodies.length * 500} events in ${s.toFixed(2)} s = ${Math.round((bodies.length * 500) / s)} events/s`,
    )
  } finally {
    await db.$disconnect()
    await pg.stop()
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
