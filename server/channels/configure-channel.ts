// Channel configuration for admins: mode (shadow/live), status, rate budget, base URL and the
// connector's non-secret settings; its credentials are set by set-channel-credentials.ts. Settings are validated against the
// connector's own schema (the one it parses at construction), so a setting the connector would
// refuse is refused here, with the field named. Credentials are encrypted at rest and never read
// back: the read model (list-channel-settings.ts) says only whether they are set and when they
// last changed (from the audit row written here, which names the fields, never the values).
import type { PrismaClient, Prisma } from '@prisma/client'
import { z } from 'zod'
import { parseInput } from '../parse-input'
import { transaction } from '../db'
import { NotFoundError, ValidationError } from '../errors'
import { recordAudit, type Actor } from '../audit/record-audit'
import { enqueuePublish } from '../queue/enqueue'
import { connectorFormFields, connectorSchemasFor, type ConnectorFormField } from '../channels/connector-schemas'

/** The credential fields a connector needs (the form shows one password input per field). */
export function credentialFieldsFor(kind: string): string[] {
  const s = connectorSchemasFor(kind)
  return s ? Object.keys(s.credentials.shape) : []
}

/** Settings every channel has, whatever its connector (publisher and verifier read them). */
const CommonSettingsSchema = z.object({
  simulated: z.boolean().optional(),
  verifyAfterSeconds: z
    .number()
    .int()
    .min(0)
    .max(3600)
    .optional()
    .describe('Read back this many seconds after publishing'),
  verifySlaSeconds: z.number().int().min(1).max(86_400).optional().describe('Alert when not verified within (seconds)'),
  orderGraceSeconds: z
    .number()
    .int()
    .min(1)
    .max(86_400)
    .optional()
    .describe(
      'Wait this long for orders in flight before a difference is a merchant edit (seconds; default from the measured order intake lag)',
    ),
  orderIntakeStaleAfterSeconds: z
    .number()
    .int()
    .min(60)
    .max(604_800)
    .optional()
    .describe('Orders intake counts as stopped after this much silence (seconds, default 900)'),
})

/**
 * The Settings form of a channel kind, generated from its connector's schemas: its own settings
 * first, then the settings every channel has; credentials as secret inputs. A kind without a
 * connector gets no fields (its settings are edited as JSON, its credentials by name).
 */
export function channelFormFor(kind: string): { settings: ConnectorFormField[]; credentials: ConnectorFormField[] } {
  const s = connectorSchemasFor(kind)
  if (!s) return { settings: [], credentials: [] }
  const common = connectorFormFields(CommonSettingsSchema.omit({ simulated: true }), 'settings')
  return {
    settings: [...connectorFormFields(s.settings, 'settings'), ...common],
    credentials: connectorFormFields(s.credentials, 'credentials'),
  }
}

/**
 * A key that names a secret belongs in credentials, where it is encrypted: refuse it in settings.
 * An endpoint's address is not a secret (tokenUrl, lwaTokenUrl).
 */
export const SECRET_KEY = /(secret|token(?!_?url$)|password|passwd|api[-_]?key|private[-_]?key|credential)/i

const settingValue = z.union([z.string().max(2000), z.number(), z.boolean(), z.null()])

