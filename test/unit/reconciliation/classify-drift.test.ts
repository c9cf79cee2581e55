// classifyDrift with the channel's orders: a sale (or a cancellation) the channel made since its
// number was last known is not drift; a shortfall orders may still explain waits for the grace.
import { describe, expect, it } from 'vitest'
import { classifyDrift, expectedAfterOrders, type ListingFacts } from '../../../server/reconciliation/classify-drift'
import { describeOrders, possibleAfterOrders } from '../../../server/orders/orders-since'
import { orderGraceMs } from '../../../server/channels/channel-settings'

const base: ListingFacts = {
  applied: 96,
  published: 96,
  desiredVersion: 3,
  publishedVersion: 3,
  acceptedVersion: 3,
  appliedVersion: 3,
  inFlight: false,
  earlierSent: [90],
  otherChannelsApplied: [40],
}
// Our compare-and-set for a receipt (106) was refused: version 4 decided, not published.
const racing: ListingFacts = { ...base, desiredVersion: 4 }
// Version 4 (100) accepted longer ago than the verify SLA, still within the order grace.
const acceptedWithinGrace: ListingFacts = {
  ...racing,
  acceptedVersion: 4,
  published: 100,
  publishedVersion: 4,
  acceptedStale: true,
  acceptedWithinGrace: true,
}

