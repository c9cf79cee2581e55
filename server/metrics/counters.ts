// Per-minute counters (Prometheus-style names and labels), upserted in the caller's transaction.
import type { Db } from '../db'

export function minuteOf(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 60_000) * 60_000)
}

/** `values`: labels string (`k=v,k=v`) to increment. */
export async function bumpCounters(db: Db, name: string, values: Map<string, number>, at: Date): Promise<void> {
  if (values.size === 0) return
  const labels = [...values.keys()]
  await db.$executeRawUnsafe(
    `INSERT INTO "CounterMinute"(name, labels, minute, value)
     SELECT $1, l, $2::timestamptz, v FROM unnest($3::text[], $4::bigint[]) AS x(l, v)
     ON CONFLICT (name, labels, minute) DO UPDATE SET value = "CounterMinute".value + EXCLUDED.value`,
    name,
    minuteOf(at).toISOString(),
    labels,
    labels.map((l) => String(values.get(l))),
  )
}
