import { describe, expect, it } from 'vitest'
import { attributeOversell, type ListingAtOrderTime } from '../../../server/ingest/attribute-oversell'

const at = new Date('2026-11-22T10:00:30Z')
const base: ListingAtOrderTime = {
  desired: 5,
  published: 5,
  applied: 5,
  desiredVersion: 3,
  publishedVersion: 3,
  acceptedVersion: 3,
  appliedVersion: 3,
  pendingSince: null,
  driftOpen: false,
  sharedPoolWithoutBuffer: true,
  inputsChangedSinceDecision: false,
}

describe('attributeOversell', () => {
  it('blames our lag when a lower decision had not reached the channel, with the wait', () => {
    const r = attributeOversell(
      'channel_oversell',
      { ...base, desired: 0, desiredVersion: 4, pendingSince: new Date('2026-11-22T10:00:00Z') },
      at,
    )
    expect(r).toEqual({
      cause: 'lag',
      detail: 'we had decided 0 but the channel still showed 5 (waiting 30 s to apply)',
    })
  })
  it('blames the channel when it accepted a lower number and never applied it', () => {
    const r = attributeOversell(
      'channel_oversell',
      { ...base, desired: 1, published: 1, publishedVersion: 4, acceptedVersion: 4, desiredVersion: 4 },
      at,
    )
    expect(r.cause).toBe('accepted_not_applied')
  })
  it('blames a manual edit when drift is open, before anything else', () => {
    expect(
      attributeOversell('channel_oversell', { ...base, driftOpen: true, desired: 0, desiredVersion: 4 }, at).cause,
    ).toBe('manual_channel_edit')
  })
  it('blames the rules when the channel showed exactly what they gave it', () => {
    expect(attributeOversell('shortage', base, at)).toEqual({
      cause: 'rule',
      detail:
        'the channel showed what the rules gave it (5) from a pool shared with other channels, with no in-flight buffer',
    })
    expect(attributeOversell('shortage', { ...base, sharedPoolWithoutBuffer: false }, at).detail).toMatch(
      /safety stock/,
    )
  })
  it('blames moved stock for a shortage when inputs changed after the last decision', () => {
    expect(attributeOversell('shortage', { ...base, inputsChangedSinceDecision: true }, at).cause).toBe('stock_moved')
  })
})