describe('classifyDrift and orders', () => {
  it.each<[string, number, ListingFacts, ReturnType<typeof classifyDrift>]>([
    ['a sale received since: sold on channel', 94, { ...racing, orders: { sold: 2, returned: 0 } }, 'sold_on_channel'],
    ['sales and a cancellation received since', 95, { ...racing, orders: { sold: 3, returned: 2 } }, 'sold_on_channel'],
    [
      'a cancellation of an older order (units back)',
      99,
      { ...racing, orders: { sold: 0, returned: 3 } },
      'sold_on_channel',
    ],
    [
      'a sale absorbed by our number applying after it, then its cancellation restocked (Walmart, demo)',
      98,
      { ...racing, orders: { sold: 2, returned: 2 }, absorbable: [-2, 2] },
      'sold_on_channel',
    ],
    [
      'a cancellation absorbed but its sale counted cannot happen (the sale came first)',
      94,
      { ...racing, orders: { sold: 2, returned: 2 }, absorbable: [-2, 2], withinOrderGrace: false },
      'merchant_edit',
    ],
    [
      'a shortfall no received order explains, within the grace',
      94,
      { ...racing, withinOrderGrace: true },
      'orders_in_flight',
    ],
    [
      'more sold than received, within the grace',
      91,
      { ...racing, orders: { sold: 2, returned: 0 }, withinOrderGrace: true },
      'orders_in_flight',
    ],
    [
      'the same shortfall after the grace: a merchant edit',
      94,
      { ...racing, withinOrderGrace: false },
      'merchant_edit',
    ],
    [
      'an increase received orders do not explain, within the grace: a cancellation may be on its way',
      101,
      { ...racing, orders: { sold: 0, returned: 3 }, withinOrderGrace: true },
      'orders_in_flight',
    ],
    [
      'an increase with no order received, within the grace (an order sold before ours applied, then cancelled)',
      98,
      { ...racing, withinOrderGrace: true },
      'orders_in_flight',
    ],
    ['the same increase after the grace: a merchant edit', 98, { ...racing, withinOrderGrace: false }, 'merchant_edit'],
    [
      'the channel shows what we applied, orders or not',
      96,
      { ...racing, orders: { sold: 0, returned: 0 }, withinOrderGrace: true },
      null,
    ],
    [
      "an accepted update within its verify SLA is verification's, whatever the channel shows",
      93,
      { ...racing, acceptedVersion: 4, published: 100, publishedVersion: 4 },
      'own_pending',
    ],
    [
      'an accepted update past its verify SLA showing something else: accepted, not applied',
      93,
      { ...racing, acceptedVersion: 4, published: 100, publishedVersion: 4, acceptedStale: true },
      'accepted_not_applied',
    ],
    [
      "past its SLA but within the order grace, fewer than we sent (a sale on its way): still verification's",
      99,
      acceptedWithinGrace,
      'own_pending',
    ],
    [
      'within the order grace but the number it had before: the update never applied',
      96,
      acceptedWithinGrace,
      'accepted_not_applied',
    ],
    ['within the order grace but more than we sent: not a sale', 101, acceptedWithinGrace, 'accepted_not_applied'],
    [
      'our own update on its way comes first',
      94,
      { ...racing, inFlight: true, orders: { sold: 2, returned: 0 } },
      'own_pending',
    ],
    [
      'a number we sent earlier above ours: a lost update at once',
      99,
      { ...racing, earlierSent: [99], withinOrderGrace: true },
      'lost_update',
    ],
    [
      'a number we sent earlier below ours, within the grace: orders may still explain it',
      90,
      { ...racing, withinOrderGrace: true },
      'orders_in_flight',
    ],
    [
      'a number we sent earlier below ours after the grace: a lost update',
      90,
      { ...racing, withinOrderGrace: false },
      'lost_update',
    ],
    [
      "another channel's number above ours: a shared overwrite at once",
      120,
      { ...racing, otherChannelsApplied: [120], withinOrderGrace: true },
      'shared_quantity_overwrite',
    ],
    [
      "another channel's number below ours, within the grace: orders may still explain it",
      40,
      { ...racing, withinOrderGrace: true },
      'orders_in_flight',
    ],
    [
      "another channel's number below ours after the grace: a shared overwrite",
      40,
      { ...racing, withinOrderGrace: false },
      'shared_quantity_overwrite',
    ],
    [
      'nothing applied yet: no order arithmetic',
      5,
      { ...racing, applied: null, orders: { sold: 2, returned: 0 }, withinOrderGrace: true },
      'merchant_edit',
    ],
  ])('%s', (_name, shown, facts, cause) => {
    expect(classifyDrift(shown, facts)).toBe(cause)
  })

  it('the expected number after orders and the sentence the explanation uses', () => {
    expect(expectedAfterOrders({ applied: 96, orders: { sold: 3, returned: 1 } })).toBe(94)
    expect(expectedAfterOrders({ applied: null, orders: { sold: 3, returned: 1 } })).toBeNull()
    expect(describeOrders(2, 0)).toBe('2 units sold in its orders')
    expect(describeOrders(1, 1)).toBe('1 unit sold and 1 cancelled in its orders')
    expect(describeOrders(0, 1)).toBe('1 unit cancelled in its orders')
  })
})

describe('orderGraceMs', () => {
  it.each<[string, unknown, number | null, number]>([
    ['unmeasured: 120 s', {}, null, 120_000],
    ['twice the p99 intake lag', {}, 45, 90_000],
    ['at least 60 s', {}, 2, 60_000],
    ['at most 15 min', {}, 3_600, 900_000],
    ['fixed by the channel setting', { orderGraceSeconds: 20 }, 45, 20_000],
    ['a bad setting falls back to the measurement', { orderGraceSeconds: 'soon' }, 45, 90_000],
  ])('%s', (_name, settings, p99, ms) => {
    expect(orderGraceMs({ settings }, p99)).toBe(ms)
  })
})

describe('possibleAfterOrders', () => {
  it('is our number moved by the orders after each possible apply moment, oldest changes absorbed first', () => {
    expect(possibleAfterOrders(85, { sold: 2, returned: 2 }, [-2, 2]).sort()).toEqual([85, 87])
    expect(possibleAfterOrders(50, { sold: 3, returned: 0 }, [-1, -2]).sort()).toEqual([47, 48, 50])
    expect(possibleAfterOrders(50, { sold: 3, returned: 0 })).toEqual([47])
  })
})
