// /api/health names the degraded part: the database, workers, the supervisor's view of restarts,
// and durable commits, while keeping CONTRACT's 200/503 meaning (only critical checks make 503).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { createTestDatabase, type TestDatabase } from './helpers/test-db'
import { createPrisma } from '../../server/db'
import { getHealth } from '../../server/health/get-health'
import { writeSupervisorState } from '../../server/runtime/supervisor'

let t: TestDatabase
let db: PrismaClient
let dataDir: string

beforeAll(async () => {
  t = await createTestDatabase()
  db = t.db
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stk-health-'))
})
afterAll(async () => {
  await t.drop()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('health', () => {
  it('no worker: 503 with workers degraded; commits are durable (synchronous_commit on)', async () => {
    const h = await getHealth(db, { demo: false })
    expect(h.status).toBe('unavailable')
    expect(h.degraded).toEqual(['workers'])
    expect(h.checks.find((c) => c.name === 'durable commits')).toMatchObject({ ok: true, part: 'database' })
    expect(h.checks.find((c) => c.name === 'database')).toMatchObject({ ok: true })
  })

  it('a live worker: 200; a part the supervisor is restarting is reported degraded without a 503', async () => {
    await db.workerHeartbeat.create({
      data: { id: 'w1', kind: 'worker', pid: 1, startedAt: new Date(), lastSeenAt: new Date() },
    })
    expect((await getHealth(db, { demo: false, dataDir })).status).toBe('ok')
    writeSupervisorState(dataDir, {
      pid: 1,
      parts: {
        database: {
          state: 'running',
          restarts: 1,
          lastExit: 'SIGKILL at 2026-12-02T10:00:00.000Z',
          since: new Date().toISOString(),
          pid: 2,
        },
        worker: {
          state: 'restarting',
          restarts: 3,
          lastExit: '1 at 2026-12-02T10:00:05.000Z',
          since: new Date().toISOString(),
          pid: null,
        },
      },
    })
    const h = await getHealth(db, { demo: false, dataDir })
    expect(h.status).toBe('ok')
    expect(h.degraded).toEqual(['supervisor'])
    expect(h.checks.find((c) => c.name === 'supervisor')).toMatchObject({
      ok: false,
      critical: false,
      detail: 'restarting: worker',
    })
  })

  it('synchronous_commit off is reported (degraded database) but does not turn health into 503', async () => {
    const url = new URL(t.url)
    url.searchParams.set('options', '-c synchronous_commit=off')
    const lax = createPrisma(url.toString(), { max: 1 })
    try {
      const h = await getHealth(lax, { demo: false })
      expect(h.checks.find((c) => c.name === 'durable commits')).toMatchObject({ ok: false, critical: false })
      expect(h.degraded).toContain('database')
      expect(h.status).toBe('ok')
    } finally {
      await lax.$disconnect()
    }
  })

  it('the database unreachable: 503 naming the database, one check instead of a cascade', async () => {
    const gone = createPrisma('postgresql://nobody:nothing@127.0.0.1:1/none', { max: 1 })
    try {
      const h = await getHealth(gone, { demo: false })
      expect(h.status).toBe('unavailable')
      expect(h.degraded).toEqual(['database'])
      expect(h.checks.map((c) => c.name)).toEqual(['database'])
    } finally {
      await gone.$disconnect().catch(() => {})
    }
  })
})
