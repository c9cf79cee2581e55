'use client'
import Link from 'next/link'
import { usePathname } from 'next/navigation'

export function SettingsTabs({ items }: { items: Array<{ href: string; label: string }> }) {
  const pathname = usePathname()
  return (
    <nav className="tabs" aria-label="Settings sections">
      <Link href="/settings" aria-current={pathname === '/settings' ? 'page' : undefined}>
        Overview
      </Link>
      {items.map((i) => (
        <Link
          key={i.href}
          href={i.href}
          aria-current={pathname === i.href || pathname.startsWith(`${i.href}/`) ? 'page' : undefined}
        >
          {i.label}
        </Link>
      ))}
    </nav>
  )
}
