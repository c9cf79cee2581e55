// Web process: Next.js and socket.io on one HTTP server. socket.io uses the Postgres adapter so
// any web copy can push to any browser, and workers emit through the same channel.
import { createServer } from 'node:http'
import path from 'node:path'
import next from 'next'
import pg from 'pg'
import { Server } from 'socket.io'
import { createAdapter } from '@socket.io/postgres-adapter'
import { getToken } from 'next-auth/jwt'
import { z } from 'zod'
import { config } from './server/env'
import { setRealtimeTransport } from './server/realtime/publisher'

const Subscribe = z.object({ rooms: z.array(z.string().regex(/^(dashboard|dead-letters|kpis|findings|sku:[A-Za-z0-9._-]{1,64}|channel:[a-z0-9-]{1,40})$/)).max(50) })

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=')
    if (i <= 0) continue
    const name = part.slice(0, i).trim()
    try { out[name] = decodeURIComponent(part.slice(i + 1).trim()) } catch { out[name] = part.slice(i + 1).trim() }
  }
  return out
}

async function main() {
  const cfg = config()
  const dev = process.env.NODE_ENV !== 'production'
  const app = next({ dev, hostname: cfg.hostname, port: cfg.port, dir: path.resolve(__dirname) })
  await app.prepare()
  const handle = app.getRequestHandler()
  const server = createServer((req, res) => {
    // The only trustworthy client address is the socket's; never a header a client sent.
    req.headers['x-stocktower-remote-addr'] = req.socket.remoteAddress ?? ''
    void handle(req, res)
  })

  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 3 })
  // An idle connection dropped by the server (PostgreSQL restarting or stopping first) is not fatal.
  pool.on('error', (e) => console.warn('[realtime] database connection lost:', e.message))
  const io = new Server(server, { path: '/socket.io', serveClient: false })
  io.adapter(createAdapter(pool, { errorHandler: (e) => console.warn('[realtime] adapter:', e.message) }))
  setRealtimeTransport({ emit: (rooms, event, payload) => { io.to(rooms).emit(event, payload) } })

  // Only signed-in users get a socket; the session cookie is the same one pages use.
  io.use(async (socket, nextFn) => {
    try {
      // next-auth reads `req.cookies` as an object; a raw Node request only has the header.
      const token = await getToken({ req: { headers: socket.request.headers, cookies: parseCookies(socket.request.headers.cookie) } as never, secret: process.env.NEXTAUTH_SECRET })
      if (!token?.uid) return nextFn(new Error('unauthorized'))
      socket.data.user = { id: token.uid, role: token.role }
      nextFn()
    } catch {
      nextFn(new Error('unauthorized'))
    }
  })
  io.on('connection', (socket) => {
    socket.on('subscribe', (raw: unknown, ack?: (r: unknown) => void) => {
      const parsed = Subscribe.safeParse(raw)
      if (!parsed.success) { ack?.({ error: 'invalid rooms' }); return }
      for (const room of parsed.data.rooms) void socket.join(room)
      ack?.({ joined: parsed.data.rooms })
    })
    socket.on('unsubscribe', (raw: unknown) => {
      const parsed = Subscribe.safeParse(raw)
      if (parsed.success) for (const room of parsed.data.rooms) void socket.leave(room)
    })
  })

  server.listen(cfg.port, cfg.hostname, () => console.log(`[web] listening on http://${cfg.hostname === '0.0.0.0' ? 'localhost' : cfg.hostname}:${cfg.port}`))
  const stop = () => {
    io.close()
    server.close(() => { void pool.end().finally(() => process.exit(0)) })
    setTimeout(() => process.exit(0), 5_000).unref()
  }
  // Under `npm start` a terminal's Ctrl-C reaches every process; the orchestrator then stops us
  // with SIGTERM in a safe order (web and workers, simulators, PostgreSQL), so ignore it here.
  process.on('SIGINT', process.env.STOCKTOWER_MANAGED === '1' ? () => {} : stop)
  process.on('SIGTERM', stop)
}

main().catch((e) => {
  console.error('[web] fatal:', e)
  process.exit(1)
})
