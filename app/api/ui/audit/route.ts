import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { auditVocabulary, listAudit } from '@/server/audit/list-audit'
import { parseAuditQuery } from './query'

export const dynamic = 'force-dynamic'

export const GET = userRoute('audit:view', async ({ req }) => {
  const q = parseAuditQuery(req)
  const db = prisma()
  const [page, vocabulary] = await Promise.all([
    listAudit(db, { ...q, withTotal: true }),
    q.cursor ? Promise.resolve(null) : auditVocabulary(db),
  ])
  return json({ ...page, vocabulary })
})
