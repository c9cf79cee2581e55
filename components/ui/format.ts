// Display helpers shared by components (no data access).
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString('en-US')
}

export function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined) return '—'
  if (s < 60) return `${Math.round(s * 10) / 10} s`
  if (s < 3600) return `${Math.round(s / 6) / 10} min`
  return `${Math.round(s / 360) / 10} h`
}

/**
 * A time in text that is not a component (messages, titles): in UTC, saying so. On screen, use
 * <Time> or <Ago> (components/ui/time.tsx), which follow the user's time zone.
 */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (d.getTime() <= 0) return 'from the start'
  return `${d.toISOString().replace('T', ' ').slice(0, 19)} UTC`
}

/** Cents as US dollars; `whole` drops the cents (KPI tiles, where the cents are noise). */
export function formatMoney(cents: number, { whole = false }: { whole?: boolean } = {}): string {
  return (cents / 100).toLocaleString('en-US', {
    style: 'currency',
    currency: 'USD',
    ...(whole ? { maximumFractionDigits: 0 } : {}),
  })
}
