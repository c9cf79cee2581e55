'use client'
// Time as people read it: every absolute time in the zone the user chose (default: the browser's),
// always with the zone written next to it; relative times only for the recent past, with the
// absolute time on hover. The choice lives in localStorage and applies to every tab at once.
// The server knows no zone: it renders UTC, and the client re-renders in the chosen zone after
// hydration (useSyncExternalStore's server snapshot), so there is no hydration mismatch.
import { useSyncExternalStore } from 'react'

const KEY = 'stocktower.timeZone'
const EVENT = 'stocktower:timezone'

/** The browser's zone (client only). */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
  } catch {
    return 'UTC'
  }
}

function valid(tz: string | null): tz is string {
  if (!tz) return false
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

/** The stored choice, or null for "follow the browser". */
export function storedTimeZone(): string | null {
  try {
    const v = window.localStorage.getItem(KEY)
    return valid(v) ? v : null
  } catch {
    return null
  }
}

export function setTimeZone(tz: string | null) {
  try {
    if (tz) window.localStorage.setItem(KEY, tz)
    else window.localStorage.removeItem(KEY)
  } catch {
    /* private mode: session only */
  }
  window.dispatchEvent(new Event(EVENT))
}

function subscribe(l: () => void) {
  window.addEventListener(EVENT, l)
  window.addEventListener('storage', l)
  return () => {
    window.removeEventListener(EVENT, l)
    window.removeEventListener('storage', l)
  }
}

/** The zone every time on screen uses; 'UTC' while server-rendering and hydrating. */
export function useTimeZone(): string {
  return useSyncExternalStore(
    subscribe,
    () => storedTimeZone() ?? browserTimeZone(),
    () => 'UTC',
  )
}

/** Whether the zone is the browser's own (no explicit choice). */
export function useTimeZoneChoice(): string | null {
  return useSyncExternalStore(subscribe, storedTimeZone, () => null)
}

const partsCache = new Map<string, Intl.DateTimeFormat>()
function fmt(tz: string, withSeconds: boolean): Intl.DateTimeFormat {
  const k = `${tz}|${withSeconds}`
  let f = partsCache.get(k)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      ...(withSeconds ? { second: '2-digit' } : {}),
      hourCycle: 'h23',
      timeZoneName: 'short',
    })
    partsCache.set(k, f)
  }
  return f
}

function parts(d: Date, tz: string, withSeconds: boolean) {
  const p = Object.fromEntries(
    fmt(tz, withSeconds)
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  )
  return p as Record<string, string>
}

/** Short name of the zone at a moment ("UTC", "CET", "GMT+1", "EST"). */
export function zoneAbbreviation(tz: string, at: Date = new Date()): string {
  return parts(at, tz, false).timeZoneName ?? tz
}

/** The zone as an axis states it: "Asia/Tokyo, GMT+9", or "UTC" alone where the name is its abbreviation. */
export function zoneLabel(tz: string, at: Date = new Date()): string {
  const abbreviation = zoneAbbreviation(tz, at)
  return abbreviation === tz ? tz : `${tz}, ${abbreviation}`
}

/** "2026-12-02 10:51:38 CET" in the given zone. */
export function formatDateTime(
  iso: string | Date | null | undefined,
  tz: string,
  opts: { seconds?: boolean } = {},
): string {
  if (!iso) return '—'
  const d = typeof iso === 'string' ? new Date(iso) : iso
  if (Number.isNaN(d.getTime())) return '—'
  const p = parts(d, tz, opts.seconds ?? true)
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}${opts.seconds === false ? '' : `:${p.second}`} ${p.timeZoneName}`
}

/** Axis tick: "10:51" (or "12-02 10:51" across days) in the zone; the zone is stated in the axis label. */
export function formatTick(ms: number, tz: string, withDate = false): string {
  const p = parts(new Date(ms), tz, false)
  return withDate ? `${p.month}-${p.day} ${p.hour}:${p.minute}` : `${p.hour}:${p.minute}`
}

/** Relative time for the last 24 hours; older than that, the absolute date in the zone. */
export function formatRelative(iso: string, now: number, tz: string): string {
  const t = new Date(iso).getTime()
  if (t <= 0) return 'from the start'
  const s = Math.round((now - t) / 1000)
  if (s < -5) return `in ${formatSpan(-s)}`
  if (s < 5) return 'just now'
  if (s < 86_400) return `${formatSpan(s)} ago`
  return formatDateTime(iso, tz, { seconds: false })
}

function formatSpan(s: number): string {
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min`
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return m ? `${h} h ${m} min` : `${h} h`
}

/** An absolute time in the user's zone, with the zone. */
export function Time({
  iso,
  seconds = true,
  testId,
}: {
  iso: string | null | undefined
  seconds?: boolean
  testId?: string
}) {
  const tz = useTimeZone()
  if (!iso) return <>—</>
  if (new Date(iso).getTime() <= 0)
    return (
      <time dateTime={iso} data-testid={testId}>
        from the start
      </time>
    )
  return (
    <time dateTime={iso} data-testid={testId} title={tz}>
      {formatDateTime(iso, tz, { seconds })}
    </time>
  )
}
