// Every operator action and rule change leaves an audit row: who, what, before and after.
import type { Db } from '../db'

export interface Actor {
  kind: 'user' | 'api_key' | 'system'
  id: string | null
  label: string
}

export const SYSTEM_ACTOR: Actor = { kind: 'system', id: null, label: 'system' }

export async function recordAudit(
  db: Db,
  actor: Actor,
  entry: {
    action: string
    entity: string
    entityId?: string | null
    before?: unknown
    after?: unknown
    ref?: string | null
  },
): Promise<void> {
  await db.auditLog.create({
    data: {
      actorKind: actor.kind,
      actorId: actor.id,
      actorLabel: actor.label,
      action: entry.action,
      entity: entry.entity,
      entityId: entry.entityId ?? null,
      before: (entry.before ?? undefined) as never,
      after: (entry.after ?? undefined) as never,
      ref: entry.ref ?? null,
    },
  })
}
