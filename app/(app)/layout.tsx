import type { ReactNode } from 'react'
import { requirePageUser } from '@/app/_lib/auth'
import { can, type Action } from '@/server/auth/permissions'
import { AppNav, type NavItem } from '@/components/nav/app-nav'
import { LiveBanner } from '@/components/realtime/live-banner'

export const dynamic = 'force-dynamic'

const NAV: Array<NavItem & { action: Action }> = [
  { href: '/', label: 'Dashboard', action: 'dashboard:view' },
  { href: '/skus', label: 'SKUs', action: 'inventory:view' },
  { href: '/kpis', label: 'KPIs', action: 'kpis:view' },
  { href: '/channels', label: 'Channels', action: 'channels:view' },
  { href: '/findings', label: 'Drift & oversells', action: 'findings:view' },
  { href: '/dead-letters', label: 'Dead letters', action: 'dead-letters:view' },
  { href: '/rules', label: 'Rules', action: 'rules:view' },
  { href: '/holdbacks', label: 'Holdbacks', action: 'rules:view' },
  { href: '/audit', label: 'Audit', action: 'audit:view' },
]

/** Every page below requires sign-in; the nav shows only what the role may open. */
export default async function AppLayout({ children }: { children: ReactNode }) {
  const user = await requirePageUser()
  const items = NAV.filter((n) => can(user.role, n.action)).map(({ href, label }) => ({ href, label }))
  return (
    <div className="shell">
      <a className="skip" href="#main">Skip to content</a>
      <AppNav items={items} user={{ email: user.email, role: user.role }} />
      <main className="main" id="main" tabIndex={-1}><LiveBanner />{children}</main>
    </div>
  )
}
