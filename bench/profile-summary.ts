// Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof`): the functions with the most
// self time, and the total time spent under each of the given frames (inclusive).
// Usage: npx tsx bench/profile-summary.ts [--after <function>] <file.cpuprofile> [top=40] [frame-name ...]
import fs from 'node:fs'

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
  positionTicks?: Array<{ line: number; ticks: number }>
}
interface Profile {
  nodes: Node[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

// `--after <function>`: count only samples from the first one inside <function> on (skips start-up).
const argv = process.argv.slice(2)
const afterAt = argv.indexOf('--after')
const after = afterAt >= 0 ? argv.splice(afterAt, 2)[1] : null
const [file, topArg, ...frames] = argv
if (!file) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top] [frame ...]')
  process.exit(2)
}
const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile
const top = Number(topArg ?? 40)
const byId = new Map(p.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const inside = (id: number, name: string) => {
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur))
    if (byId.get(cur)!.callFrame.functionName === name) return true
  return false
}
const start = after
  ? Math.max(
      0,
      p.samples.findIndex((id) => inside(id, after)),
    )
  : 0
const selfUs = new Map<number, number>()
p.samples.forEach((id, i) => {
  if (i >= start) selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0))
})
const total = [...selfUs.values()].reduce((a, b) => a + b, 0)
const label = (n: Node) =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*node_modules\//, '~/').replace(/^file:\/\/.*?\/stocktower-bench-app\//, '')}:${n.callFrame.lineNumber + 1}`

const self = new Map<string, number>()
for (const [id, us] of selfUs) {
  const k = label(byId.get(id)!)
  self.set(k, (self.get(k) ?? 0) + us)
}
console.log(`profile: ${(total / 1e6).toFixed(1)} s sampled`)
for (const [k, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${(us / 1e3).toFixed(0).padStart(8)} ms  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`)

// Self time by package (or by source file outside node_modules).
const byPackage = new Map<string, number>()
for (const [id, us] of selfUs) {
  const url = byId.get(id)!.callFrame.url
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  const k = m
    ? m[1]
    : url
      ? url.replace(/^file:\/\/.*?\/stocktower-bench-app[^/]*\//, '')
      : byId.get(id)!.callFrame.functionName || '(native)'
  byPackage.set(k, (byPackage.get(k) ?? 0) + us)
}
console.log('\nself time by package / file:')
for (const [k, us] of [...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25))
  console.log(`${(us / 1e3).toFixed(0).padStart(8)} ms  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`)

// Hot lines of the given functions (from the samples' position ticks), when the profile has them.
for (const f of frames) {
  const lines = new Map<string, number>()
  for (const n of p.nodes) {
    if (n.callFrame.functionName !== f) continue
    for (const t of n.positionTicks ?? []) {
      const k = `${n.callFrame.url.replace(/^.*\//, '')}:${t.line}`
      lines.set(k, (lines.get(k) ?? 0) + t.ticks)
    }
  }
  if (lines.size === 0) continue
  console.log(`\nhot lines of ${f} (samples):`)
  for (const [k, n] of [...lines.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(`${String(n).padStart(8)}  ${k}`)
}

for (const f of frames) {
  let inclusive = 0
  for (const [id, us] of selfUs) {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      if (byId.get(cur)!.callFrame.functionName === f) {
        inclusive += us
        break
      }
    }
  }
  console.log(`inclusive ${f}: ${(inclusive / 1e3).toFixed(0)} ms (${((100 * inclusive) / total).toFixed(1)}%)`)
}
