'use client'
import Link from 'next/link'
import { usePathname } from 'next/navigation'
import { signOut } from 'next-auth/react'
import { LiveStatus } from '@/components/realtime/live-status'

export interface NavItem { href: string; label: string }

export function AppNav({ items, user }: { items: NavItem[]; user: { email: string; role: string } }) {
  const pathname = usePathname()
  const active = (href: string) => (href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(`${href}/`))
  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand">Stocktower</div>
      {items.map((item) => (
        <Link key={item.href} href={item.href} aria-current={active(item.href) ? 'page' : undefined}>
          {item.label}
        </Link>
      ))}
      <div className="spacer" />
      <div className="who">
        <LiveStatus />
        <div style={{ marginTop: 6 }} data-testid="signed-in-as">{user.email}</div>
        <div>role: {user.role}</div>
        <div><Link href="/account/password" data-testid="account-password-link">Change password</Link></div>
        <button type="button" onClick={() => void signOut({ callbackUrl: '/login' })}>Sign out</button>
      </div>
    </nav>
  )
}
