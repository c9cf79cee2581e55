// A KPI tile: a label and a number, coloured when it needs attention; with `href` the whole tile
// is the link, not just its number. The dashboard and the KPI screen both show their numbers so.
import Link from 'next/link'
import type { CSSProperties, ReactNode } from 'react'

export function KpiTile({
  label,
  value,
  testId,
  tone,
  href,
  valueStyle,
  children,
}: {
  label: string
  value: ReactNode
  testId?: string
  tone?: 'warn' | 'bad'
  /** The number's own style beyond its tone (a smaller font for a word). */
  valueStyle?: CSSProperties
  href?: string
  /** Under the number: a hint, a sparkline. */
  children?: ReactNode
}) {
  const body = (
    <>
      <div className="label">{label}</div>
      <div className="value" style={tone || valueStyle ? { ...valueStyle, ...toneColor(tone) } : undefined}>
        {value}
      </div>
      {children}
    </>
  )
  return href ? (
    <Link className="kpi tile-link" data-testid={testId} href={href}>
      {body}
    </Link>
  ) : (
    <div className="kpi" data-testid={testId}>
      {body}
    </div>
  )
}

function toneColor(tone?: 'warn' | 'bad'): CSSProperties | undefined {
  return tone ? { color: tone === 'bad' ? 'var(--bad)' : 'var(--warn)' } : undefined
}
