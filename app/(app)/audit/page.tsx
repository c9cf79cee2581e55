import { Suspense } from 'react'
import { requirePageUser } from '@/app/_lib/auth'
import { AuditLog } from '@/components/audit/audit-log'

export const dynamic = 'force-dynamic'

export default async function AuditPage() {
  await requirePageUser('audit:view')
  return (
    <Suspense>
      <AuditLog />
    </Suspense>
  )
}
