'use client'
// The head of a screen: an optional breadcrumb, its title, a muted line saying what the screen is for
// (the children), on the right what belongs to the whole page (`aside` as it is, or `tools` in one
// toolbar row: a window picker, an export link), and below it the outcome of the screen's last action.
import type { ReactNode } from 'react'
import { FeedbackLine, type Feedback } from './action'

export function PageHead({
  title,
  children,
  crumb,
  titleTestId,
  aside,
  tools,
  message,
  messageTestId,
}: {
  title: ReactNode
  /** The muted line under the title: what the screen is for. */
  children?: ReactNode
  /** Above the title: the way back (`<Link href="/skus">SKUs</Link> /`). */
  crumb?: ReactNode
  titleTestId?: string
  /** On the right, as it is (a button, a chip). */
  aside?: ReactNode
  /** On the right, in one toolbar row: the screen's controls (a picker, an export link). */
  tools?: ReactNode
  /** The screen's action outcome (useAction's message), shown under the head. */
  message?: Feedback | null
  messageTestId?: string
}) {
  return (
    <>
      <div className="page-head">
        <div>
          {crumb ? <div className="muted">{crumb}</div> : null}
          <h1 data-testid={titleTestId}>{title}</h1>
          {children !== undefined && children !== null && children !== false && <div className="muted">{children}</div>}
        </div>
        {tools ? (
          <div className="toolbar" style={{ marginBottom: 0 }}>
            {tools}
          </div>
        ) : null}
        {aside}
      </div>
      {message !== undefined && <FeedbackLine message={message} testId={messageTestId} />}
    </>
  )
}
