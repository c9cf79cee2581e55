import { notFound } from 'next/navigation'
import { requirePageUser } from '@/app/_lib/auth'
import { prisma } from '@/server/db'
import { NotFoundError } from '@/server/errors'
import { getOversellIncident } from '@/server/reconciliation/get-oversell-incident'
import { OversellIncidentView } from '@/components/findings/oversell-incident'

export const dynamic = 'force-dynamic'

export default async function OversellIncidentPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePageUser('findings:view')
  const { id } = await params
  try {
    return <OversellIncidentView detail={await getOversellIncident(prisma(), id)} />
  } catch (e) {
    if (e instanceof NotFoundError) notFound()
    throw e
  }
}
