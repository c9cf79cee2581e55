'use client'
// One way to run a server action from a screen: one action at a time (`pending`), its outcome as a
// message (`{ data } | { error }` from the action chain, or a network failure), and the line that
// shows that message. Every screen and settings form uses it, so a refused action reads the same.
import { useState, useTransition } from 'react'

type Result<T> = { data: T } | { error: { code: string; message: string } }
export interface Feedback {
  tone: 'ok' | 'bad'
  text: string
}

/**
 * `run(fn, ok, after)`: calls `fn`; on an error shows its message; on success shows `ok(data)`
 * (nothing when it returns null) and then awaits `after(data)` (refetches, resetting a form).
 */
export function useAction() {
  const [pending, start] = useTransition()
  const [message, setMessage] = useState<Feedback | null>(null)
  function run<T>(
    fn: () => Promise<Result<T>>,
    ok: (data: T) => string | Feedback | null,
    after?: (data: T) => void | Promise<void>,
  ) {
    setMessage(null)
    start(async () => {
      let r: Result<T>
      try {
        r = await fn()
      } catch {
        // A network failure or a server restart: the action may not have run.
        setMessage({ tone: 'bad', text: 'The request did not reach the server; check the connection and try again.' })
        return
      }
      if ('error' in r) {
        setMessage({ tone: 'bad', text: r.error.message })
        return
      }
      const text = ok(r.data)
      if (text) setMessage(typeof text === 'string' ? { tone: 'ok', text } : text)
      await after?.(r.data)
    })
  }
  return { pending, message, setMessage, run }
}

export type ActionApi = ReturnType<typeof useAction>

/** The outcome of the last action: an alert when refused, a status line when done. */
export function FeedbackLine({
  message,
  testId,
  inline = false,
}: {
  message: Feedback | null
  testId?: string
  /** Inside a toolbar or form row: a span that keeps the row's layout. */
  inline?: boolean
}) {
  if (!message) return null
  const Tag = inline ? 'span' : 'div'
  return (
    <Tag
      className={message.tone === 'bad' ? 'error-box' : inline ? 'muted' : 'notice ok'}
      role={message.tone === 'bad' ? 'alert' : 'status'}
      data-testid={testId}
    >
      {message.text}
    </Tag>
  )
}
