// File inbox layout: <inbox>/<source>/ holds dropped files; a worker claims one by renaming it into
// <source>/.received/<messageId>__<name> (atomic: one claimer wins), stores it raw, then a job
// ingests it and moves it to processed/ or failed/, with <name>.error.txt beside it naming each
// rejected line or the reason the whole file was refused.
import fs from 'node:fs'
import path from 'node:path'

export const SOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
export const RECEIVED = '.received'
export const PROCESSED = 'processed'
export const FAILED = 'failed'

export type FileKind = 'csv' | 'ndjson' | 'edi846' | 'unsupported'

export function fileKind(name: string): FileKind {
  const ext = path.extname(name).toLowerCase()
  if (ext === '.csv') return 'csv'
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson'
  if (ext === '.edi' || ext === '.x12' || ext === '.846') return 'edi846'
  return 'unsupported'
}

/** `stock.partial.csv` is compared as a partial snapshot; anything else as a full one. */
export function snapshotModeFromName(name: string): 'full' | 'partial' {
  return /\.partial\./i.test(name) ? 'partial' : 'full'
}

export function claimedName(messageId: string, name: string): string {
  return `${messageId}__${name}`
}

export function parseClaimedName(claimed: string): { messageId: string; name: string } | null {
  const m = /^([0-9a-f-]{36})__(.+)$/i.exec(claimed)
  return m ? { messageId: m[1], name: m[2] } : null
}

export function ensureSourceFolders(sourceDir: string): void {
  for (const sub of [RECEIVED, PROCESSED, FAILED]) fs.mkdirSync(path.join(sourceDir, sub), { recursive: true })
}

/** Moves a claimed file to processed/ or failed/ (never overwriting an earlier file of the same name). */
export function settleFile(
  sourceDir: string,
  claimed: string,
  outcome: 'processed' | 'failed',
  errorText: string | null,
): string | null {
  const parsed = parseClaimedName(claimed)
  const from = path.join(sourceDir, RECEIVED, claimed)
  if (!parsed || !fs.existsSync(from)) return null
  const folder = path.join(sourceDir, outcome === 'processed' ? PROCESSED : FAILED)
  fs.mkdirSync(folder, { recursive: true })
  let target = path.join(folder, parsed.name)
  if (fs.existsSync(target))
    target = path.join(folder, `${new Date().toISOString().replace(/[:.]/g, '-')}-${parsed.name}`)
  if (errorText) fs.writeFileSync(`${target}.error.txt`, errorText.endsWith('\n') ? errorText : `${errorText}\n`)
  fs.renameSync(from, target)
  return target
}
