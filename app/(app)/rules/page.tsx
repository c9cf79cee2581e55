import { requirePageUser } from '@/app/_lib/auth'
import { can } from '@/server/auth/permissions'
import { RulesScreen } from '@/components/rules/rules-screen'

export const dynamic = 'force-dynamic'

export default async function RulesPage() {
  const user = await requirePageUser('rules:view')
  return <RulesScreen canEdit={can(user.role, 'rules:edit')} />
}
