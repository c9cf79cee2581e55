import { Suspense } from 'react'
import { requirePageUser } from '@/app/_lib/auth'
import { can } from '@/server/auth/permissions'
import { DeadLetters } from '@/components/dead-letters/dead-letters'

export const dynamic = 'force-dynamic'

export default async function DeadLettersPage() {
  const user = await requirePageUser('dead-letters:view')
  return (
    <Suspense>
      <DeadLetters
        can={{
          request: can(user.role, 'replays:request'),
          approve: can(user.role, 'replays:approve'),
          discard: can(user.role, 'dead-letters:discard'),
        }}
      />
    </Suspense>
  )
}
