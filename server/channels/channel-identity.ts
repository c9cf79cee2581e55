// What every channel view names a channel by: its code, name, kind (the marketplace), mode
// (shadow or live) and status (active or paused).
export interface ChannelIdentity<Mode extends string = string, Status extends string = string> {
  code: string
  name: string
  kind: string
  mode: Mode
  status: Status
}

export function channelIdentity<M extends string, S extends string>(c: ChannelIdentity<M, S>): ChannelIdentity<M, S> {
  return { code: c.code, name: c.name, kind: c.kind, mode: c.mode, status: c.status }
}
