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
import { authoriseRooms, mayJoinRoom, ROOM_PATTERN } from './server/realtime/room-access'
import { createPrisma } from './server/db'
import { activeSessionUser } from './server/auth/sessions'
import { isHttps, newNonce, securityHeaders } from './server/auth/security-headers'
import { checkAuthBody } from './server/auth/body-cap'

const Subscribe = z.object({ rooms: z.array(z.string().regex(ROOM_PATTERN)).max(50) })
/** How often open sockets are re-checked against their user's current state (deactivated, signed out, role changed). */
const SOCKET_RECHECK_MS = Number(process.env.STOCKTOWER_SOCKET_RECHECK_MS ?? 10_000)

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
    const nonce = newNonce()
    const headers = securityHeaders({ nonce, https: isHttps(req.headers, 'encrypted' in req.socket && !!(req.socket as { encrypted?: boolean }).encrypted), dev })
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
    // Next reads the policy from the request to put the nonce on the scripts it renders.
    req.headers['content-security-policy'] = headers['Content-Security-Policy']
    const body = checkAuthBody(req.method, req.url, req.headers)
    if (!body.ok) {
      // Answer from the headers alone and close: nothing of the refused body is read.
      res.writeHead(body.status, { 'content-type': 'application/json', connection: 'close' })
      res.end(JSON.stringify({ error: { code: body.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'LENGTH_REQUIRED', message: body.message, ref: nonce.slice(0, 12) } }))
      req.socket.destroySoon?.()
      return
    }
    void handle(req, res)
  })
  const db = createPrisma(process.env.DATABASE_URL!, { max: 2 })

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
      // The token is 12 hours long; the user and the session must still be current now.
      const user = await activeSessionUser(db, token.sid as string | undefined, token.uid as string)
      if (!user) return nextFn(new Error('unauthorized'))
      socket.data.user = { id: user.id, role: user.role, sessionId: token.sid }
      nextFn()
    } catch {
      nextFn(new Error('unauthorized'))
    }
  })
  io.on('connection', (socket) => {
    socket.on('subscribe', async (raw: unknown, ack?: (r: unknown) => void) => {
      const parsed = Subscribe.safeParse(raw)
      if (typeof ack !== 'function') ack = undefined
      if (!parsed.success) { ack?.({ error: 'invalid rooms' }); return }
      // The role as the database has it now, not as it was when the socket connected.
      const u = socket.data.user as { id: string; sessionId?: string }
      const user = await activeSessionUser(db, u.sessionId, u.id).catch(() => null)
      if (!user) { ack?.({ error: 'unauthorized' }); socket.disconnect(true); return }
      socket.data.user = { ...u, role: user.role }
      const { allowed, refused } = authoriseRooms(user.role, parsed.data.rooms)
      for (const room of allowed) void socket.join(room)
      ack?.({ joined: allowed, refused })
    })
    socket.on('unsubscribe', (raw: unknown) => {
      const parsed = Subscribe.safeParse(raw)
      if (parsed.success) for (const room of parsed.data.rooms) void socket.leave(room)
    })
  })

  // Re-check every open socket against its user's current state: a deactivated user or an ended
  // session is disconnected, and a role that lost a permission leaves the rooms it no longer opens.
  const recheck = setInterval(() => void (async () => {
    // This process's own sockets only: every web process re-checks its own.
    for (const s of [...io.of('/').sockets.values()]) {
      const u = s.data.user as { id: string; role: string; sessionId?: string } | undefined
      if (!u) continue
      const user = await activeSessionUser(db, u.sessionId, u.id).catch(() => undefined)
      if (user === undefined) continue // the database is unreachable: decide at the next round
      if (!user) { s.disconnect(true); continue }
      if (user.role !== u.role) s.data.user = { ...u, role: user.role }
      for (const room of s.rooms) if (room !== s.id && !mayJoinRoom(user.role, room)) s.leave(room)
    }
  })(), SOCKET_RECHECK_MS)
  recheck.unref()

  server.listen(cfg.port, cfg.hostname, () => console.log(`[web] listening on http://${cfg.hostname === '0.0.0.0' || cfg.hostname === '::' ? 'localhost' : cfg.hostname}:${cfg.port}${cfg.loopbackOnly ? ' (loopback only; set HOST to expose it)' : ''}`))
  const stop = () => {
    clearInterval(recheck)
    io.close()
    server.close(() => { void Promise.allSettled([pool.end(), db.$disconnect()]).finally(() => process.exit(0)) })
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
