// Channel reservations that outlive a window (an order the channel never shipped or cancelled)
// are flagged for an operator, never silently released: units held by a forgotten order are
// invisible to every channel. The window is per channel (`settings.reservationMaxAgeHours`),
// defaulting to STOCKTOWER_RESERVATION_MAX_AGE_HOURS. A flag resolves itself once the reservation
// is released, shipped or handed over.
import type { Db } from '../db'

export async function flagAgedReservations(
  db: Db,
  opts: { defaultMaxAgeHours: number; now?: Date },
): Promise<{ opened: number; resolved: number }> {
  const now = (opts.now ?? new Date()).toISOString()
  const opened = await db.$executeRawUnsafe(
    `INSERT INTO "Finding"(id, kind, sku, channel, location, cause, details, "dedupeKey", "detectedAt", "updatedAt")
     SELECT gen_random_uuid(), 'aged_reservation', s.code, c.code, l.code,
            'Order ' || r."orderId" || ' line ' || r."lineId" || ' has held ' || r.quantity || ' unit(s) for ' ||
              floor(extract(epoch FROM ($1::timestamptz - r."createdAt")) / 3600)::int || ' h (window ' || w.hours || ' h): ship, cancel or release it',
            jsonb_build_object('reservationId', r.id, 'orderId', r."orderId", 'lineId', r."lineId", 'quantity', r.quantity, 'createdAt', r."createdAt", 'windowHours', w.hours),
            'aged:' || r.id, $1::timestamptz, $1::timestamptz
       FROM "Reservation" r
       JOIN "Channel" c ON c.id = r."channelId"
       JOIN "Sku" s ON s.id = r."skuId"
       JOIN "Location" l ON l.id = r."locationId"
       CROSS JOIN LATERAL (SELECT COALESCE(NULLIF(c.settings->>'reservationMaxAgeHours', '')::numeric, $2::numeric) AS hours) w
      WHERE r.status = 'open' AND r.quantity > 0
        AND r."createdAt" < $1::timestamptz - make_interval(secs => w.hours * 3600)
        AND NOT EXISTS (SELECT 1 FROM "Finding" f WHERE f."dedupeKey" = 'aged:' || r.id AND f.status IN ('open', 'healing'))`,
    now,
    opts.defaultMaxAgeHours,
  )
  const resolved = await db.$executeRawUnsafe(
    `UPDATE "Finding" f SET status = 'resolved', "resolvedAt" = $1::timestamptz, "updatedAt" = $1::timestamptz, note = 'reservation no longer open'
       FROM "Reservation" r
      WHERE f.kind = 'aged_reservation' AND f.status IN ('open', 'healing') AND f."dedupeKey" = 'aged:' || r.id
        AND (r.status <> 'open' OR r.quantity = 0)`,
    now,
  )
  return { opened, resolved }
}
