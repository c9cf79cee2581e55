// Axis labels state the time zone once: a zone whose name is its own abbreviation (UTC) is not
// written twice ("time (UTC, UTC)" on the channel page's lag chart).
import { describe, expect, it } from 'vitest'
import { zoneLabel } from '../../../components/ui/time'

describe('zoneLabel', () => {
  it('names the zone and its abbreviation, once when they are the same', () => {
    const at = new Date('2026-12-03T08:00:00Z')
    expect(zoneLabel('Asia/Tokyo', at)).toBe('Asia/Tokyo, GMT+9')
    expect(zoneLabel('UTC', at)).toBe('UTC')
  })
})
