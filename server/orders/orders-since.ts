// What "the channel's orders since" means, in one place: the units of a listing's SKU in the orders a
// channel took after a moment (created lines sold them, cancelled lines gave them back), as SQL for
// reconciliation and verification, and the sentence that explains them.

/**
 * A lateral join (alias `ord` unless named: sold, returned) over listing `cl` of SKU `s`: units of the SKU in
 * this channel's orders received with a marketplace time after `since` (and up to `until`; SQL expressions). An
 * order line names the SKU as the channel does (its external SKU) or by our code. Created lines
 * sold units; cancelled lines gave them back (a marketplace restocks a cancellation). Shipping
 * moves nothing on the channel. One place for what "the channel's orders since" means.
 */
export function channelOrdersSinceSql(since: string, until?: string, alias = 'ord'): string {
  return `LEFT JOIN LATERAL (
         SELECT sum((l->>'quantity')::int) FILTER (WHERE o.status = 'created') AS sold,
                sum((l->>'quantity')::int) FILTER (WHERE o.status = 'cancelled') AS returned
           FROM "ChannelOrderEvent" o CROSS JOIN LATERAL jsonb_array_elements(o.lines) l
          WHERE o."channelId" = cl."channelId" AND l->>'sku' IN (cl."externalSku", s.code)
            AND o."occurredAt" > (${since})${until ? ` AND o."occurredAt" <= (${until})` : ''}) ${alias} ON true`
}

/**
 * Orders since the accepted version was last sent (verification: it may have applied and then sold).
 * The last send: a version sent twice sets the number again, absorbing what sold after the first
 * (the demo verified an Amazon feed sent again at 18:19 as "applied, then 2 sold" from sales after
 * the first send at 18:15, recorded 498, and called the second feed's 500 a merchant edit).
 */
export const ORDERS_SINCE_SENT_SQL = channelOrdersSinceSql(
  `SELECT max(pa."startedAt") FROM "PublishAttempt" pa WHERE pa."listingId" = cl.id AND pa.version = cl."acceptedVersion" AND pa.outcome IN ('accepted', 'applied')`,
)

/** "2 units sold", "1 unit sold and 1 cancelled" (sentences for the explanation). */
export function describeOrders(sold: number, returned: number): string {
  const u = (n: number) => `${n} unit${n === 1 ? '' : 's'}`
  if (sold > 0 && returned > 0) return `${u(sold)} sold and ${returned} cancelled in its orders`
  return sold > 0 ? `${u(sold)} sold in its orders` : `${u(returned)} cancelled in its orders`
}
