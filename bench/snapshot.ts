// Bench scenario "snapshot-1m": a million-row CSV snapshot streamed through the real web process
// (POST /api/v1/snapshots, chunked upload, never buffered) and then read back and compared by the
// same use case a worker runs (processSnapshot), in this process. Prints rows/s for both phases
// and the resident memory of each process sampled while it works: flat memory means the peak stays
// near the baseline however many rows there are.
import fs from 'node:fs'
import http from 'node:http'
import { collectResponse } from './http'
import v8 from 'node:v8'
import vm from 'node:vm'
import { createPrisma } from '../server/db'
import { processSnapshot } from '../server/reconciliation/process-snapshot'

export interface SnapshotBenchOptions {
  port: number
  apiKey: string
  databaseUrl: string
  webPid: number
  rows: number
  skus: number
  log: (line: string) => void
}

export interface SnapshotBenchResult {
  rows: number
  uploadSeconds: number
  processSeconds: number
  webRssBaselineMiB: number
  webRssPeakMiB: number
  workerRssBaselineMiB: number
  workerRssPeakMiB: number
  /** Live JS heap after a forced GC, every 100,000 rows: flat memory means these stay level. */
  workerLiveHeapMiB: number[]
  findings: number
}

/** A callable gc() without restarting node with --expose-gc. */
function gcFunction(): () => void {
  v8.setFlagsFromString('--expose-gc')
  return vm.runInNewContext('gc') as () => void
}

function rssMiB(pid: number): number {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(s)?.[1] ?? NaN) / 1024
  } catch {
    return NaN
  }
}

function sampler(pid: number) {
  const baseline = rssMiB(pid)
  let peak = baseline
  const timer = setInterval(() => {
    const r = rssMiB(pid)
    if (r > peak) peak = r
  }, 100)
  return {
    baseline,
    stop: () => {
      clearInterval(timer)
      return peak
    },
  }
}

const LOCATIONS = ['DC-EAST', 'DC-WEST', '3PL-CENTRAL']

/** Rows cycle through the catalogue (the last line for a SKU x location wins), every 7th off by one. */
function* csvLines(rows: number, skus: number): Generator<string> {
  yield 'sku,location,on_hand,quarantined,damaged\n'
  let block = ''
  for (let i = 0; i < rows; i++) {
    const sku = `SKU-${String((i % skus) + 1).padStart(5, '0')}`
    const loc = LOCATIONS[Math.floor(i / skus) % LOCATIONS.length]
    block += `${sku},${loc},${(i % 7 === 0 ? 1 : 0) + (i % 50)},0,0\n`
    if (block.length > 64 * 1024) {
      yield block
      block = ''
    }
  }
  if (block) yield block
}

function upload(opts: SnapshotBenchOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: opts.port,
        path: '/api/v1/snapshots?mode=partial&source=erp-demo',
        method: 'POST',
        headers: { 'content-type': 'text/csv', 'transfer-encoding': 'chunked', authorization: `Bearer ${opts.apiKey}` },
      },
      collectResponse(({ status, text }) => resolve({ status, body: text }), reject),
    )
    req.on('error', reject)
    const lines = csvLines(opts.rows, opts.skus)
    const pump = () => {
      for (;;) {
        const next = lines.next()
        if (next.done) {
          req.end()
          return
        }
        if (!req.write(next.value)) {
          req.once('drain', pump)
          return
        }
      }
    }
    pump()
  })
}

export async function runSnapshotBench(opts: SnapshotBenchOptions): Promise<SnapshotBenchResult> {
  const web = sampler(opts.webPid)
  let t0 = Date.now()
  const res = await upload(opts)
  const uploadSeconds = (Date.now() - t0) / 1000
  const webRssPeakMiB = web.stop()
  if (res.status !== 202) throw new Error(`snapshot upload answered ${res.status}: ${res.body.slice(0, 300)}`)
  const { snapshotId, rows } = JSON.parse(res.body) as { snapshotId: string; rows: number }
  if (rows !== opts.rows) throw new Error(`snapshot counted ${rows} rows, sent ${opts.rows}`)
  opts.log(
    `[bench] snapshot-1m: uploaded ${rows.toLocaleString('en-US')} rows in ${uploadSeconds.toFixed(1)} s; comparing...`,
  )

  const db = createPrisma(opts.databaseUrl, { max: 4 })
  try {
    const gc = gcFunction()
    gc()
    const worker = sampler(process.pid)
    t0 = Date.now()
    let lastLog = 0
    let lastHeap = 0
    const live: number[] = []
    const r = await processSnapshot(db, snapshotId, {
      onProgress: (n) => {
        if (n - lastHeap >= 100_000) {
          lastHeap = n
          gc()
          live.push(process.memoryUsage().heapUsed / 1024 ** 2)
        }
        if (n - lastLog >= 250_000) {
          lastLog = n
          opts.log(`[bench] snapshot-1m: ${n.toLocaleString('en-US')} rows compared`)
        }
      },
    })
    const processSeconds = (Date.now() - t0) / 1000
    const workerRssPeakMiB = worker.stop()
    if (r.status !== 'completed') throw new Error(`snapshot ended ${r.status}`)
    return {
      rows,
      uploadSeconds,
      processSeconds,
      webRssBaselineMiB: web.baseline,
      webRssPeakMiB,
      workerRssBaselineMiB: worker.baseline,
      workerRssPeakMiB,
      workerLiveHeapMiB: live,
      findings: r.findings,
    }
  } finally {
    await db.$disconnect()
  }
}
