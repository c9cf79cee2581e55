// socket.io on the web process's HTTP server: only signed-in users get a socket (the same
// next-auth session cookie pages use), a room is joined only when the user's role opens its
// screen (room-access.ts), and every open socket is re-checked against the user's current state:
// a deactivated user or an ended session is disconnected, a role that lost a permission leaves the
// rooms it no longer opens. Extracted from web-server.ts so tests run exactly this. The session
// cookie is decoded by the caller's `readToken` (web-server.ts passes next-auth's getToken): server/
// stays framework-free (docs/architecture.md).
import type { Server as HttpServer, IncomingHttpHeaders } from 'node:http'
import pg from 'pg'
import { Server, type Socket } from 'socket.io'
import { createAdapter } from '@socket.io/postgres-adapter'
import { z } from 'zod'
import type { Db } from '../db'
import { activeSessionUser } from '../auth/sessions'
import { authoriseRooms, mayJoinRoom, ROOM_PATTERN } from './room-access'
import type { RealtimeTransport } from './publisher'

const Subscribe = z.object({ rooms: z.array(z.string().regex(ROOM_PATTERN)).max(50) })

interface SocketUser {
  id: string
  role: string
  sessionId?: string
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=')
    if (i <= 0) continue
    const name = part.slice(0, i).trim()
    try {
      out[name] = decodeURIComponent(part.slice(i + 1).trim())
    } catch {
      out[name] = part.slice(i + 1).trim()
    }
  }
  return out
}

/** The request as next-auth's getToken reads it: headers, and cookies parsed into an object. */
export interface TokenRequest {
  headers: IncomingHttpHeaders
  cookies: Record<string, string>
}
/** The decoded session token's claims (uid, sid), or null when there is no valid token. */
export type ReadToken = (req: TokenRequest) => Promise<Record<string, unknown> | null>

export interface RealtimeServer {
  io: Server
  recheckNow(): Promise<void>
  close(): Promise<void>
}

type AttachOptions = { db: Db; pool: pg.Pool; readToken: ReadToken; recheckMs: number; log?: (l: string) => void }

export function attachRealtime(http: HttpServer, opts: AttachOptions): RealtimeServer {
  const warn = opts.log ?? ((l: string) => console.warn(l))
  const io = new Server(http, { path: '/socket.io', serveClient: false })
  io.adapter(createAdapter(opts.pool, { errorHandler: (e) => warn(`[realtime] adapter: ${e.message}`) }))
  io.use(authenticate(opts))
  io.on('connection', (socket) => {
    socket.on('subscribe', (raw: unknown, ack?: (r: unknown) => void) =>
      subscribe(opts.db, socket, raw, typeof ack === 'function' ? ack : () => {}),
    )
    socket.on('unsubscribe', (raw: unknown) => {
      const parsed = Subscribe.safeParse(raw)
      if (parsed.success) for (const room of parsed.data.rooms) void socket.leave(room)
    })
  })

  const recheckNow = () => recheckSockets(opts.db, io)
  let checking = false
  const timer = setInterval(() => {
    if (checking) return
    checking = true
    void recheckNow().finally(() => {
      checking = false
    })
  }, opts.recheckMs)
  timer.unref()

  return {
    io,
    recheckNow,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer)
        io.close(() => resolve())
      }),
  }
}

/** The handshake: a next-auth session token whose user and session are still current. */
function authenticate(opts: AttachOptions): Parameters<Server['use']>[0] {
  return async (socket, nextFn) => {
    try {
      // next-auth reads `req.cookies` as an object; a raw Node request only has the header.
      const token = await opts.readToken({
        headers: socket.request.headers,
        cookies: parseCookies(socket.request.headers.cookie),
      })
      if (!token?.uid) return nextFn(new Error('unauthorized'))
      // The token lives 12 hours; the user and the session must still be current now.
      const user = await activeSessionUser(opts.db, token.sid as string | undefined, token.uid as string)
      if (!user) return nextFn(new Error('unauthorized'))
      socket.data.user = { id: user.id, role: user.role, sessionId: token.sid as string } satisfies SocketUser
      nextFn()
    } catch {
      nextFn(new Error('unauthorized'))
    }
  }
}

/** Joins the rooms the user's role may see now (the role as the database has it, not as it was at connect). */
async function subscribe(db: Db, socket: Socket, raw: unknown, reply: (r: unknown) => void): Promise<void> {
  const parsed = Subscribe.safeParse(raw)
  if (!parsed.success) {
    reply({ error: 'invalid rooms' })
    return
  }
  const u = socket.data.user as SocketUser
  const user = await activeSessionUser(db, u.sessionId, u.id).catch(() => null)
  if (!user) {
    reply({ error: 'unauthorized' })
    socket.disconnect(true)
    return
  }
  socket.data.user = { ...u, role: user.role }
  const { allowed, refused } = authoriseRooms(user.role, parsed.data.rooms)
  for (const room of allowed) void socket.join(room)
  reply({ joined: allowed, refused })
}

/** This process's own sockets only (every web process re-checks its own): gone users out, rooms a new role may not see left. */
async function recheckSockets(db: Db, io: Server): Promise<void> {
  for (const s of [...io.of('/').sockets.values()]) {
    const u = s.data.user as SocketUser | undefined
    if (!u) continue
    const user = await activeSessionUser(db, u.sessionId, u.id).catch(() => undefined)
    if (user === undefined) continue // the database is unreachable: decide at the next round
    if (!user) {
      s.disconnect(true)
      continue
    }
    if (user.role !== u.role) s.data.user = { ...u, role: user.role }
    for (const room of s.rooms) if (room !== s.id && !mayJoinRoom(user.role, room)) void s.leave(room)
  }
}

/**
 * How a web process sends its own events: through socket.io, whose Postgres adapter delivers to
 * this process's sockets and NOTIFYs every other web process (each delivers to its own sockets
 * once). Events from workers arrive by the same NOTIFY channel (postgres-emitter.ts), so every
 * browser hears every event once, whichever web process it is connected to.
 */
export function socketIoTransport(io: Server): RealtimeTransport {
  return {
    emit: (rooms, event, payload) => {
      io.to(rooms).emit(event, payload)
    },
  }
}
