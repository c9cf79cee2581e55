import type { ReactNode } from 'react'
import { requirePageUser } from '@/app/_lib/auth'
import { can, type Action } from '@/server/auth/permissions'
import { AppNav, type NavItem } from '@/components/nav/app-nav'
import { KeyboardShortcuts } from '@/components/nav/keyboard-shortcuts'
import { LiveBanner } from '@/components/realtime/live-banner'
import { DegradedBanner } from '@/components/freshness/degraded-banner'
import { SETTINGS_SECTIONS } from '@/components/settings/sections'

export const dynamic = 'force-dynamic'

/** Each screen and the permission that opens it (any of several for Settings, which has sections). */
const NAV: Array<NavItem & { action: Action | Action[] }> = [
  { href: '/', label: 'Dashboard', action: 'dashboard:view' },
  { href: '/skus', label: 'SKUs', action: 'inventory:view' },
  { href: '/kpis', label: 'KPIs', action: 'kpis:view' },
  { href: '/channels', label: 'Channels', action: 'channels:view' },
  { href: '/findings', label: 'Drift & oversells', action: 'findings:view' },
  { href: '/dead-letters', label: 'Dead letters', action: 'dead-letters:view' },
  { href: '/rules', label: 'Rules', action: 'rules:view' },
  { href: '/holdbacks', label: 'Holdbacks', action: 'rules:view' },
  { href: '/cutover', label: 'Cutover', action: 'ownership:view' },
  { href: '/audit', label: 'Audit', action: 'audit:view' },
  { href: '/settings', label: 'Settings', action: SETTINGS_SECTIONS.map((x) => x.action) },
]

/** Every page below requires sign-in; the nav shows only what the role may open. */
export default async function AppLayout({ children }: { children: ReactNode }) {
  // Pages below redirect a user who must change their password; the layout itself lets the password page render.
  const user = await requirePageUser(undefined, { passwordChange: true })
  const items = NAV.filter((n) => (Array.isArray(n.action) ? n.action : [n.action]).some((a) => can(user.role, a)))
    // Executives land on KPIs (see app/(app)/page.tsx); their Dashboard link opts into the operations view.
    .map(({ href, label }) => ({ href: href === '/' && user.role === 'executive' ? '/?view=operations' : href, label }))
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <AppNav
        items={items}
        user={{ email: user.email, role: user.role }}
        searchable={can(user.role, 'inventory:view')}
      />
      <KeyboardShortcuts items={items} />
      <main className="main" id="main" tabIndex={-1}>
        <LiveBanner />
        <DegradedBanner />
        {children}
      </main>
    </div>
  )
}
