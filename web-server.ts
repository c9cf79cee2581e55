// Web process: Next.js and socket.io on one HTTP server. socket.io uses the Postgres adapter so
// any web copy can push to any browser, and workers emit through the same channel.
import { createServer } from 'node:http'
import path from 'node:path'
import next from 'next'
import pg from 'pg'
import { config } from './server/env'
import { setRealtimeTransport } from './server/realtime/publisher'
import { getToken } from 'next-auth/jwt'
import { decodeSessionToken } from './app/_lib/session-jwt'
import { attachRealtime, socketIoTransport } from './server/realtime/socket-server'
import { createPrisma } from './server/db'
import { clientAddressOf, isHttps, newNonce, securityHeaders } from './server/auth/security-headers'
import { checkAuthBody } from './server/auth/body-cap'
import { pruneWindows } from './server/auth/rate-window'
import { shutdownGraceMs } from './server/runtime/process-role'

/** How often open sockets are re-checked against their user's current state (deactivated, signed out, role changed). */
const SOCKET_RECHECK_MS = Number(process.env.STOCKTOWER_SOCKET_RECHECK_MS ?? 10_000)
/**
 * Connections waiting to be accepted. Node's default (511) overflows when hundreds of open
 * dashboards refetch after the same event while the event loop is busy: the kernel then drops
 * the SYNs and clients, the ERP's sender among them, see connect timeouts (fan-out bench, 500
 * clients). The kernel caps it at net.core.somaxconn.
 */
const LISTEN_BACKLOG = 4096
/**
 * How long an idle keep-alive connection stays open. Node's 5 s is shorter than the idle timeout of
 * the proxies in front of a web process (nginx's upstream keepalive 60 s, AWS ALB 60 s), so a proxy
 * (or any client: the e2e suite's request context met it as ECONNRESET) reusing a connection the
 * server just closed gets a reset. 65 s outlasts them; headers must arrive within a second more.
 */
const KEEP_ALIVE_MS = 65_000

async function main() {
  const cfg = config()
  const dev = process.env.NODE_ENV !== 'production'
  const app = next({ dev, hostname: cfg.hostname, port: cfg.port, dir: path.resolve(__dirname) })
  await app.prepare()
  const handle = app.getRequestHandler()
  const server = createServer((req, res) => {
    // The only trustworthy client address is the socket's (or, with STOCKTOWER_TRUST_PROXY=on, what
    // our own proxy appended); never a header a client chose.
    req.headers['x-stocktower-remote-addr'] = clientAddressOf(
      req.socket.remoteAddress,
      req.headers['x-forwarded-for'],
      cfg.trustProxy,
    )
    const nonce = newNonce()
    const headers = securityHeaders({
      nonce,
      https: isHttps(req.headers, 'encrypted' in req.socket && !!(req.socket as { encrypted?: boolean }).encrypted),
      dev,
    })
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
    // Next reads the policy from the request to put the nonce on the scripts it renders.
    req.headers['content-security-policy'] = headers['Content-Security-Policy']
    const body = checkAuthBody(req.method, req.url, req.headers)
    if (!body.ok) {
      // Answer from the headers alone and close: nothing of the refused body is read.
      res.writeHead(body.status, { 'content-type': 'application/json', connection: 'close' })
      res.end(
        JSON.stringify({
          error: {
            code: body.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'LENGTH_REQUIRED',
            message: body.message,
            ref: nonce.slice(0, 12),
          },
        }),
      )
      req.socket.destroySoon?.()
      return
    }
    void handle(req, res)
  })
  const db = createPrisma(process.env.DATABASE_URL!, { max: 2 })

  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 3 })
  // An idle connection dropped by the server (PostgreSQL restarting or stopping first) is not fatal.
  pool.on('error', (e) => console.warn('[realtime] database connection lost:', e.message))
  const realtime = attachRealtime(server, {
    db,
    pool,
    readToken: (req) =>
      getToken({ req: req as never, secret: process.env.NEXTAUTH_SECRET, decode: decodeSessionToken }),
    recheckMs: SOCKET_RECHECK_MS,
  })
  const io = realtime.io
  setRealtimeTransport(socketIoTransport(io))

  // Rate-limit windows older than a day are history (any web process may prune; it is idempotent).
  const prune = setInterval(() => void pruneWindows(db).catch(() => {}), 3600_000)
  prune.unref()

  server.keepAliveTimeout = KEEP_ALIVE_MS
  server.headersTimeout = KEEP_ALIVE_MS + 1_000
  server.listen({ port: cfg.port, host: cfg.hostname, backlog: LISTEN_BACKLOG }, () =>
    console.log(
      `[web] listening on http://${cfg.hostname === '0.0.0.0' || cfg.hostname === '::' ? 'localhost' : cfg.hostname}:${cfg.port}${cfg.loopbackOnly ? ' (loopback only; set HOST to expose it)' : ''}`,
    ),
  )
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    // Drain: stop accepting connections, let requests in flight finish (idle keep-alive
    // connections close now), hand browsers' sockets over (they reconnect through the proxy to
    // another web process); exit when all is done or the grace period is over.
    clearInterval(prune)
    console.log('[web] stopping: draining requests in flight')
    void realtime.close()
    server.close(() => {
      void Promise.allSettled([pool.end(), db.$disconnect()]).finally(() => process.exit(0))
    })
    server.closeIdleConnections()
    setTimeout(() => process.exit(0), Math.max(5_000, shutdownGraceMs())).unref()
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
