// The head of a screen: its title, a muted line saying what the screen is for, and on the right
// what belongs to the whole page (a button, a chip).
import type { ReactNode } from 'react'

export function PageHead({ title, children, aside }: { title: string; children?: ReactNode; aside?: ReactNode }) {
  return (
    <div className="page-head">
      <div>
        <h1>{title}</h1>
        {children !== undefined && <div className="muted">{children}</div>}
      </div>
      {aside}
    </div>
  )
}
