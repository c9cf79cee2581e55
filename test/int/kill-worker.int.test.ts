// A worker killed in the middle of a file (SIGKILL: no cleanup, transaction open) loses nothing
// and applies nothing twice: the file's transaction rolls back, the janitor of the next worker
// frees the dead worker's job lock, and the file is ingested once, whole.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { createDemoTestDatabase, type TestDatabase } from './helpers/test-db'

const root = path.resolve(__dirname, '..', '..')
let t: TestDatabase
let db: PrismaClient
let dataDir: string
const workers: ChildProcess[] = []
const ROWS = 150_000
const SOURCE = 'wms-drop'

beforeAll(async () => {
  t = await createDemoTestDatabase({ skuCount: 20 })
  db = t.db
  // Nothing to publish to in this test: keep the channels out of the way.
  await db.channel.updateMany({ data: { status: 'paused' } })
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stk-kill-'))
  fs.mkdirSync(path.join(dataDir, 'inbox', SOURCE), { recursive: true })
})
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL')
  await t?.drop()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

function startWorker(): ChildProcess {
  const env = {
    ...process.env,
    DATABASE_URL: t.url,
    STOCKTOWER_DATA_DIR: dataDir,
    STOCKTOWER_DEMO: 'off',
    STOCKTOWER_WORKER_CONCURRENCY: '2',
    STOCKTOWER_INBOX_POLL_MS: '200',
    STOCKTOWER_WORKER_DEAD_AFTER_MS: '2000',
    NEXTAUTH_SECRET: 'x',
  }
  const w = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'workers', 'main.ts')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  w.stdout!.resume()
  w.stderr!.resume()
  workers.push(w)
  return w
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const onHand = async () =>
  (
    await db.$queryRawUnsafe<Array<{ n: number }>>(
      `SELECT p."onHand" AS n FROM "Position" p JOIN "Sku" s ON s.id = p."skuId" JOIN "Location" l ON l.id = p."locationId" WHERE s.code = 'SKU-00007' AND l.code = '3PL-CENTRAL'`,
    )
  )[0]?.n ?? 0
const ledgerRows = () => db.ledgerEvent.count({ where: { source: SOURCE } })

describe('a worker killed mid-file', () => {
  it('loses nothing and applies nothing twice', async () => {
    const before = await onHand()
    const lines = ['idempotency_key,type,sku,location,quantity,occurred_at']
    for (let i = 0; i < ROWS; i++) lines.push(`k-${i},receipt,SKU-00007,3PL-CENTRAL,1,2026-11-22T12:00:00Z`)
    // Written aside, then renamed in: what a well-behaved sender does.
    const tmp = path.join(dataDir, 'inbox', 'big.tmp')
    fs.writeFileSync(tmp, lines.join('\n'))
    const first = startWorker()
    fs.renameSync(tmp, path.join(dataDir, 'inbox', SOURCE, 'big.csv'))

    // The file is claimed and stored, and its job is running: some of its events are written
    // inside the still-open transaction.
    const message = await until('the file to be stored', () =>
      db.inboundMessage.findFirst({ where: { source: SOURCE, fileName: 'big.csv', status: 'received' } }),
    )
    await until('the ingest transaction to be writing', async () => {
      const rows = await db.$queryRawUnsafe<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state IN ('active', 'idle in transaction') AND query ILIKE '%INSERT INTO "LedgerEvent"%'`,
      )
      return rows[0].n > 0
    })
    first.kill('SIGKILL')
    await new Promise<void>((r) =>
      first.exitCode !== null || first.signalCode !== null ? r() : first.once('exit', () => r()),
    )

    // Nothing of the file is visible: its transaction died with the worker.
    expect(await ledgerRows()).toBe(0)
    expect(await onHand()).toBe(before)
    expect((await db.inboundMessage.findUniqueOrThrow({ where: { id: message.id } })).status).toBe('received')

    // A new worker frees the dead one's lock and ingests the file once, whole.
    startWorker()
    const done = await until(
      'the file to be ingested',
      async () => {
        const m = await db.inboundMessage.findUniqueOrThrow({ where: { id: message.id } })
        return m.status === 'processed' ? m : null
      },
      120_000,
    )
    expect(done.accepted).toBe(ROWS)
    expect(done.duplicates).toBe(0)
    expect(await ledgerRows()).toBe(ROWS)
    expect(await onHand()).toBe(before + ROWS)
    await until('the file to be moved', async () =>
      fs.existsSync(path.join(dataDir, 'inbox', SOURCE, 'processed', 'big.csv')),
    )
  }, 240_000)
})
