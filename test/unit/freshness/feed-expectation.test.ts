// A feed expectation says what keeps it fresh: events (the default, so rule sets written before
// `expects` existed keep their meaning) or snapshots. Anything else is refused with its path.
import { describe, expect, it } from 'vitest'
import { FeedExpectationSchema, RuleSetSchema, DEFAULT_RULES, feedExpects } from '../../../server/rules/rules.schema'

describe('feed expectation: what keeps a feed fresh', () => {
  it('defaults to events when `expects` is absent, and the parsed rule is unchanged (no field invented)', () => {
    const parsed = FeedExpectationSchema.parse({ source: 'erp', location: 'DC-EAST', maxSilenceMinutes: 15 })
    expect(parsed).toEqual({ source: 'erp', location: 'DC-EAST', maxSilenceMinutes: 15 })
    expect(feedExpects(parsed)).toBe('events')
  })

  it('keeps snapshots and events as written', () => {
    expect(
      feedExpects(FeedExpectationSchema.parse({ source: 'wms', maxSilenceMinutes: 1500, expects: 'snapshots' })),
    ).toBe('snapshots')
    expect(
      feedExpects(FeedExpectationSchema.parse({ source: 'wms', maxSilenceMinutes: 1500, expects: 'events' })),
    ).toBe('events')
  })

  it('refuses anything else, naming the field', () => {
    const r = RuleSetSchema.safeParse({
      ...DEFAULT_RULES,
      feeds: [{ source: 'wms', maxSilenceMinutes: 60, expects: 'files' }],
    })
    expect(r.success).toBe(false)
    expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual(['feeds.0.expects'])
  })

  it('a rule set mixing both parses with each kept', () => {
    const rules = RuleSetSchema.parse({
      ...DEFAULT_RULES,
      feeds: [
        { source: 'erp', maxSilenceMinutes: 5 },
        { source: 'wms', location: 'DC-WEST', maxSilenceMinutes: 1500, expects: 'snapshots' },
      ],
    })
    expect(rules.feeds!.map(feedExpects)).toEqual(['events', 'snapshots'])
  })
})
