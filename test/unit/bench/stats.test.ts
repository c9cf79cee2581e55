import { describe, expect, it } from 'vitest'
import {
  compareRuns,
  firstCoveringMark,
  formatFigures,
  meetsGoal,
  percentile,
  summarize,
  type Figure,
} from '../../../bench/stats'

describe('bench percentiles', () => {
  it('nearest rank, unsorted input, empty gives null', () => {
    const xs = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6]
    expect(percentile(xs, 50)).toBe(5)
    expect(percentile(xs, 90)).toBe(9)
    expect(percentile(xs, 99)).toBe(10)
    expect(percentile(xs, 0)).toBe(1)
    expect(percentile([], 99)).toBeNull()
    expect(() => percentile(xs, 101)).toThrow(/0\.\.100/)
  })

  it('summarize agrees with percentile and does not reorder its input', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000)
    const copy = [...xs]
    expect(summarize(xs)).toEqual({
      n: 1000,
      p50: percentile(xs, 50),
      p95: percentile(xs, 95),
      p99: percentile(xs, 99),
      max: 999,
    })
    expect(summarize(xs).p99).toBe(989)
    expect(xs).toEqual(copy)
    expect(summarize([])).toEqual({ n: 0, p50: null, p95: null, p99: null, max: null })
  })
})

describe('bench goals and comparison', () => {
  it('a goal is met by its operator; no goal or no value is null, a missing value with a goal fails', () => {
    expect(meetsGoal({ value: 50, goal: { op: '<=', value: 50 } })).toBe(true)
    expect(meetsGoal({ value: 50, goal: { op: '<', value: 50 } })).toBe(false)
    expect(meetsGoal({ value: 0.36, goal: { op: '>=', value: 0.35 } })).toBe(true)
    expect(meetsGoal({ value: 3, goal: undefined })).toBeNull()
    expect(meetsGoal({ value: null, goal: undefined })).toBeNull()
    expect(meetsGoal({ value: Number.POSITIVE_INFINITY, goal: { op: '<=', value: 1 } })).toBe(false)
  })

  it('compares two runs by scenario and name, judging "better" by the goal direction', () => {
    const f = (name: string, value: number | null, op: '<=' | '>=' = '<='): Figure => ({
      scenario: 'pipeline',
      name,
      value,
      unit: 'ms',
      goal: { op, value: 50 },
    })
    const a = { figures: [f('ack p99', 40), f('ratio', 0.2, '>='), f('gone', 1)] }
    const b = { figures: [f('ack p99', 60), f('ratio', 0.3, '>='), f('new', 2)] }
    const rows = compareRuns(a, b)
    expect(rows.map((r) => [r.name, r.a, r.b, r.better])).toEqual([
      ['ack p99', 40, 60, false],
      ['ratio', 0.2, 0.3, true],
      ['gone', 1, null, null],
      ['new', null, 2, null],
    ])
    expect(rows[0].change).toBeCloseTo(0.5)
  })

  it('prints each figure beside its goal and verdict', () => {
    const lines = formatFigures([
      {
        scenario: 'ingest',
        name: 'ratio to raw',
        value: 0.2,
        unit: '',
        goal: { op: '>=', value: 0.35 },
        baseline: { label: 'raw-pg', value: 60000, unit: 'ev/s' },
      },
    ])
    expect(lines[2]).toMatch(/ingest\s+ratio to raw\s+0\.20\s+>= 0\.35\s+NO\s+raw-pg: 60,000 ev\/s/)
  })
})

describe('first covering mark (event -> first decision that saw it)', () => {
  it('takes the earliest mark whose order covers the event, per key', () => {
    const events = [
      { key: 'A', order: 1 },
      { key: 'A', order: 3 },
      { key: 'B', order: 2 },
      { key: 'C', order: 1 },
      { key: 'A', order: 9 },
    ]
    const marks = [
      { key: 'A', order: 3, at: 200 }, // covers A1 and A3
      { key: 'A', order: 1, at: 150 }, // covers A1 only, earlier
      { key: 'B', order: 2, at: 100 },
      { key: 'A', order: 5, at: 120 }, // out of order in time: covers A1..A5 earliest of all
    ]
    expect(firstCoveringMark(events, marks)).toEqual([3, 3, 2, -1, -1])
  })
})
