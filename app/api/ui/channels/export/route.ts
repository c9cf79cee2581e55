import { userRoute } from '@/app/_lib/api'
import { csvResponse, rowsCsv } from '@/app/_lib/csv'
import { prisma } from '@/server/db'
import { getChannelsHealth } from '@/server/metrics/channel-health'

export const dynamic = 'force-dynamic'

const HEADER = [
  'channel',
  'name',
  'kind',
  'mode',
  'status',
  'breaker',
  'health',
  'summary',
  'listings',
  'inSync',
  'waiting',
  'pastSlo',
  'failing',
  'oldestWaitingSeconds',
  'lagSamples15m',
  'lagP50Seconds',
  'lagP95Seconds',
  'sloLagP95Seconds',
  'sloStaleAfterSeconds',
  'deadLettersOpen',
]

/** The channels list as CSV, with the same health verdict as the screens. */
export const GET = userRoute('channels:view', async () => {
  const rows = await getChannelsHealth(prisma())
  const lines = rowsCsv(HEADER, rows, (h) => [
    h.code,
    h.name,
    h.kind,
    h.mode,
    h.status,
    h.breakerState,
    h.health.state,
    h.health.summary,
    h.listings.total,
    h.listings.inSync,
    h.listings.waiting,
    h.listings.stale,
    h.listings.failing,
    h.listings.oldestWaitingSeconds ?? '',
    h.lag.samples,
    h.lag.p50?.seconds ?? '',
    h.lag.p95?.seconds ?? '',
    h.slo.lagP95Seconds,
    h.slo.staleAfterSeconds,
    h.intake.deadLettersOpen,
  ])
  return csvResponse(lines, 'channels')
})
