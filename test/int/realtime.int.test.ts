// Workers push to browsers through PostgreSQL NOTIFY into the web process's socket.io Postgres
// adapter. This runs both ends for real (socket.io server + adapter, a socket.io client, our
// worker-side transport) on a real database, and proves an event reaches exactly the sockets in
// its rooms.
import { createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import pg from 'pg'
import { Server } from 'socket.io'
import { createAdapter } from '@socket.io/postgres-adapter'
import { io as connect, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresTransport, broadcastMessages } from '../../server/realtime/postgres-emitter'
import { emitListingsChanged, emitStockChanged, setRealtimeTransport, skuChunks } from '../../server/realtime/publisher'
import { createTestDatabase, type TestDatabase } from './helpers/test-db'

let t: TestDatabase
let http: HttpServer
let ioServer: Server
let webPool: pg.Pool
let workerPool: pg.Pool
const clients: Socket[] = []

async function client(rooms: string[]): Promise<{ socket: Socket; received: unknown[] }> {
  const { port } = http.address() as AddressInfo
  const socket = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'] })
  clients.push(socket)
  const received: unknown[] = []
  socket.on('listings.changed', (p: unknown) => received.push(p))
  await new Promise<void>((resolve) => socket.on('connect', () => socket.emit('subscribe', { rooms }, () => resolve())))
  return { socket, received }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

beforeAll(async () => {
  t = await createTestDatabase()
  webPool = new pg.Pool({ connectionString: t.url, max: 3 })
  workerPool = new pg.Pool({ connectionString: t.url, max: 2 })
  http = createServer()
  ioServer = new Server(http)
  ioServer.adapter(createAdapter(webPool))
  ioServer.on('connection', (socket) => {
    socket.on('subscribe', (raw: { rooms: string[] }, ack: () => void) => {
      for (const r of raw.rooms) void socket.join(r)
      ack()
    })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
})

afterAll(async () => {
  for (const c of clients) c.close()
  await new Promise<void>((resolve) => ioServer.close(() => resolve()))
  await workerPool.end()
  await webPool.end().catch(() => {})
  await t.drop()
})

describe('realtime from workers', () => {
  it('a worker-side emit reaches the browsers in its rooms, once, and no one else', async () => {
    const dashboard = await client(['dashboard'])
    const sku = await client(['sku:SKU-00001', 'dashboard'])
    const other = await client(['sku:SKU-00002'])
    // The adapter LISTENs asynchronously after start: resend until the first delivery (no sleeps).
    const transport = postgresTransport(workerPool, 'worker-test')
    const payload = { skus: ['SKU-00001'], channels: ['shopify'] }
    const started = Date.now()
    while (dashboard.received.length === 0 && Date.now() - started < 10_000) {
      transport.emit(['dashboard', 'sku:SKU-00001'], 'listings.changed', payload)
      await new Promise((r) => setTimeout(r, 100))
    }
    const sent = dashboard.received.length
    await until(() => sku.received.length >= sent, 'the SKU page socket')
    expect(dashboard.received[0]).toEqual(payload)
    // In two of the rooms, but each broadcast arrives once.
    expect(sku.received.length).toBe(sent)
    transport.emit(['sku:SKU-00002'], 'listings.changed', { skus: ['SKU-00002'], channels: [] })
    await until(() => other.received.length === 1, 'the other SKU socket')
    expect(other.received).toEqual([{ skus: ['SKU-00002'], channels: [] }])
  })

  it("splits a broadcast to many rooms so each NOTIFY stays under PostgreSQL's 8000-byte limit", () => {
    const rooms = Array.from({ length: 400 }, (_, i) => `sku:SKU-${String(i).padStart(5, '0')}`)
    const messages = broadcastMessages('w', rooms, 'listings.changed', {
      skus: rooms.slice(0, 200).map((r) => r.slice(4)),
      channels: ['shopify'],
    })
    expect(messages.length).toBeGreaterThan(1)
    for (const m of messages) expect(Buffer.byteLength(m)).toBeLessThanOrEqual(7_500)
    expect(messages.flatMap((m) => JSON.parse(m).data.opts.rooms as string[])).toEqual(rooms)
  })

  it('a batch of thousands of listings reaches the page of any SKU in it, not just the first few hundred', async () => {
    const skus = Array.from({ length: 2_500 }, (_, i) => `SKU-${String(i + 1).padStart(5, '0')}`)
    const late = await client(['sku:SKU-02400'])
    const dashboard = await client(['dashboard'])
    const sent: string[] = []
    const transport = postgresTransport(workerPool, 'worker-test')
    setRealtimeTransport({
      emit: (rooms, event, payload) => {
        sent.push(...broadcastMessages('w', rooms, event, payload))
        transport.emit(rooms, event, payload)
      },
    })
    emitListingsChanged(skus, ['amazon'])
    await until(
      () => late.received.length === 1 && dashboard.received.length === 1,
      'the SKU-02400 page and the dashboard',
    )
    expect(late.received[0]).toMatchObject({ channels: ['amazon'], skus: expect.arrayContaining(['SKU-02400']) })
    // The dashboard hears once, with a sample; every SKU room is covered by exactly one message.
    expect((dashboard.received[0] as { skus: string[] }).skus).toHaveLength(200)
    for (const m of sent) expect(Buffer.byteLength(m)).toBeLessThanOrEqual(7_500)
    expect(sent.slice(1).flatMap((m) => JSON.parse(m).data.opts.rooms as string[])).toEqual(skus.map((s) => `sku:${s}`))
  })

  it('stock moves reach every SKU page of a large batch too, in messages NOTIFY takes (long SKU codes included)', () => {
    const skus = [
      ...Array.from({ length: 3_000 }, (_, i) => `SKU-${String(i).padStart(5, '0')}`),
      ...Array.from({ length: 50 }, (_, i) => `LONG-${'X'.repeat(60)}-${i}`),
    ]
    const chunks = skuChunks([...skus, ...skus.slice(0, 10)])
    expect(chunks.flat()).toEqual(skus)
    const sent: string[] = []
    setRealtimeTransport({
      emit: (rooms, event, payload) => {
        sent.push(...broadcastMessages('w', rooms, event, payload))
      },
    })
    emitStockChanged(skus)
    expect(sent.flatMap((m) => JSON.parse(m).data.opts.rooms as string[])).toEqual(skus.map((s) => `sku:${s}`))
    for (const m of sent) expect(Buffer.byteLength(m)).toBeLessThanOrEqual(7_500)
  })
})
