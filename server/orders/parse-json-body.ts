// A stored native message's body as JSON, or why not (a poison message is a dead letter, never a crash).
import { parseJsonText } from '../ingest/storable-text'

export function parseJsonBody(body: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    const value = parseJsonText(body)
    if (typeof value !== 'object' || value === null) return { ok: false, message: 'The body is not a JSON object.' }
    return { ok: true, value }
  } catch (e) {
    return { ok: false, message: (e as Error).message }
  }
}
