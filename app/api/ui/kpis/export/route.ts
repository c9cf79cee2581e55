import { userRoute } from '@/app/_lib/api'
import { csvResponse, rowsCsv } from '@/app/_lib/csv'
import { prisma } from '@/server/db'
import { getKpis, KPI_WINDOWS } from '@/server/metrics/get-kpis'
import { oneOf } from '@/app/_lib/query'

export const dynamic = 'force-dynamic'

const HEADER = [
  'channel',
  'window',
  'from',
  'to',
  'health',
  'lagSamples',
  'lagP50Seconds',
  'lagP95Seconds',
  'lagP99Seconds',
  'sloLagP95Seconds',
  'lagSloBreached',
  'staleListings',
  'driftOpen',
  'deadLettersOpen',
  'orderedUnits',
  'oversoldUnits',
  'oversellRate',
  'revenueAtRiskCents',
  'incidents',
  'cancelledUnits',
  'cancelledForStockUnits',
  'reservationsOpen',
  'reservedUnits',
]

/** KPIs per channel and overall for a window, as CSV. */
export const GET = userRoute('kpis:view', async ({ req }) => {
  const w = oneOf(req, 'window', KPI_WINDOWS, '24h', 'INVALID_WINDOW')
  const k = await getKpis(prisma(), w)
  const rows = [
    ...k.channels.map((c) => ({
      ...c,
      health: c.health.state,
      sloP95: c.slo.lagP95Seconds,
      breached: c.slo.lagBreached,
    })),
    { ...k.overall, channel: '(all)', health: '', sloP95: '', breached: '' },
  ]
  const lines = rowsCsv(HEADER, rows, (c) => [
    c.channel,
    k.window,
    k.from,
    k.to,
    c.health,
    c.lag.samples,
    c.lag.p50Seconds ?? '',
    c.lag.p95Seconds ?? '',
    c.lag.p99Seconds ?? '',
    c.sloP95,
    c.breached,
    c.staleListings,
    c.driftOpen,
    c.deadLettersOpen,
    c.orderedUnits,
    c.oversoldUnits,
    c.oversellRate ?? '',
    c.revenueAtRiskCents,
    c.incidents,
    c.cancelledUnits,
    c.cancelledForStockUnits,
    c.reservations.open,
    c.reservations.units,
  ])
  return csvResponse(lines, `kpis-${k.window}`)
})
