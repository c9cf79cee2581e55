import { Suspense } from 'react'
import { requirePageUser } from '@/app/_lib/auth'
import { can } from '@/server/auth/permissions'
import { prisma } from '@/server/db'
import { listChannelCodes } from '@/server/rules/rule-vocabulary'
import { FindingsScreen } from '@/components/findings/findings-screen'

export const dynamic = 'force-dynamic'

export default async function FindingsPage() {
  const user = await requirePageUser('findings:view')
  const channels = await listChannelCodes(prisma())
  return (
    <Suspense>
      <FindingsScreen canAct={can(user.role, 'findings:act')} channels={channels} />
    </Suspense>
  )
}
