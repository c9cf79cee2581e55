'use client'
// The head of a screen: its title, a muted line saying what the screen is for, on the right what
// belongs to the whole page (a button, a chip), and below it the outcome of the screen's last action.
import type { ReactNode } from 'react'
import { FeedbackLine, type Feedback } from './action'

export function PageHead({
  title,
  children,
  aside,
  message,
  messageTestId,
}: {
  title: string
  children?: ReactNode
  aside?: ReactNode
  /** The screen's action outcome (useAction's message), shown under the head. */
  message?: Feedback | null
  messageTestId?: string
}) {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{title}</h1>
          {children !== undefined && <div className="muted">{children}</div>}
        </div>
        {aside}
      </div>
      {message !== undefined && <FeedbackLine message={message} testId={messageTestId} />}
    </>
  )
}
