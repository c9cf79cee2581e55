'use client'
// One socket.io connection per tab, shared by every component. Components say which rooms they
// watch and which react-query keys each thin event invalidates (CONVENTIONS 12); the data itself
// is refetched through the normal read endpoints, so a lost push only delays an update. Bursts
// (20 events a second under demo traffic) are coalesced into one refetch per key per interval.
import { useQueryClient, type QueryKey } from '@tanstack/react-query'
import { useEffect, useRef, useSyncExternalStore } from 'react'
import { io, type Socket } from 'socket.io-client'
import type { z } from 'zod'
import { EVENT_PAYLOADS, type RealtimeEventName } from '@/server/realtime/contract'

export type { RealtimeEventName }
const PAYLOADS: Record<RealtimeEventName, z.ZodType> = EVENT_PAYLOADS

export type ConnectionState = 'connecting' | 'live' | 'reconnecting'

/** How often a pending refetch checks whether the same key's fetch in flight has settled. */
const IN_FLIGHT_RECHECK_MS = 50

let socket: Socket | null = null
let state: ConnectionState = 'connecting'
const stateListeners = new Set<() => void>()
const roomCounts = new Map<string, number>()
const reconnectListeners = new Set<() => void>()

function setState(next: ConnectionState) {
  state = next
  for (const l of stateListeners) l()
}

function getSocket(): Socket {
  if (socket) return socket
  socket = io({ path: '/socket.io', transports: ['websocket', 'polling'], withCredentials: true })
  socket.on('connect', () => {
    setState('live')
    // Rooms are per connection: rejoin after every (re)connect, then refetch what may have been missed.
    const rooms = [...roomCounts.keys()]
    if (rooms.length) socket?.emit('subscribe', { rooms })
    for (const l of reconnectListeners) l()
  })
  socket.on('disconnect', () => setState('reconnecting'))
  socket.on('connect_error', () => setState('reconnecting'))
  // The browser knows it lost the network before socket.io's ping times out (tens of seconds):
  // say so at once; when it is back, reconnect right away instead of waiting for the backoff.
  window.addEventListener('offline', () => setState('reconnecting'))
  window.addEventListener('online', () => {
    if (socket && !socket.connected) socket.connect()
  })
  return socket
}

function join(rooms: string[]) {
  const fresh = rooms.filter((r) => {
    const n = roomCounts.get(r) ?? 0
    roomCounts.set(r, n + 1)
    return n === 0
  })
  const s = getSocket()
  if (fresh.length && s.connected) s.emit('subscribe', { rooms: fresh })
}

function leave(rooms: string[]) {
  const gone = rooms.filter((r) => {
    const n = (roomCounts.get(r) ?? 1) - 1
    if (n <= 0) roomCounts.delete(r)
    else roomCounts.set(r, n)
    return n <= 0
  })
  if (gone.length && socket?.connected) socket.emit('unsubscribe', { rooms: gone })
}

export function useConnectionState(): ConnectionState {
  return useSyncExternalStore(
    (l) => {
      stateListeners.add(l)
      getSocket()
      return () => stateListeners.delete(l)
    },
    () => state,
    () => 'connecting',
  )
}

export interface RealtimeSubscription {
  rooms: string[]
  /** For each event: the query keys to refetch, or a function choosing them from the payload. */
  invalidate: Partial<Record<RealtimeEventName, QueryKey[] | ((payload: unknown) => QueryKey[])>>
  /** Minimum time between two refetches of the same key (default 1 s). */
  coalesceMs?: number
}

export function useRealtime(sub: RealtimeSubscription): void {
  const queryClient = useQueryClient()
  const subRef = useRef(sub)
  subRef.current = sub
  const roomsKey = sub.rooms.join('|')

  useEffect(() => {
    const rooms = roomsKey ? roomsKey.split('|') : []
    const s = getSocket()
    const pending = new Map<string, QueryKey>()
    let timer: ReturnType<typeof setTimeout> | null = null
    // At most one refetch per key in flight: a key whose query is still fetching stays pending and
    // is refetched once that fetch settles (it may have started before the change the event
    // announced, so it must not count as the refetch). Cancelling it instead (react-query's default)
    // leaves the server computing answers nobody reads: with hundreds of dashboards open, a slow
    // answer turned into more requests, not fewer (fan-out bench).
    const flush = () => {
      timer = null
      for (const [id, key] of pending) {
        if (queryClient.isFetching({ queryKey: key }) > 0) continue
        pending.delete(id)
        void queryClient.invalidateQueries({ queryKey: key }, { cancelRefetch: false })
      }
      if (pending.size > 0) timer = setTimeout(flush, IN_FLIGHT_RECHECK_MS)
    }
    const schedule = (keys: QueryKey[]) => {
      for (const k of keys) pending.set(JSON.stringify(k), k)
      timer ??= setTimeout(flush, subRef.current.coalesceMs ?? 1_000)
    }
    const handlers = (Object.keys(PAYLOADS) as RealtimeEventName[]).map((event) => {
      const handler = (raw: unknown) => {
        const rule = subRef.current.invalidate[event]
        if (!rule) return
        const parsed = PAYLOADS[event].safeParse(raw)
        if (!parsed.success) return
        schedule(typeof rule === 'function' ? rule(parsed.data) : rule)
      }
      s.on(event, handler)
      return [event, handler] as const
    })
    const onReconnect = () => {
      const all = Object.values(subRef.current.invalidate).flatMap((rule) => (Array.isArray(rule) ? rule : []))
      schedule(all)
    }
    reconnectListeners.add(onReconnect)
    join(rooms)
    return () => {
      for (const [event, handler] of handlers) s.off(event, handler)
      reconnectListeners.delete(onReconnect)
      leave(rooms)
      if (timer) clearTimeout(timer)
    }
  }, [roomsKey, queryClient])
}
