// Pure helpers of the bench: percentiles over latency samples and the figures every scenario reports
// (a value beside its goal and, where one exists, a baseline measured in the same run). No I/O here,
// so test/unit/bench/stats.test.ts covers it.

/** Nearest-rank percentile (p in 0..100) of unsorted samples; null for none. */
export function percentile(samples: readonly number[], p: number): number | null {
  if (samples.length === 0) return null
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile ${p} is not within 0..100`)
  const sorted = Float64Array.from(samples).sort()
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1]
}

export interface Summary {
  n: number
  p50: number | null
  p95: number | null
  p99: number | null
  max: number | null
}

/** n, p50, p95, p99 and max of samples in one sort. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) return { n: 0, p50: null, p95: null, p99: null, max: null }
  const sorted = Float64Array.from(samples).sort()
  const at = (p: number) => sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]
  return { n: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1] }
}

export type GoalOp = '<=' | '<' | '>=' | '>'
export interface Goal {
  op: GoalOp
  value: number
}

/** One number a scenario measured, with its goal and the baseline it is read against. */
export interface Figure {
  scenario: string
  /** e.g. "sender ack p99 @1000/s". Unique within a scenario. */
  name: string
  value: number | null
  unit: string
  goal?: Goal
  /** A same-run reference (raw pg, an idle system, the documented limit...). */
  baseline?: { label: string; value: number | null; unit?: string }
  note?: string
}

/** true/false when the figure has a goal and a value, null otherwise. */
export function meetsGoal(f: Pick<Figure, 'value' | 'goal'>): boolean | null {
  if (!f.goal || f.value === null || !Number.isFinite(f.value)) return f.goal && f.value !== null ? false : null
  const { op, value } = f.goal
  return op === '<='
    ? f.value <= value
    : op === '<'
      ? f.value < value
      : op === '>='
        ? f.value >= value
        : f.value > value
}

export function formatNumber(v: number | null, unit = ''): string {
  if (v === null) return 'n/a'
  if (!Number.isFinite(v)) return String(v)
  const abs = Math.abs(v)
  const s =
    abs >= 100 || Number.isInteger(v) ? Math.round(v).toLocaleString('en-US') : abs >= 10 ? v.toFixed(1) : v.toFixed(2)
  return unit ? `${s} ${unit}` : s
}

/** A fixed-width table of figures: value, goal, verdict, baseline. */
export function formatFigures(figures: readonly Figure[]): string[] {
  const head = ['scenario', 'figure', 'value', 'goal', 'ok', 'same-run baseline']
  const rows = figures.map((f) => {
    const ok = meetsGoal(f)
    return [
      f.scenario,
      f.name,
      formatNumber(f.value, f.unit),
      f.goal ? `${f.goal.op} ${formatNumber(f.goal.value, f.unit)}` : '',
      ok === null ? '' : ok ? 'yes' : 'NO',
      f.baseline ? `${f.baseline.label}: ${formatNumber(f.baseline.value, f.baseline.unit ?? f.unit)}` : '',
    ]
  })
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)]
}

/** What one `npm run bench` writes to bench/results/<timestamp>.json. */
export interface BenchRun {
  startedAt: string
  finishedAt?: string
  commit: string | null
  node: string
  cores: number
  /** /proc/loadavg's three averages at the start and at the end. */
  loadAverage: { start: number[]; end?: number[] }
  scale: 'default' | 'full'
  options: Record<string, unknown>
  figures: Figure[]
  notes: string[]
}

export interface Comparison {
  scenario: string
  name: string
  unit: string
  a: number | null
  b: number | null
  change: number | null
  better: boolean | null
}

/**
 * Figures of two runs side by side (matched by scenario and name): the relative change b/a - 1,
 * and whether b is better, judged by the goal's direction (lower is better for <= and <).
 * Figures only in one run are listed with the other side null.
 */
export function compareRuns(a: Pick<BenchRun, 'figures'>, b: Pick<BenchRun, 'figures'>): Comparison[] {
  const key = (f: Figure) => `${f.scenario}\u0000${f.name}`
  const inB = new Map(b.figures.map((f) => [key(f), f]))
  const out: Comparison[] = []
  const seen = new Set<string>()
  for (const fa of a.figures) {
    const fb = inB.get(key(fa))
    seen.add(key(fa))
    out.push(compareOne(fa, fb))
  }
  for (const fb of b.figures)
    if (!seen.has(key(fb)))
      out.push({
        scenario: fb.scenario,
        name: fb.name,
        unit: fb.unit,
        a: null,
        b: fb.value,
        change: null,
        better: null,
      })
  return out
}

function compareOne(fa: Figure, fb: Figure | undefined): Comparison {
  const a = fa.value
  const b = fb?.value ?? null
  const change = a !== null && b !== null && a !== 0 ? b / a - 1 : null
  const goal = fa.goal ?? fb?.goal
  const lowerIsBetter = goal ? goal.op === '<=' || goal.op === '<' : null
  const better = a === null || b === null || lowerIsBetter === null || a === b ? null : lowerIsBetter ? b < a : b > a
  return { scenario: fa.scenario, name: fa.name, unit: fa.unit, a, b, change, better }
}

export function formatComparison(rows: readonly Comparison[]): string[] {
  const head = ['scenario', 'figure', 'a', 'b', 'change', '']
  const cells = rows.map((r) => [
    r.scenario,
    r.name,
    formatNumber(r.a, r.unit),
    formatNumber(r.b, r.unit),
    r.change === null ? '' : `${r.change >= 0 ? '+' : ''}${(100 * r.change).toFixed(1)}%`,
    r.better === null ? '' : r.better ? 'better' : 'worse',
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)))
  const line = (c: string[]) =>
    c
      .map((x, i) => (i >= 2 && i <= 4 ? x.padStart(widths[i]) : x.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)]
}

/**
 * For each event (a key such as SKU x location, an order such as its ledger id), the index of the
 * earliest mark (by time) with the same key covering an order >= the event's; -1 when none does.
 * E.g. marks = decisions, one per input event id they were computed from: the first decision that
 * saw the event (arrival order per SKU x location is ledger id order).
 */
export function firstCoveringMark(
  events: ReadonlyArray<{ key: string; order: number }>,
  marks: ReadonlyArray<{ key: string; order: number; at: number }>,
): number[] {
  const byKey = new Map<string, number[]>()
  for (let i = 0; i < marks.length; i++) {
    let list = byKey.get(marks[i].key)
    if (!list) byKey.set(marks[i].key, (list = []))
    list.push(i)
  }
  // Per key: mark indexes by order, with the earliest mark over every mark of that order or higher.
  const suffix = new Map<string, { orders: number[]; best: number[] }>()
  for (const [k, list] of byKey) {
    list.sort((x, y) => marks[x].order - marks[y].order)
    const best = new Array<number>(list.length)
    let b = -1
    for (let i = list.length - 1; i >= 0; i--) {
      if (b < 0 || marks[list[i]].at < marks[b].at) b = list[i]
      best[i] = b
    }
    suffix.set(k, { orders: list.map((x) => marks[x].order), best })
  }
  return events.map((e) => {
    const s = suffix.get(e.key)
    if (!s) return -1
    let lo = 0
    let hi = s.orders.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (s.orders[mid] < e.order) lo = mid + 1
      else hi = mid
    }
    return lo < s.orders.length ? s.best[lo] : -1
  })
}
