'use client'
// A banner across every page while live updates are not flowing, so nobody trusts a number that
// may be stale: at once when the connection drops or the browser goes offline, and also when the
// first connection has not come up after a few seconds. On reconnect the pages refetch what they
// show (use-realtime) and it goes away.
import { useEffect, useState } from 'react'
import { useConnectionState } from './use-realtime'
import { formatDateTime, useTimeZone } from '@/components/ui/time'

const FIRST_CONNECT_GRACE_MS = 5_000

export function LiveBanner() {
  const state = useConnectionState()
  const tz = useTimeZone()
  const [since, setSince] = useState<number | null>(null)
  const [slowStart, setSlowStart] = useState(false)
  useEffect(() => {
    setSince(state === 'reconnecting' ? Date.now() : null)
  }, [state])
  useEffect(() => {
    if (state !== 'connecting') {
      setSlowStart(false)
      return
    }
    const t = setTimeout(() => setSlowStart(true), FIRST_CONNECT_GRACE_MS)
    return () => clearTimeout(t)
  }, [state])
  if (state === 'live' || (state === 'connecting' && !slowStart)) return null
  return (
    <div className="live-banner" role="alert" data-testid="live-banner">
      <strong>Live updates stopped</strong>
      {since ? ` at ${formatDateTime(new Date(since).toISOString(), tz)}` : ''}: numbers on this page may be stale.
      Reconnecting…{' '}
      <button type="button" onClick={() => window.location.reload()}>
        Reload now
      </button>
    </div>
  )
}
