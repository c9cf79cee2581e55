// Which role may listen to which realtime room: the permission that opens the matching screen.
// Deny by default: a room this table does not name is refused to everyone.
import { can, type Action } from '../auth/permissions'

import { ROOM_PATTERN } from './contract'

export { ROOM_PATTERN }

/** The permission a room needs, or null for a room that does not exist. */
export function roomAction(room: string): Action | null {
  if (!ROOM_PATTERN.test(room)) return null
  if (room === 'dashboard') return 'dashboard:view'
  if (room === 'dead-letters') return 'dead-letters:view'
  if (room === 'kpis') return 'kpis:view'
  if (room === 'findings') return 'findings:view'
  if (room.startsWith('sku:')) return 'inventory:view'
  if (room.startsWith('channel:')) return 'channels:view'
  return null
}

export function mayJoinRoom(role: string | null | undefined, room: string): boolean {
  const action = roomAction(room)
  return action !== null && can(role, action)
}

/** Splits requested rooms into those the role may join and those it may not. */
export function authoriseRooms(
  role: string | null | undefined,
  rooms: string[],
): { allowed: string[]; refused: string[] } {
  const allowed: string[] = []
  const refused: string[] = []
  for (const r of rooms) (mayJoinRoom(role, r) ? allowed : refused).push(r)
  return { allowed, refused }
}

/** Every kind of room, with a representative name (the authorisation test walks these). */
export const ROOM_KINDS = ['dashboard', 'dead-letters', 'kpis', 'findings', 'sku:SKU-00001', 'channel:shopify'] as const
