import Link from 'next/link'
import { requirePageUser } from '@/app/_lib/auth'
import { can } from '@/server/auth/permissions'
import { SETTINGS_SECTIONS } from '@/components/settings/sections'
import { PageHead } from '@/components/ui/page-head'

export const dynamic = 'force-dynamic'

export default async function SettingsPage() {
  const user = await requirePageUser()
  const sections = SETTINGS_SECTIONS.filter((s) => can(user.role, s.action))
  return (
    <div>
      <PageHead title="Settings">
        Configuration only your role can change. Every change is recorded in the audit log with who made it.
      </PageHead>
      <div className="grid tiles" data-testid="settings-sections">
        {sections.map((s) => (
          <Link
            key={s.href}
            href={s.href}
            className="tile settings-card"
            data-testid={`settings-section-${s.href.split('/').pop()}`}
          >
            <div className="title">{s.label}</div>
            <div className="muted">{s.summary}</div>
          </Link>
        ))}
      </div>
    </div>
  )
}
