// socket.io rooms against the role table, for real: the web process's socket server
// (server/realtime/socket-server.ts) on a real database, real socket.io clients holding real
// next-auth session tokens. Every room kind x every role, allowed and refused; a deactivated user
// or an ended session is disconnected; a demoted user leaves the rooms the new role does not open.
import { createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import pg from 'pg'
import { encode, getToken } from 'next-auth/jwt'
import { io as connect, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { createTestDatabase, type TestDatabase } from './helpers/test-db'
import { attachRealtime, type RealtimeServer } from '../../server/realtime/socket-server'
import { ROOM_KINDS } from '../../server/realtime/room-access'
import { ROLES, can, type Role } from '../../server/auth/permissions'
import { roomAction } from '../../server/realtime/room-access'
import { endSession, startSession } from '../../server/auth/sessions'

const SECRET = 'socket-rooms-test-secret'
let t: TestDatabase
let db: PrismaClient
let http: HttpServer
let pool: pg.Pool
let rt: RealtimeServer
const clients: Socket[] = []

beforeAll(async () => {
  t = await createTestDatabase()
  db = t.db
  pool = new pg.Pool({ connectionString: t.url, max: 3 })
  http = createServer()
  rt = attachRealtime(http, {
    db,
    pool,
    readToken: (req) => getToken({ req: req as never, secret: SECRET }),
    recheckMs: 3_600_000,
    log: () => {},
  })
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()))
})
afterAll(async () => {
  for (const c of clients) c.close()
  await rt.close()
  await new Promise<void>((r) => http.close(() => r()))
  await pool.end()
  await t.drop()
})

async function user(role: Role, email = `${role}-${Math.random().toString(36).slice(2)}@example.com`) {
  const u = await db.user.create({ data: { email, name: role, role, passwordHash: 'x' } })
  const sid = await startSession(db, u.id)
  return {
    id: u.id,
    sid,
    cookie: `next-auth.session-token=${await encode({ token: { uid: u.id, role, sid }, secret: SECRET })}`,
  }
}

async function connectAs(cookie: string | null): Promise<Socket> {
  const { port } = http.address() as AddressInfo
  const socket = connect(`http://127.0.0.1:${port}`, {
    path: '/socket.io',
    transports: ['websocket'],
    extraHeaders: cookie ? { cookie } : {},
    reconnection: false,
  })
  clients.push(socket)
  await new Promise<void>((resolve, reject) => {
    socket.on('connect', () => resolve())
    socket.on('connect_error', (e) => reject(e))
  })
  return socket
}

const subscribe = (s: Socket, rooms: string[]) =>
  new Promise<{ joined?: string[]; refused?: string[]; error?: string }>((r) => s.emit('subscribe', { rooms }, r))

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe('socket rooms by role', () => {
  it('refuses a socket without a session token, or with a forged one', async () => {
    await expect(connectAs(null)).rejects.toThrow(/unauthorized/)
    const forged = `next-auth.session-token=${await encode({ token: { uid: '00000000-0000-0000-0000-000000000000', role: 'admin', sid: '00000000-0000-0000-0000-000000000000' }, secret: 'another secret' })}`
    await expect(connectAs(forged)).rejects.toThrow(/unauthorized/)
  })

  it('every room kind x every role: joined exactly when the role table opens its screen (an executive may not join dead-letters)', async () => {
    for (const role of ROLES) {
      const u = await user(role)
      const s = await connectAs(u.cookie)
      const r = await subscribe(s, [...ROOM_KINDS])
      const expected = ROOM_KINDS.filter((room) => can(role, roomAction(room)!))
      expect(r.joined, role).toEqual(expected)
      expect(r.refused, role).toEqual(ROOM_KINDS.filter((room) => !expected.includes(room)))
      const server = rt.io
        .of('/')
        .sockets.get(
          [...rt.io.of('/').sockets.keys()].find((id) => rt.io.of('/').sockets.get(id)!.data.user?.id === u.id)!,
        )!
      for (const room of ROOM_KINDS) expect(server.rooms.has(room), `${role} in ${room}`).toBe(expected.includes(room))
      s.close()
    }
    const exec = await user('executive')
    const s = await connectAs(exec.cookie)
    expect(await subscribe(s, ['dead-letters'])).toEqual({ joined: [], refused: ['dead-letters'] })
    expect(await subscribe(s, ['not-a-room'])).toEqual({ error: 'invalid rooms' })
  })

  it('a deactivated user and an ended session are disconnected; a demoted user leaves rooms the new role does not open', async () => {
    const a = await user('support')
    const sa = await connectAs(a.cookie)
    expect((await subscribe(sa, ['dead-letters', 'dashboard'])).joined).toEqual(['dead-letters', 'dashboard'])
    const b = await user('analyst')
    const sb = await connectAs(b.cookie)
    const c = await user('support')
    const sc = await connectAs(c.cookie)
    expect((await subscribe(sc, ['dead-letters', 'dashboard'])).joined).toEqual(['dead-letters', 'dashboard'])

    await db.user.update({ where: { id: a.id }, data: { active: false } })
    await endSession(db, b.sid)
    await db.user.update({ where: { id: c.id }, data: { role: 'executive' } })
    await rt.recheckNow()
    await until(() => !sa.connected && !sb.connected, 'the deactivated user and the ended session to be disconnected')
    expect(sc.connected).toBe(true)
    const server = [...rt.io.of('/').sockets.values()].find((x) => x.data.user?.id === c.id)!
    expect(server.rooms.has('dead-letters')).toBe(false)
    expect(server.rooms.has('dashboard')).toBe(true)
    // And a new subscribe is judged by the current role.
    expect(await subscribe(sc, ['dead-letters'])).toEqual({ joined: [], refused: ['dead-letters'] })
    // A token of a signed-out session cannot open a new socket either.
    await expect(connectAs(b.cookie)).rejects.toThrow(/unauthorized/)
  })
})
