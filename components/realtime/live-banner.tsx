'use client'
// A banner across every page while live updates are disconnected, so nobody trusts a number that
// may be stale; on reconnect the pages refetch what they show (use-realtime) and it goes away.
import { useEffect, useState } from 'react'
import { useConnectionState } from './use-realtime'

export function LiveBanner() {
  const state = useConnectionState()
  const [since, setSince] = useState<number | null>(null)
  useEffect(() => { setSince(state === 'reconnecting' ? Date.now() : null) }, [state])
  if (state !== 'reconnecting') return null
  return (
    <div className="live-banner" role="alert" data-testid="live-banner">
      Live updates are disconnected{since ? ` since ${new Date(since).toISOString().slice(11, 19)} UTC` : ''}: numbers on this page may be stale. Reconnecting…
      {' '}<button type="button" onClick={() => window.location.reload()}>Reload now</button>
    </div>
  )
}
