import { redirect } from 'next/navigation'
import { requirePageUser } from '@/app/_lib/auth'
import { can } from '@/server/auth/permissions'
import { prisma } from '@/server/db'
import { DASHBOARD_RANGES, getDashboard, type DashboardRange } from '@/server/metrics/get-dashboard'
import { DashboardView } from '@/components/dashboard/dashboard-view'

export const dynamic = 'force-dynamic'

/** Executives land on their KPIs; the operations dashboard stays one click away (?view=operations). */
export default async function DashboardPage({
  searchParams,
}: {
  searchParams: Promise<{ view?: string; range?: string }>
}) {
  const user = await requirePageUser('dashboard:view')
  const sp = await searchParams
  if (user.role === 'executive' && sp.view !== 'operations') redirect('/kpis')
  const range: DashboardRange = sp.range && sp.range in DASHBOARD_RANGES ? (sp.range as DashboardRange) : '1h'
  const initial = await getDashboard(prisma(), { range })
  return <DashboardView initial={initial} canOpenDeadLetters={can(user.role, 'dead-letters:view')} />
}
