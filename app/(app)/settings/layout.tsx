import type { ReactNode } from 'react'
import { redirect } from 'next/navigation'
import { requirePageUser } from '@/app/_lib/auth'
import { can } from '@/server/auth/permissions'
import { SETTINGS_SECTIONS } from '@/components/settings/sections'
import { SettingsTabs } from '@/components/settings/settings-tabs'

export const dynamic = 'force-dynamic'

/** The admin area: tabs for the sections the role may use; a role with none is not allowed in. */
export default async function SettingsLayout({ children }: { children: ReactNode }) {
  const user = await requirePageUser()
  const sections = SETTINGS_SECTIONS.filter((s) => can(user.role, s.action))
  if (sections.length === 0)
    redirect(`/forbidden?need=${encodeURIComponent(SETTINGS_SECTIONS.map((s) => s.action).join(' or '))}`)
  return (
    <div>
      <SettingsTabs items={sections.map(({ href, label }) => ({ href, label }))} />
      {children}
    </div>
  )
}
