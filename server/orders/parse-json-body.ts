// A stored native message's body as JSON, or why not (a poison message is a dead letter, never a crash).
import type { z } from 'zod'
import { parseJsonText } from '../ingest/storable-text'
import { describeIssues } from '../errors'
import type { ParsedNativeMessage } from './native-orders'

function parseJsonBody(body: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    const value = parseJsonText(body)
    if (typeof value !== 'object' || value === null) return { ok: false, message: 'The body is not a JSON object.' }
    return { ok: true, value }
  } catch (e) {
    return { ok: false, message: (e as Error).message }
  }
}

/**
 * A stored native message's body read as `schema`, or the one rejection that says why not: a body
 * that is not JSON (UNPARSEABLE), or not what the marketplace sends: a webhook is refused as its one
 * order (INVALID_ORDER, index 0, the JSON kept), a page whole (INVALID_RESPONSE, index -1, the body kept).
 */
export function readNativeBody<S extends z.ZodType>(
  body: string,
  schema: S,
  refusal: { as: 'order' | 'page'; message: (issues: string) => string },
): { ok: true; data: z.infer<S> } | { ok: false; parsed: ParsedNativeMessage } {
  const json = parseJsonBody(body)
  if (!json.ok)
    return {
      ok: false,
      parsed: {
        orders: [],
        rejected: [{ index: -1, code: 'UNPARSEABLE', message: json.message, raw: body.slice(0, 4096) }],
      },
    }
  const r = schema.safeParse(json.value)
  if (r.success) return { ok: true, data: r.data }
  const order = refusal.as === 'order'
  const message = refusal.message(describeIssues(r.error.issues, { limit: order ? 5 : 3 }))
  return {
    ok: false,
    parsed: {
      orders: [],
      rejected: [
        {
          index: order ? 0 : -1,
          code: order ? 'INVALID_ORDER' : 'INVALID_RESPONSE',
          message,
          raw: order ? json.value : body.slice(0, 4096),
        },
      ],
    },
  }
}

/**
 * A page's orders, each read as `schema` (one that is not is rejected as INVALID_ORDER at its index,
 * as sent: "Not <what>: ..."), then by `read`: the order snapshot, or null when it holds nothing for
 * us or `read` rejected it.
 */
export function readPageOrders<S extends z.ZodType>(
  raws: unknown[],
  schema: S,
  what: string,
  read: (order: z.infer<S>, reject: (message: string) => void) => unknown,
): ParsedNativeMessage {
  const result: ParsedNativeMessage = { orders: [], rejected: [] }
  raws.forEach((raw, index) => {
    const reject = (message: string) => void result.rejected.push({ index, code: 'INVALID_ORDER', message, raw })
    const r = schema.safeParse(raw)
    if (!r.success) return reject(`Not ${what}: ${describeIssues(r.error.issues, { limit: 3 })}`)
    const order = read(r.data, reject)
    if (order !== null) result.orders.push({ index, order })
  })
  return result
}
