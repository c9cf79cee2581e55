// What "the channel's orders since" means, in one place: the units of a listing's SKU in the orders a
// channel took after a moment (created lines sold them, cancelled lines gave them back), as SQL for
// reconciliation and verification, and the sentence that explains them.

/**
 * A lateral join (alias `ord` unless named: sold, returned, absorbable) over listing `cl` of SKU `s`:
 * units of the SKU in this channel's orders received with a marketplace time after `since` (and up
 * to `until`; SQL expressions). An order line names the SKU as the channel does (its external SKU)
 * or by our code. Created lines sold units; cancelled lines gave them back (a marketplace restocks a
 * cancellation). Shipping moves nothing on the channel. One place for what "the channel's orders
 * since" means.
 *
 * `absorbable`: with `absorbableUntil`, each order change up to that moment as a signed number of
 * units (a sale negative, a cancellation positive), oldest first: changes the channel may have made
 * before our number applied there, which its absolute set then absorbed (see possibleAfterOrders).
 */
export function channelOrdersSinceSql(since: string, until?: string, alias = 'ord', absorbableUntil?: string): string {
  const absorbable = absorbableUntil
    ? `array_agg(CASE WHEN o.status = 'created' THEN -(l->>'quantity')::int ELSE (l->>'quantity')::int END ORDER BY o."occurredAt", o.id)
                  FILTER (WHERE o.status IN ('created', 'cancelled') AND o."occurredAt" <= (${absorbableUntil}))`
    : 'NULL::int[]'
  return `LEFT JOIN LATERAL (
         SELECT sum((l->>'quantity')::int) FILTER (WHERE o.status = 'created') AS sold,
                sum((l->>'quantity')::int) FILTER (WHERE o.status = 'cancelled') AS returned,
                ${absorbable} AS absorbable
           FROM "ChannelOrderEvent" o CROSS JOIN LATERAL jsonb_array_elements(o.lines) l
          WHERE o."channelId" = cl."channelId" AND l->>'sku' IN (cl."externalSku", s.code)
            AND o."occurredAt" > (${since})${until ? ` AND o."occurredAt" <= (${until})` : ''}) ${alias} ON true`
}

/**
 * What the channel may show: our number `base` moved by its orders since we sent it, when we do not
 * know exactly when the number applied there. A marketplace sets the quantity we send as it stands
 * when it applies it, so order changes between our send and that moment are absorbed, and only the
 * later ones move it. Seen in the 30-minute demo: Walmart sold 2 of a kit between our send and its
 * apply (absorbed), then the buyer cancelled (2 restocked after the apply): it showed ours + 2 and
 * was called a merchant edit. `absorbable` are the signed changes (sale negative, cancellation
 * positive) of that window, oldest first; every split point of it is a possible number.
 */
export function possibleAfterOrders(
  base: number,
  orders: { sold: number; returned: number },
  absorbable: readonly number[] = [],
): number[] {
  const exact = base - orders.sold + orders.returned
  const out = [exact]
  let absorbed = 0
  for (const d of absorbable) {
    absorbed += d
    out.push(exact - absorbed)
  }
  return [...new Set(out)]
}

/**
 * Orders since the accepted version was last sent (verification: it may have applied and then sold).
 * The last send: a version sent twice sets the number again, absorbing what sold after the first
 * (the demo verified an Amazon feed sent again at 18:19 as "applied, then 2 sold" from sales after
 * the first send at 18:15, recorded 498, and called the second feed's 500 a merchant edit).
 * Every change since the send is absorbable: when the update applied is what verification finds out.
 */
export const ORDERS_SINCE_SENT_SQL = channelOrdersSinceSql(
  `SELECT max(pa."startedAt") FROM "PublishAttempt" pa WHERE pa."listingId" = cl.id AND pa.version = cl."acceptedVersion" AND pa.outcome IN ('accepted', 'applied')`,
  undefined,
  'ord',
  `'infinity'::timestamptz`,
)

/** "2 units sold", "1 unit sold and 1 cancelled" (sentences for the explanation). */
export function describeOrders(sold: number, returned: number): string {
  const u = (n: number) => `${n} unit${n === 1 ? '' : 's'}`
  if (sold > 0 && returned > 0) return `${u(sold)} sold and ${returned} cancelled in its orders`
  return sold > 0 ? `${u(sold)} sold in its orders` : `${u(returned)} cancelled in its orders`
}
