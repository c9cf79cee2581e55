'use client'
import { useConnectionState } from './use-realtime'

/** Tells the user whether what they see is being kept live. */
export function LiveStatus() {
  const state = useConnectionState()
  const label = state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Reconnecting… (data may be stale)'
  return (
    <span
      className={`live ${state === 'live' ? 'on' : 'off'}`}
      data-testid="live-status"
      data-state={state}
      role="status"
    >
      <span className="dot" aria-hidden /> {label}
    </span>
  )
}
