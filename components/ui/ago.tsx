'use client'
// Relative times ("12 s ago") depend on the viewer's clock, so they render only after mount (the
// server and the hydration pass render the absolute time) and tick every few seconds. Anything
// older than a day is shown as an absolute time in the user's zone; the absolute time (with zone)
// is always on hover.
import { useSyncExternalStore } from 'react'
import { formatDateTime, formatRelative, useTimeZone } from './time'

let now = Date.now()
const listeners = new Set<() => void>()
let timer: ReturnType<typeof setInterval> | null = null

function subscribe(l: () => void) {
  listeners.add(l)
  timer ??= setInterval(() => {
    now = Date.now()
    for (const x of listeners) x()
  }, 5_000)
  return () => {
    listeners.delete(l)
    if (listeners.size === 0 && timer) {
      clearInterval(timer)
      timer = null
    }
  }
}

/** The ticking clock (null while server-rendering and hydrating). */
export function useNow(): number | null {
  return useSyncExternalStore(
    subscribe,
    () => now,
    () => null,
  )
}

export function Ago({ iso, fallback = '—' }: { iso: string | null | undefined; fallback?: string }) {
  const clock = useNow()
  const tz = useTimeZone()
  if (!iso) return <>{fallback}</>
  if (new Date(iso).getTime() <= 0) return <time dateTime={iso}>from the start</time>
  return (
    <time dateTime={iso} title={formatDateTime(iso, tz)}>
      {clock === null ? formatDateTime(iso, tz) : formatRelative(iso, Math.max(clock, Date.now()), tz)}
    </time>
  )
}
