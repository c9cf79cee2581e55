import type { Db, RawSql } from '../db'
import { NotFoundError } from '../errors'
import { RuleSetSchema, type RuleSet } from './rules.schema'

export interface RuleSetVersionView {
  id: string
  number: number
  rules: RuleSet
  comment: string
  authorLabel: string
  createdAt: Date
  effectiveFrom: Date
  rolledBackFrom: string | null
  activatedAt: Date | null
}

/** A stored version as read: the same fields, its rules not yet parsed. */
type VersionRow = Omit<RuleSetVersionView, 'rules'> & { rules: unknown }

function view(row: VersionRow): RuleSetVersionView {
  return {
    id: row.id,
    number: row.number,
    rules: RuleSetSchema.parse(row.rules),
    comment: row.comment,
    authorLabel: row.authorLabel,
    createdAt: row.createdAt,
    effectiveFrom: row.effectiveFrom,
    rolledBackFrom: row.rolledBackFrom,
    activatedAt: row.activatedAt,
  }
}

/** Which version is in force at $1: the newest whose effective-from time has passed (one definition). */
const IN_FORCE = `FROM "RuleSetVersion" WHERE "effectiveFrom" <= $1::timestamptz ORDER BY number DESC LIMIT 1`

/** The version in force now: the newest whose effective-from time has passed. */
export async function getCurrentRuleSet(db: RawSql, at: Date = new Date()): Promise<RuleSetVersionView> {
  // SQL text, not the model API, so a recompute's plain `pg` transaction can call it too.
  const [row] = await db.$queryRawUnsafe<VersionRow[]>(
    `SELECT id, number, rules, comment, "authorLabel", "createdAt", "effectiveFrom", "rolledBackFrom", "activatedAt" ${IN_FORCE}`,
    at.toISOString(),
  )
  if (!row) throw new NotFoundError('No rule set has been saved yet.', 'NO_RULES')
  return view(row)
}

/**
 * A channel's `publishPriority` under the rules in force (0 when unset, when no rules were saved or
 * the channel has none): read on its own, without parsing the whole rule set, because every publish
 * enqueue asks for it.
 */
export async function getChannelPublishPriority(db: RawSql, channelId: string, at: Date = new Date()): Promise<number> {
  const [row] = await db.$queryRawUnsafe<Array<{ priority: number }>>(
    `SELECT COALESCE((v.rules #>> ARRAY['channels', c.code, 'publishPriority'])::int, 0) AS priority
       FROM "Channel" c LEFT JOIN LATERAL (SELECT rules ${IN_FORCE}) v ON true
      WHERE c.id = $2::uuid`,
    at.toISOString(),
    channelId,
  )
  return row?.priority ?? 0
}

export async function getRuleSetVersion(db: Db, id: string): Promise<RuleSetVersionView> {
  const row = await db.ruleSetVersion.findUnique({ where: { id } })
  if (!row) throw new NotFoundError(`No rule set version "${id}".`, 'UNKNOWN_RULE_VERSION')
  return view(row)
}

export interface RuleVersionSummary {
  id: string
  number: number
  comment: string
  author: string
  createdAt: string
  effectiveFrom: string
  rolledBackFrom: string | null
  state: 'scheduled' | 'current' | 'superseded'
}

/** Every version, newest first, with which one is in force. */
export async function listRuleSetVersions(
  db: Db,
  opts: { limit?: number } = {},
  now = new Date(),
): Promise<RuleVersionSummary[]> {
  const rows = await db.ruleSetVersion.findMany({
    orderBy: { number: 'desc' },
    take: opts.limit ?? 100,
    select: {
      id: true,
      number: true,
      comment: true,
      authorLabel: true,
      createdAt: true,
      effectiveFrom: true,
      rolledBackFrom: true,
    },
  })
  const current = rows.find((r) => r.effectiveFrom <= now)?.id
  return rows.map((r) => ({
    id: r.id,
    number: r.number,
    comment: r.comment,
    author: r.authorLabel,
    createdAt: r.createdAt.toISOString(),
    effectiveFrom: r.effectiveFrom.toISOString(),
    rolledBackFrom: r.rolledBackFrom,
    state: r.effectiveFrom > now ? 'scheduled' : r.id === current ? 'current' : 'superseded',
  }))
}

/** The version numbered just before `number`, or null for the first. */
export async function getPreviousRuleSetVersion(db: Db, number: number): Promise<RuleSetVersionView | null> {
  const previous = await db.ruleSetVersion.findFirst({
    where: { number: { lt: number } },
    orderBy: { number: 'desc' },
    select: { id: true },
  })
  return previous ? getRuleSetVersion(db, previous.id) : null
}

export interface RuleChange {
  path: string
  from: unknown
  to: unknown
}

/** A path-level diff of two rule sets (added, removed and changed leaves; arrays compared whole). */
export function diffRuleSets(a: unknown, b: unknown, path = ''): RuleChange[] {
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
    return keys.flatMap((k) => diffRuleSets(a[k], b[k], path ? `${path}.${k}` : k))
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return []
  return [{ path: path || '(rules)', from: a ?? null, to: b ?? null }]
}

/** Progress of the recompute started by the newest activated version. */
export async function getRecomputeProgress(
  db: Db,
): Promise<{ version: string | null; total: number; pending: number; done: number; startedAt: string | null }> {
  const v = await db.ruleSetVersion.findFirst({
    where: { activatedAt: { not: null } },
    orderBy: { activatedAt: 'desc' },
    select: { id: true, recomputeSkus: true, activatedAt: true },
  })
  const pending = await db.availabilityDirty.count()
  const total = v?.recomputeSkus ?? 0
  return {
    version: v?.id ?? null,
    total,
    pending,
    done: Math.max(0, total - pending),
    startedAt: v?.activatedAt?.toISOString() ?? null,
  }
}

export function ruleVersionId(n: number): string {
  return `rs-${String(n).padStart(4, '0')}`
}
