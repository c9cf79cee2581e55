import { requirePageUser } from '@/app/_lib/auth'
import { can } from '@/server/auth/permissions'
import { prisma } from '@/server/db'
import { getDashboard } from '@/server/metrics/get-dashboard'
import { DashboardView } from '@/components/dashboard/dashboard-view'

export const dynamic = 'force-dynamic'

export default async function DashboardPage() {
  const user = await requirePageUser('dashboard:view')
  const initial = await getDashboard(prisma())
  return <DashboardView initial={initial} canOpenDeadLetters={can(user.role, 'dead-letters:view')} />
}
