// A web process for multi-process tests, run as a child (`node --import tsx`): the product's public
// API route handlers (route-server.ts, no `next build`) and socket.io wired exactly as web-server.ts
// wires it (attachRealtime with the Postgres adapter, socketIoTransport, next-auth's token reader).
// Prints `WEB <url>` once listening. A line `EMIT <room> <event>` on stdin emits an event from this
// process (the test checks it reaches browsers of the other web process); SIGTERM drains and exits.
import path from 'node:path'
import readline from 'node:readline'
import pg from 'pg'
import { getToken } from 'next-auth/jwt'
import { startRouteServer } from './route-server'
import { attachRealtime, socketIoTransport } from '../../../server/realtime/socket-server'
import { emitRealtime, setRealtimeTransport, type RealtimeEventName } from '../../../server/realtime/publisher'
import { prisma } from '../../../server/db'

async function main() {
  const api = await startRouteServer(path.resolve(__dirname, '..', '..', '..', 'app'), ['v1'])
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 3 })
  pool.on('error', () => {})
  const realtime = attachRealtime(api.server, {
    db: prisma(),
    pool,
    readToken: (req) => getToken({ req: req as never, secret: process.env.NEXTAUTH_SECRET }),
    recheckMs: 60_000,
  })
  setRealtimeTransport(socketIoTransport(realtime.io))
  readline.createInterface({ input: process.stdin }).on('line', (l) => {
    const [cmd, room, event] = l.split(' ')
    if (cmd === 'EMIT') emitRealtime([room], event as RealtimeEventName, { kind: `from-${process.pid}` } as never)
  })
  process.on('SIGTERM', () => {
    void realtime
      .close()
      .finally(() => void Promise.allSettled([pool.end(), prisma().$disconnect()]).finally(() => process.exit(0)))
  })
  process.stdout.write(`WEB ${api.url}\n`)
}

main().catch((e) => {
  console.error('[web-role] fatal:', e)
  process.exit(1)
})
