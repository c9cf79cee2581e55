// A screen's heading: an optional breadcrumb, the title, a line on what the screen is for, and the
// screen's own controls on the right (an export link, a window picker).
import type { ReactNode } from 'react'

export function PageHead({
  title,
  sub,
  crumb,
  titleTestId,
  tools,
  children,
}: {
  title: ReactNode
  sub?: ReactNode
  /** Above the title: the way back (`<Link href="/skus">SKUs</Link> /`). */
  crumb?: ReactNode
  titleTestId?: string
  /** On the right, in one toolbar row: the screen's controls (a picker, an export link). */
  tools?: ReactNode
  /** On the right as they are. */
  children?: ReactNode
}) {
  return (
    <div className="page-head">
      <div>
        {crumb ? <div className="muted">{crumb}</div> : null}
        <h1 data-testid={titleTestId}>{title}</h1>
        {sub ? <div className="muted">{sub}</div> : null}
      </div>
      {tools ? (
        <div className="toolbar" style={{ marginBottom: 0 }}>
          {tools}
        </div>
      ) : null}
      {children}
    </div>
  )
}
