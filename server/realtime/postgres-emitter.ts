// Emits socket.io events from processes that have no socket.io server (workers, the file inbox),
// through the same PostgreSQL NOTIFY channel the web process's @socket.io/postgres-adapter listens
// on. Written here because @socket.io/postgres-emitter 0.1.1 omits the top-level `nsp` that the
// adapter (0.5, socket.io-adapter's ClusterAdapter) requires, so its messages were silently
// dropped. The message is the ClusterAdapter BROADCAST shape.
import type pg from 'pg'
import type { RealtimeTransport } from './publisher'

const CHANNEL = 'socket.io#/'
const BROADCAST = 3
const EVENT_PACKET = 2
/** PostgreSQL's NOTIFY payload limit is 8000 bytes; stay under it by splitting the room list. */
const MAX_PAYLOAD_BYTES = 7_500

export function buildBroadcast(uid: string, rooms: string[], event: string, payload: unknown): string {
  return JSON.stringify({
    uid,
    nsp: '/',
    type: BROADCAST,
    data: { packet: { type: EVENT_PACKET, data: [event, payload], nsp: '/' }, opts: { rooms, except: [], flags: {} } },
  })
}

/** Splits rooms so every message fits in one NOTIFY. */
export function broadcastMessages(uid: string, rooms: string[], event: string, payload: unknown): string[] {
  const whole = buildBroadcast(uid, rooms, event, payload)
  if (Buffer.byteLength(whole) <= MAX_PAYLOAD_BYTES || rooms.length <= 1) return [whole]
  const half = Math.ceil(rooms.length / 2)
  return [
    ...broadcastMessages(uid, rooms.slice(0, half), event, payload),
    ...broadcastMessages(uid, rooms.slice(half), event, payload),
  ]
}

export function postgresTransport(
  pool: pg.Pool,
  uid: string,
  onError: (e: Error) => void = () => {},
): RealtimeTransport {
  return {
    emit(rooms, event, payload) {
      for (const message of broadcastMessages(uid, rooms, event, payload)) {
        pool.query('SELECT pg_notify($1, $2)', [CHANNEL, message]).catch(onError)
      }
    },
  }
}
