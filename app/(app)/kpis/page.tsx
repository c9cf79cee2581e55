import { Suspense } from 'react'
import { requirePageUser } from '@/app/_lib/auth'
import { can } from '@/server/auth/permissions'
import { prisma } from '@/server/db'
import { getKpis, KPI_WINDOWS, type KpiWindow } from '@/server/metrics/get-kpis'
import { KpiView } from '@/components/kpis/kpi-view'

export const dynamic = 'force-dynamic'

export default async function KpisPage({ searchParams }: { searchParams: Promise<{ window?: string }> }) {
  const user = await requirePageUser('kpis:view')
  const { window } = await searchParams
  const w: KpiWindow = window && window in KPI_WINDOWS ? (window as KpiWindow) : '24h'
  const initial = await getKpis(prisma(), w, new Date(), { series: true })
  return (
    <Suspense>
      <KpiView initial={initial} canOpenDeadLetters={can(user.role, 'dead-letters:view')} />
    </Suspense>
  )
}
