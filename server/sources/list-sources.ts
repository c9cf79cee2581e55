// Sources as the API and Settings show them (docs/api.md "Sources and channels"): name, kind and
// settings; a signing secret only as "set / previous valid until", never its value.
import type { Db } from '../db'
import { NotFoundError } from '../errors'
import { readStoredSettings, type SourceSettings } from './source-settings.schema'

export interface SourceView {
  code: string
  name: string
  kind: string
  settings: SourceSettings
  /** Stored settings parts that no longer validate (shown so an admin can fix them). */
  settingsProblems: string[]
  signingSecret: { set: boolean; previousValidUntil: string | null }
  createdAt: string
  updatedAt: string
}

type SourceRow = {
  code: string
  name: string
  kind: string
  settings: unknown
  signingSecretEnc: string | null
  previousValidUntil: Date | null
  createdAt: Date
  updatedAt: Date
}

export function toSourceView(s: SourceRow): SourceView {
  const { settings, problems } = readStoredSettings(s.settings)
  return {
    code: s.code,
    name: s.name,
    kind: s.kind,
    settings,
    settingsProblems: problems,
    signingSecret: {
      set: s.signingSecretEnc !== null,
      previousValidUntil: s.previousValidUntil?.toISOString() ?? null,
    },
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  }
}

export async function listSources(db: Db): Promise<{ items: SourceView[] }> {
  const rows = await db.source.findMany({ orderBy: { code: 'asc' } })
  return { items: rows.map(toSourceView) }
}

export async function getSource(db: Db, code: string): Promise<SourceView> {
  const row = await db.source.findUnique({ where: { code } })
  if (!row) throw new NotFoundError(`There is no source "${code}".`, 'UNKNOWN_SOURCE')
  return toSourceView(row)
}

/**
 * The settings a file of this source is read with. A source that was never configured (files
 * dropped into a folder nobody declared) reads with the defaults, as before sources existed.
 */
export async function sourceSettings(db: Db, code: string): Promise<SourceSettings> {
  const row = await db.source.findUnique({ where: { code }, select: { settings: true } })
  return readStoredSettings(row?.settings ?? {}).settings
}
