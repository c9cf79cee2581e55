import { Suspense } from 'react'
import { requirePageUser } from '@/app/_lib/auth'
import { can } from '@/server/auth/permissions'
import { prisma } from '@/server/db'
import { FindingsScreen } from '@/components/findings/findings-screen'

export const dynamic = 'force-dynamic'

export default async function FindingsPage() {
  const user = await requirePageUser('findings:view')
  const channels = await prisma().channel.findMany({ orderBy: { code: 'asc' }, select: { code: true } })
  return <Suspense><FindingsScreen canAct={can(user.role, 'findings:act')} channels={channels.map((c) => c.code)} /></Suspense>
}
