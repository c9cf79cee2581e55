// The house's arrows, checked on every `npm test` (docs/architecture.md names them):
// - no import cycle inside server/ (type-only imports count: a cycle of types is still a cycle);
// - server/ is framework-free: it imports nothing from app/, components/, workers/, nor next,
//   next-auth or react;
// - components/ (browser code) never reaches the database: no server/db, no Prisma;
// - app/ holds no queries of its own (route handlers and pages call server/ use cases and read models).
// A small parser of import / export-from / import() statements walks the TypeScript sources; it
// needs no dependency and prints every offending edge or cycle as a path a reader can follow.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '../../..')
const SOURCE = /\.(ts|tsx|mts)$/

/** Known debt: edges the check tolerates until they are fixed. Keep this list empty or short. */
const ALLOWED_EDGES: ReadonlyArray<{ from: string; to: string; why: string }> = []

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) walk(full, out)
    else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full)
  }
  return out
}

/** Every module specifier a file imports or re-exports, comments stripped first. */
export function specifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1')
  const found: string[] = []
  const patterns = [
    /\bimport\s+(?:type\s+)?[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, // import x from '...', import { a } from '...'
    /\bimport\s*['"]([^'"]+)['"]/g, // import '...' (side effect)
    /\bexport\s+(?:type\s+)?(?:\*(?:\s+as\s+\w+)?|\{[^}]*\})\s*from\s*['"]([^'"]+)['"]/g, // export ... from '...'
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, // import('...')
  ]
  for (const re of patterns) for (const m of code.matchAll(re)) found.push(m[1])
  return found
}

/** The repository file a specifier names (relative or '@/'), or null for a package. */
function resolveLocal(from: string, spec: string): string | null {
  let base: string
  if (spec.startsWith('@/')) base = path.join(ROOT, spec.slice(2))
  else if (spec.startsWith('.')) base = path.resolve(path.dirname(from), spec)
  else return null
  const candidates = [
    base,
    `${base}.ts`,
    `${base}.tsx`,
    `${base}.mts`,
    path.join(base, 'index.ts'),
    path.join(base, 'index.tsx'),
  ]
  for (const c of candidates) if (fs.existsSync(c) && fs.statSync(c).isFile()) return c
  return base // unresolved (an asset, a generated file): still checked by folder
}

const rel = (f: string) => path.relative(ROOT, f).split(path.sep).join('/')
const packageOf = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0])

interface Edge {
  from: string
  to: string
  spec: string
}

function graph(dirs: string[]): Edge[] {
  const edges: Edge[] = []
  for (const dir of dirs) {
    const abs = path.join(ROOT, dir)
    if (!fs.existsSync(abs)) continue
    for (const file of walk(abs)) {
      for (const spec of specifiers(fs.readFileSync(file, 'utf8'))) {
        const local = resolveLocal(file, spec)
        edges.push({ from: rel(file), to: local ? rel(local) : spec, spec })
      }
    }
  }
  return edges
}

const allowed = (e: Edge) => ALLOWED_EDGES.some((a) => a.from === e.from && a.to === e.to)

/** Strongly connected components of size > 1 (or self-loops), each as one concrete cycle path. */
export function findCycles(edges: Array<{ from: string; to: string }>): string[][] {
  const adj = new Map<string, string[]>()
  for (const e of edges) {
    if (!adj.has(e.from)) adj.set(e.from, [])
    adj.get(e.from)!.push(e.to)
  }
  let index = 0
  const idx = new Map<string, number>(),
    low = new Map<string, number>(),
    onStack = new Set<string>(),
    stack: string[] = []
  const components: string[][] = []
  const strong = (v: string) => {
    idx.set(v, index)
    low.set(v, index)
    index++
    stack.push(v)
    onStack.add(v)
    for (const w of adj.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!))
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        comp.push(w)
      } while (w !== v)
      if (comp.length > 1 || (adj.get(v) ?? []).includes(v)) components.push(comp)
    }
  }
  for (const v of adj.keys()) if (!idx.has(v)) strong(v)
  // One readable cycle per component: a shortest path back to its first (sorted) member.
  return components.map((comp) => {
    const members = new Set(comp)
    const start = [...comp].sort()[0]
    const prev = new Map<string, string>()
    const queue = [start]
    const seen = new Set([start])
    while (queue.length) {
      const v = queue.shift()!
      for (const w of adj.get(v) ?? []) {
        if (!members.has(w)) continue
        if (w === start) {
          const cycle = [v]
          while (cycle[0] !== start) cycle.unshift(prev.get(cycle[0])!)
          return [...cycle, start]
        }
        if (!seen.has(w)) {
          seen.add(w)
          prev.set(w, v)
          queue.push(w)
        }
      }
    }
    return [...comp, comp[0]]
  })
}

