// PUT /api/v1/sources/{code} and Settings -> Sources: creates or replaces a source's name, kind and
// settings, audited with before and after. Secrets are not touched here: a signing secret is
// issued or rotated only through signing-secrets.ts, and shown once there.
import type { PrismaClient } from '@prisma/client'
import { z } from 'zod'
import { transaction } from '../db'
import { recordAudit, type Actor } from '../audit/record-audit'
import { parseInput } from '../parse-input'
import { SOURCE_CODE } from '../auth/manage-api-keys'
import { ValidationError } from '../errors'
import { PLAIN_TEXT, SOURCE_KINDS, SourceSettingsSchema } from './source-settings.schema'
import { toSourceView, type SourceView } from './list-sources'

export const SourceCodeSchema = z
  .string()
  .trim()
  .max(100)
  .regex(SOURCE_CODE, 'a source code has letters, digits, ".", "_", ":" or "-" (e.g. erp-main)')

export const SaveSourceInputSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, 'give the source a name')
      .max(200)
      .regex(PLAIN_TEXT, 'a name has no control characters'),
    kind: z.enum(SOURCE_KINDS),
    settings: SourceSettingsSchema.default(SourceSettingsSchema.parse({})),
  })
  .strict()

export async function saveSource(
  db: PrismaClient,
  actor: Actor,
  code: string,
  raw: unknown,
  ref: string | null = null,
): Promise<{ source: SourceView; created: boolean }> {
  const c = SourceCodeSchema.safeParse(code)
  if (!c.success)
    throw new ValidationError(
      `"${code.slice(0, 100)}" is not a source code: ${c.error.issues[0].message}.`,
      undefined,
      'INVALID_SOURCE_CODE',
    )
  const input = parseInput(SaveSourceInputSchema, raw)
  return transaction(db, async (tx) => {
    const [before] = await tx.$queryRawUnsafe<Array<{ name: string; kind: string; settings: unknown }>>(
      `SELECT name, kind, settings FROM "Source" WHERE code = $1 FOR UPDATE`,
      c.data,
    )
    const data = { name: input.name, kind: input.kind, settings: input.settings as never, updatedAt: new Date() }
    const row = before
      ? await tx.source.update({ where: { code: c.data }, data })
      : await tx.source.create({ data: { code: c.data, ...data } })
    await recordAudit(tx, actor, {
      action: before ? 'source.update' : 'source.create',
      entity: 'source',
      entityId: c.data,
      before: before ? { name: before.name, kind: before.kind, settings: before.settings } : undefined,
      after: { name: input.name, kind: input.kind, settings: input.settings },
      ref,
    })
    return { source: toSourceView(row), created: !before }
  })
}

/** Settings -> Sources sends the code with the fields. */
export const SaveSourceFromScreenInputSchema = SaveSourceInputSchema.extend({ code: SourceCodeSchema })

export async function saveSourceFromScreen(
  db: PrismaClient,
  actor: Actor,
  raw: unknown,
): Promise<{ source: SourceView; created: boolean }> {
  const { code, ...rest } = parseInput(SaveSourceFromScreenInputSchema, raw)
  return saveSource(db, actor, code, rest)
}
