'use client'
import Link from 'next/link'
import { usePathname } from 'next/navigation'
import { signOut } from 'next-auth/react'
import { LiveStatus } from '@/components/realtime/live-status'
import { TimeZonePicker } from './time-zone-picker'
import { GlobalSearch } from './global-search'

export interface NavItem {
  href: string
  label: string
}

export function AppNav({
  items,
  user,
  searchable = false,
}: {
  items: NavItem[]
  user: { email: string; role: string }
  searchable?: boolean
}) {
  const pathname = usePathname()
  const active = (href: string) => {
    const path = href.split('?')[0]
    return path === '/' ? pathname === '/' : pathname === path || pathname.startsWith(`${path}/`)
  }
  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand">Stocktower</div>
      {searchable && <GlobalSearch />}
      {items.map((item) => (
        <Link key={item.href} href={item.href} aria-current={active(item.href) ? 'page' : undefined}>
          {item.label}
        </Link>
      ))}
      <div className="spacer" />
      <div className="who">
        <LiveStatus />
        <TimeZonePicker />
        <div style={{ marginTop: 6 }} data-testid="signed-in-as">
          {user.email}
        </div>
        <div>role: {user.role}</div>
        <div>
          <Link href="/account/password" data-testid="account-password-link">
            Change password
          </Link>
        </div>
        <button type="button" onClick={() => void signOut({ callbackUrl: '/login' })}>
          Sign out
        </button>
      </div>
    </nav>
  )
}
