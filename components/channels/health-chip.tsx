import type { ChannelHealth } from '@/server/metrics/channel-health'

/** The shared health verdict as a chip; its reasons on hover. */
export function HealthChip({ health, testId }: { health: ChannelHealth; testId?: string }) {
  const tone = health.tone === 'neutral' ? '' : health.tone
  return (
    <span
      className={`chip ${tone}`}
      data-testid={testId}
      data-state={health.state}
      title={health.reasons.map((r) => r.message).join('\n') || health.summary}
    >
      {health.state}
    </span>
  )
}
