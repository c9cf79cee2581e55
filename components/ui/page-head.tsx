// A screen's heading: an optional breadcrumb, the title, a line on what the screen is for, and the
// screen's own controls on the right (an export link, a window picker).
import type { ReactNode } from 'react'

export function PageHead({
  title,
  sub,
  crumb,
  titleTestId,
  children,
}: {
  title: ReactNode
  sub?: ReactNode
  /** Above the title: the way back (`<Link href="/skus">SKUs</Link> /`). */
  crumb?: ReactNode
  titleTestId?: string
  /** On the right: the screen's controls. */
  children?: ReactNode
}) {
  return (
    <div className="page-head">
      <div>
        {crumb ? <div className="muted">{crumb}</div> : null}
        <h1 data-testid={titleTestId}>{title}</h1>
        {sub ? <div className="muted">{sub}</div> : null}
      </div>
      {children}
    </div>
  )
}