describe('architecture: what may import what', () => {
  it('the parser sees every form of import the code uses', () => {
    const src = `import a from './a'\nimport type { B } from "./b"\nimport {\n  c,\n  d,\n} from '@/server/c'\nimport './side'\nexport * from './e'\nexport { f } from './f'\nexport type { G } from './g'\nconst h = await import('./h')\n// import x from './commented'\n/* import y from './blocked' */`
    expect(specifiers(src).sort()).toEqual(['./a', './b', './e', './f', './g', './h', './side', '@/server/c'].sort())
  })

  it('the cycle finder names a cycle as a path and ignores a tree', () => {
    expect(
      findCycles([
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'a', to: 'c' },
      ]),
    ).toEqual([])
    expect(
      findCycles([
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'c', to: 'a' },
        { from: 'c', to: 'd' },
      ]),
    ).toEqual([['a', 'b', 'c', 'a']])
  })

  it('server/ has no import cycle', () => {
    const edges = graph(['server']).filter((e) => e.to.startsWith('server/') && !allowed(e))
    expect(edges.length).toBeGreaterThan(100) // the walk found the code
    const cycles = findCycles(edges).map((c) => c.join('\n    -> '))
    expect(cycles, `import cycles in server/:\n  ${cycles.join('\n  ')}`).toEqual([])
  })

  it('server/ is framework-free: no app/, components/, workers/, next, next-auth or react', () => {
    const forbiddenFolders = ['app/', 'components/', 'workers/']
    const forbiddenPackages = new Set(['next', 'next-auth', 'react', 'react-dom'])
    const bad = graph(['server'])
      .filter((e) => forbiddenFolders.some((f) => e.to.startsWith(f)) || forbiddenPackages.has(packageOf(e.spec)))
      .filter((e) => !allowed(e))
      .map((e) => `${e.from} -> ${e.spec}`)
    expect(bad, `server/ imports what it must not:\n  ${bad.join('\n  ')}`).toEqual([])
  })

  it('components/ never reach the database (server/db, Prisma)', () => {
    const bad = graph(['components'])
      .filter(
        (e) =>
          e.to === 'server/db.ts' ||
          e.to.startsWith('server/db/') ||
          packageOf(e.spec) === '@prisma/client' ||
          packageOf(e.spec).startsWith('@prisma/'),
      )
      .filter((e) => !allowed(e))
      .map((e) => `${e.from} -> ${e.spec}`)
    expect(bad, `components/ import the database:\n  ${bad.join('\n  ')}`).toEqual([])
  })

  it('app/ reads and writes through server/ use cases: no queries of its own (Prisma model calls or SQL)', () => {
    const QUERY =
      /\.\$(queryRaw|executeRaw)\w*\s*[(`<]|\b(prisma\(\)|db|tx)\.[a-z]\w*\.(findMany|findFirst|findUnique|findUniqueOrThrow|findFirstOrThrow|count|aggregate|groupBy|create|createMany|update|updateMany|upsert|delete|deleteMany)\s*\(/
    const bad: string[] = []
    for (const file of walk(path.join(ROOT, 'app'))) {
      fs.readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (QUERY.test(line)) bad.push(`${rel(file)}:${i + 1}: ${line.trim().slice(0, 120)}`)
        })
    }
    expect(
      bad,
      `app/ queries the database itself; move the query into a server/ read model:\n  ${bad.join('\n  ')}`,
    ).toEqual([])
  })
})
