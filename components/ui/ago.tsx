'use client'
// Relative times ("12s ago") depend on the viewer's clock, so they render only after mount (the
// server renders the absolute UTC time) and tick every few seconds.
import { useSyncExternalStore } from 'react'
import { formatAgo, formatTime } from './format'

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
    if (listeners.size === 0 && timer) { clearInterval(timer); timer = null }
  }
}

export function Ago({ iso, fallback = '—' }: { iso: string | null | undefined; fallback?: string }) {
  const clock = useSyncExternalStore(subscribe, () => now, () => null)
  if (!iso) return <>{fallback}</>
  return <time dateTime={iso} title={formatTime(iso)}>{clock === null ? formatTime(iso) : formatAgo(iso, Math.max(clock, Date.now()))}</time>
}