export const UpdateChannelInputSchema = z.object({
  code: z.string().min(1).max(100),
  name: z.string().trim().min(1, 'give the channel a name').max(200),
  mode: z.enum(['shadow', 'live']),
  status: z.enum(['active', 'paused']),
  baseUrl: z
    .string()
    .trim()
    .url('the base URL must be an absolute http(s) URL, e.g. https://example.myshopify.com')
    .refine((u) => /^https?:\/\//i.test(u), 'the base URL must start with http:// or https://'),
  ratePerSecond: z.number().positive('the rate must be above 0 requests per second').max(10_000),
  rateBurst: z.number().int().min(1, 'the burst must be at least 1').max(100_000),
  /** The other non-secret settings, flat key -> value (baseUrl is its own field). */
  settings: z
    .record(z.string().min(1).max(100), settingValue)
    .refine((s) => Object.keys(s).length <= 50, 'at most 50 settings'),
})
export type UpdateChannelInput = z.infer<typeof UpdateChannelInputSchema>

function issuesOf(prefix: string, error: z.ZodError): string {
  return error.issues.map((i) => `${prefix}${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')
}

/** Validates a channel's settings as its connector will read them; returns what to store. */
export function validateChannelSettings(
  kind: string,
  baseUrl: string,
  settings: Record<string, unknown>,
): Record<string, unknown> {
  const problems: string[] = []
  if ('baseUrl' in settings) problems.push('settings.baseUrl: give the base URL in its own field')
  for (const k of Object.keys(settings))
    if (SECRET_KEY.test(k))
      problems.push(`settings.${k}: looks like a secret; set it under credentials, where it is stored encrypted`)
  const common = CommonSettingsSchema.safeParse(pick(settings, Object.keys(CommonSettingsSchema.shape)))
  if (!common.success) problems.push(issuesOf('settings.', common.error))
  const kindSchema = connectorSchemasFor(kind)?.settings
  if (kindSchema) {
    const r = kindSchema.safeParse(settings)
    if (!r.success) problems.push(issuesOf('settings.', r.error))
  }
  if (problems.length > 0)
    throw new ValidationError(
      `The channel settings are not valid: ${problems.join('; ')}.`,
      undefined,
      'INVALID_SETTINGS',
    )
  return { ...settings, baseUrl }
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => keys.includes(k)))
}

/** The channel an admin edits, by code, or a 404. */
export async function channelByCode(db: Prisma.TransactionClient, code: string) {
  const channel = await db.channel.findUnique({ where: { code } })
  if (!channel) throw new NotFoundError(`There is no channel "${code}".`, 'UNKNOWN_CHANNEL')
  return channel
}

export interface ChannelChangeResult {
  code: string
  changed: string[]
}

/**
 * Saves a channel's configuration. Switching to live or resuming enqueues a publish in the same
 * transaction, so the listings waiting while it was in shadow mode or paused go out.
 */
export async function updateChannel(
  db: PrismaClient,
  actor: Actor,
  raw: unknown,
  ref: string | null = null,
): Promise<ChannelChangeResult> {
  const input = parseInput(UpdateChannelInputSchema, raw)
  return transaction(db, async (tx) => {
    const current = await channelByCode(tx, input.code)
    const settings = validateChannelSettings(current.kind, input.baseUrl, input.settings)
    const before = {
      name: current.name,
      mode: current.mode,
      status: current.status,
      ratePerSecond: current.ratePerSecond,
      rateBurst: current.rateBurst,
      settings: current.settings,
    }
    const after = {
      name: input.name,
      mode: input.mode,
      status: input.status,
      ratePerSecond: input.ratePerSecond,
      rateBurst: input.rateBurst,
      settings,
    }
    const changed = Object.keys(after).filter(
      (k) =>
        JSON.stringify((before as Record<string, unknown>)[k]) !==
        JSON.stringify((after as Record<string, unknown>)[k]),
    )
    if (changed.length === 0) return { code: input.code, changed }
    await tx.channel.update({
      where: { id: current.id },
      data: {
        name: input.name,
        mode: input.mode,
        status: input.status,
        ratePerSecond: input.ratePerSecond,
        rateBurst: input.rateBurst,
        settings: settings as Prisma.InputJsonObject,
      },
    })
    const nowSending = input.mode === 'live' && input.status === 'active'
    const wasSending = current.mode === 'live' && current.status === 'active'
    if (nowSending && !wasSending) await enqueuePublish(tx, current.id)
    await recordAudit(tx, actor, {
      action: 'channel.configure',
      entity: 'channel',
      entityId: current.id,
      before: pick(before, changed),
      after: pick(after, changed),
      ref,
    })
    return { code: input.code, changed }
  })
}
