// Parses a connector's settings and credentials at construction, so a misconfigured channel fails
// with one clear message when the connector is built instead of on every push.
import { z } from 'zod'
import { ConnectorConfigError } from './connector-errors'

export function parseConnectorPart<T extends z.ZodType>(
  kind: string,
  part: 'settings' | 'credentials',
  schema: T,
  value: unknown,
): z.infer<T> {
  const parsed = schema.safeParse(value ?? {})
  if (parsed.success) return parsed.data
  // Never echo credential values: name the fields only.
  const problems = parsed.error.issues.map((issue) => `${part}.${issue.path.join('.') || '(root)'}: ${issue.message}`)
  throw new ConnectorConfigError(kind, problems.join('; '))
}

/** How an orders API client is built: the channel's URL, stored settings and decrypted credentials. */
export interface OrdersClientConfig {
  baseUrl: string
  settings: unknown
  credentials: unknown
  timeoutMs?: number
}

/** An orders API call's default timeout (a page of orders is larger than an inventory call). */
export const ORDERS_TIMEOUT_MS = 15_000

/**
 * A channel kind's parser of its stored settings and credentials (each parsed as above), used by its
 * connector and its orders client alike, with the per-request timeout (the caller's default).
 */
export function connectorConfigParser<S extends z.ZodType, C extends z.ZodType>(
  kind: string,
  schemas: { settings: S; credentials: C },
) {
  return (
    config: { settings: unknown; credentials: unknown; timeoutMs?: number },
    defaultTimeoutMs: number,
  ): { settings: z.infer<S>; credentials: z.infer<C>; timeoutMs: number } => ({
    settings: parseConnectorPart(kind, 'settings', schemas.settings, config.settings),
    credentials: parseConnectorPart(kind, 'credentials', schemas.credentials, config.credentials),
    timeoutMs: config.timeoutMs ?? defaultTimeoutMs,
  })
}

/** A credential: a non-empty string. */
export const credential = (name: string) => z.string({ error: `${name} is required` }).min(1, `${name} is required`)

/** How often a channel's orders are polled (seconds, at least a minute). */
export const ordersPollSeconds = (defaultSeconds: number, maxSeconds: number, label: string) =>
  z.number().int().min(60).max(maxSeconds).default(defaultSeconds).describe(label)

/** How much each orders poll re-reads before the newest order change seen (seconds, up to a day). */
export const ordersOverlapSeconds = (defaultSeconds: number, label: string) =>
  z.number().int().min(0).max(86_400).default(defaultSeconds).describe(label)
