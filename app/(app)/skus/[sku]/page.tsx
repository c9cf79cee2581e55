import { notFound } from 'next/navigation'
import { requirePageUser } from '@/app/_lib/auth'
import { prisma } from '@/server/db'
import { NotFoundError } from '@/server/errors'
import { getSkuDetail } from '@/server/availability/get-sku-detail'
import { SkuDetailView } from '@/components/skus/sku-detail'

export const dynamic = 'force-dynamic'

export default async function SkuPage({ params }: { params: Promise<{ sku: string }> }) {
  await requirePageUser('inventory:view')
  const { sku } = await params
  const code = decodeURIComponent(sku)
  try {
    return <SkuDetailView initial={await getSkuDetail(prisma(), code)} />
  } catch (e) {
    if (e instanceof NotFoundError) notFound()
    throw e
  }
}
