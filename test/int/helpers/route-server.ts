// The product's route handlers (app/api/**/route.ts) served over real HTTP, as Next serves them:
// one node:http server, a path matched to its route file (dynamic segments become decoded
// params, as Next passes them), the request handed over as a web Request and the Response written
// back. No `next build` (minutes on two cores), so a suite can throw thousands of requests at the
// real handlers and the real database in about a minute. A handler that throws instead of
// answering is recorded as a crash (Next would answer 500).
import http from 'node:http'
import path from 'node:path'
import { readdirSync, statSync } from 'node:fs'

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>
interface Route {
  file: string
  segments: string[]
  methods: Record<string, Handler>
}

export interface RouteServer {
  url: string
  /** The HTTP server (socket.io attaches to it in the web-role child of the scale-out test). */
  server: http.Server
  routes: Array<{ pattern: string; methods: string[] }>
  crashes: Array<{ method: string; path: string; error: string }>
  close(): Promise<void>
}

function routeFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name)
    if (statSync(p).isDirectory()) out.push(...routeFiles(p))
    else if (name === 'route.ts') out.push(p)
  }
  return out
}

/** Serves every route under `roots` (folders of app/api), e.g. ['v1', 'ui']. */
export async function startRouteServer(appDir: string, roots: string[]): Promise<RouteServer> {
  const routes: Route[] = []
  for (const root of roots) {
    for (const file of routeFiles(path.join(appDir, 'api', root))) {
      const rel = path.relative(path.join(appDir, 'api'), path.dirname(file)).split(path.sep)
      const mod = (await import(file)) as Record<string, unknown>
      const methods: Record<string, Handler> = {}
      for (const m of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])
        if (typeof mod[m] === 'function') methods[m] = mod[m] as Handler
      routes.push({ file, segments: ['api', ...rel], methods })
    }
  }
  // Static segments win over dynamic ones, as in Next.
  routes.sort(
    (a, b) => a.segments.filter((s) => s.startsWith('[')).length - b.segments.filter((s) => s.startsWith('[')).length,
  )
  const crashes: RouteServer['crashes'] = []

  const match = (parts: string[]): { route: Route; params: Record<string, string> } | null => {
    for (const route of routes) {
      if (route.segments.length !== parts.length) continue
      const params: Record<string, string> = {}
      let ok = true
      for (let i = 0; i < parts.length && ok; i++) {
        const s = route.segments[i]
        if (s.startsWith('[')) {
          // Next hands route handlers decoded params (a segment it cannot decode stays as sent).
          try {
            params[s.slice(1, -1)] = decodeURIComponent(parts[i])
          } catch {
            params[s.slice(1, -1)] = parts[i]
          }
        } else ok = s === parts[i]
      }
      if (ok) return { route, params }
    }
    return null
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const parts = url.pathname.split('/').filter(Boolean)
    const found = match(parts)
    const handler = found?.route.methods[req.method ?? 'GET']
    if (!found || !handler) {
      res.writeHead(found ? 405 : 404).end()
      return
    }
    try {
      const headers = new Headers()
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v)
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
      const request = new Request(url, {
        method: req.method,
        headers,
        body: hasBody ? (ReadableStreamFromNode(req) as unknown as BodyInit) : undefined,
        ...(hasBody ? { duplex: 'half' } : {}),
      } as RequestInit)
      const response = await handler(request, { params: Promise.resolve(found.params) })
      res.writeHead(response.status, Object.fromEntries(response.headers))
      if (response.body) {
        const reader = response.body.getReader()
        for (;;) {
          const r = await reader.read()
          if (r.done) break
          res.write(r.value)
        }
      }
      res.end()
    } catch (e) {
      crashes.push({ method: req.method ?? '', path: req.url ?? '', error: String((e as Error)?.stack ?? e) })
      if (!res.headersSent) res.writeHead(500)
      res.end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    routes: routes.map((r) => ({ pattern: `/${r.segments.join('/')}`, methods: Object.keys(r.methods) })),
    crashes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function ReadableStreamFromNode(req: http.IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on('data', (c: Buffer) => controller.enqueue(new Uint8Array(c)))
      req.on('end', () => controller.close())
      req.on('error', (e) => controller.error(e))
    },
    cancel() {
      req.resume()
    },
  })
}
