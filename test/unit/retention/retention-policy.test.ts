import { describe, expect, it } from 'vitest'
import { cutoffFor, envVarFor, retentionPolicy } from '../../../server/retention/retention-policy'

describe('retention policy', () => {
  it('keeps explanations 90 days and the audit log forever by default', () => {
    expect(retentionPolicy({})).toEqual({
      LEDGER_EVENTS: 90,
      DECISIONS: 90,
      PUBLISH_ATTEMPTS: 90,
      ORDER_EVENTS: 90,
      RAW_MESSAGES: 90,
      ROLLUPS: 90,
      AUDIT: 0,
    })
  })
  it('takes a per-table override from the environment, 0 meaning forever', () => {
    const p = retentionPolicy({
      STOCKTOWER_RETENTION_LEDGER_EVENTS_DAYS: '400',
      STOCKTOWER_RETENTION_ROLLUPS_DAYS: '0',
      STOCKTOWER_RETENTION_AUDIT_DAYS: ' ',
    })
    expect(p.LEDGER_EVENTS).toBe(400)
    expect(p.ROLLUPS).toBe(0)
    expect(p.AUDIT).toBe(0)
    expect(envVarFor('RAW_MESSAGES')).toBe('STOCKTOWER_RETENTION_RAW_MESSAGES_DAYS')
  })
  it.each(['-1', '1.5', 'ninety', '40000'])("refuses %s days by the variable's name", (v) => {
    expect(() => retentionPolicy({ STOCKTOWER_RETENTION_PUBLISH_ATTEMPTS_DAYS: v })).toThrow(
      /STOCKTOWER_RETENTION_PUBLISH_ATTEMPTS_DAYS must be a whole number/,
    )
  })
  it('cuts off whole days before now, or never', () => {
    const now = new Date('2026-12-01T00:00:00Z')
    expect(cutoffFor(90, now)?.toISOString()).toBe('2026-09-02T00:00:00.000Z')
    expect(cutoffFor(0, now)).toBeNull()
  })
})
