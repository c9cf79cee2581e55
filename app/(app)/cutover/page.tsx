import { Suspense } from 'react'
import { requirePageUser } from '@/app/_lib/auth'
import { can } from '@/server/auth/permissions'
import { CutoverScreen } from '@/components/cutover/cutover-screen'

export const dynamic = 'force-dynamic'

export default async function CutoverPage() {
  const user = await requirePageUser('ownership:view')
  return (
    <Suspense>
      <CutoverScreen canSwitch={can(user.role, 'ownership:switch')} />
    </Suspense>
  )
}
