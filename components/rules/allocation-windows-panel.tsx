'use client'
// Time-boxed allocations (a campaign's ring-fence or share between from and until, released on its
// own) and sell-ahead (incoming units up to a cap within a horizon), per channel, edited in the
// rule set draft like every other rule (previewed, then saved as a version).
import type { AllocationWindow, ChannelRules, DegradedPolicy, RuleSet } from '@/server/rules/rules.schema'
import { EmptyState } from '@/components/ui/empty-state'
import { RemoveCell } from './editable-cells'

/** ISO (UTC) <-> the browser's datetime-local value. */
const toLocalInput = (iso?: string) => {
  if (!iso) return ''
  const d = new Date(iso)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}
const fromLocalInput = (v: string) => (v ? new Date(v).toISOString() : undefined)
const windowState = (w: AllocationWindow, now: number) =>
  w.until && Date.parse(w.until) <= now ? 'released' : w.from && Date.parse(w.from) > now ? 'upcoming' : 'in force'

export function AllocationWindowsPanel({
  draft,
  edit,
  canEdit,
  channelCodes,
}: {
  draft: RuleSet
  edit: (fn: (r: RuleSet) => void) => void
  canEdit: boolean
  channelCodes: string[]
}) {
  const now = Date.now()
  const windows = channelCodes.flatMap((code) =>
    (draft.channels[code].allocations ?? []).map((w, i) => ({ code, w, i })),
  )
  const setChannel = (code: string, fn: (c: ChannelRules) => void) => edit((r) => fn(r.channels[code]))
  const setWindow = (code: string, i: number, fn: (w: AllocationWindow) => void) =>
    setChannel(code, (c) => {
      fn(c.allocations![i])
    })
  return (
    <div className="panel" data-testid="allocation-windows">
      <h2>Allocation windows and sell-ahead</h2>
      <p className="muted" style={{ marginTop: 0 }}>
        A window replaces the channel&apos;s ring-fence and/or share between its start and end (for every SKU, one SKU
        or one category) and is released on its own at the end. Sell-ahead lets a channel also sell incoming units (in
        transit, or expected within the horizon), up to a cap.
      </p>
      {windows.length === 0 ? (
        <EmptyState title="No allocation windows">Channels use their own ring-fence and share at all times.</EmptyState>
      ) : (
        <table className="data stack" data-testid="allocation-window-rows">
          <thead>
            <tr>
              <th>Channel</th>
              <th>Name</th>
              <th>From</th>
              <th>Until</th>
              <th>SKU or category</th>
              <th className="num">Ring-fence</th>
              <th className="num">Share %</th>
              <th>State</th>
              {canEdit && <th></th>}
            </tr>
          </thead>
          <tbody>
            {windows.map(({ code, w, i }) => {
              const label = (what: string) => `${what} of window ${w.name} on ${code}`
              return (
                <tr key={`${code}-${i}`} data-testid={`allocation-window-${code}-${i}`}>
                  <td data-label="Channel">{code}</td>
                  <td data-label="Name">
                    {canEdit ? (
                      <input
                        type="text"
                        aria-label={label('Name')}
                        value={w.name}
                        onChange={(e) =>
                          setWindow(code, i, (x) => {
                            x.name = e.target.value
                          })
                        }
                        size={14}
                      />
                    ) : (
                      w.name
                    )}
                  </td>
                  <td data-label="From">
                    {canEdit ? (
                      <input
                        type="datetime-local"
                        aria-label={label('From')}
                        value={toLocalInput(w.from)}
                        onChange={(e) =>
                          setWindow(code, i, (x) => {
                            x.from = fromLocalInput(e.target.value)
                          })
                        }
                      />
                    ) : (
                      (w.from ?? 'always')
                    )}
                  </td>
                  <td data-label="Until">
                    {canEdit ? (
                      <input
                        type="datetime-local"
                        aria-label={label('Until')}
                        value={toLocalInput(w.until)}
                        onChange={(e) =>
                          setWindow(code, i, (x) => {
                            x.until = fromLocalInput(e.target.value)
                          })
                        }
                      />
                    ) : (
                      (w.until ?? 'no end')
                    )}
                  </td>
                  <td data-label="SKU or category">
                    {canEdit ? (
                      <input
                        type="text"
                        aria-label={label('Scope')}
                        placeholder="every SKU (or sku:CODE / category:NAME)"
                        value={w.sku ? `sku:${w.sku}` : w.category ? `category:${w.category}` : ''}
                        onChange={(e) =>
                          setWindow(code, i, (x) => {
                            const v = e.target.value.trim()
                            delete x.sku
                            delete x.category
                            if (v.startsWith('category:')) x.category = v.slice(9).trim() || undefined
                            else if (v) x.sku = v.replace(/^sku:/, '').trim() || undefined
                          })
                        }
                        size={18}
                      />
                    ) : (
                      (w.sku ?? w.category ?? 'every SKU')
                    )}
                  </td>
                  <td data-label="Ring-fence" className="num">
                    {canEdit ? (
                      <input
                        type="number"
                        min={0}
                        aria-label={label('Ring-fence')}
                        value={w.ringFence ?? ''}
                        onChange={(e) =>
                          setWindow(code, i, (x) => {
                            x.ringFence = e.target.value === '' ? undefined : Number(e.target.value)
                          })
                        }
                        style={{ width: 64 }}
                      />
                    ) : (
                      (w.ringFence ?? '—')
                    )}
                  </td>
                  <td data-label="Share %" className="num">
                    {canEdit ? (
                      <input
                        type="number"
                        min={0}
                        max={100}
                        aria-label={label('Share percent')}
                        placeholder="own"
                        value={w.share?.type === 'percent' ? w.share.percent : ''}
                        onChange={(e) =>
                          setWindow(code, i, (x) => {
                            x.share =
                              e.target.value === '' ? undefined : { type: 'percent', percent: Number(e.target.value) }
                          })
                        }
                        style={{ width: 60 }}
                      />
                    ) : w.share?.type === 'percent' ? (
                      `${w.share.percent}%`
                    ) : w.share?.type === 'fixed' ? (
                      `${w.share.units} units`
                    ) : (
                      '—'
                    )}
                  </td>
                  <td data-label="State">
                    <span className="chip">{windowState(w, now)}</span>
                  </td>
                  <RemoveCell
                    canEdit={canEdit}
                    label={label('Remove')}
                    onRemove={() =>
                      setChannel(code, (c) => {
                        c.allocations!.splice(i, 1)
                        if (c.allocations!.length === 0) delete c.allocations
                      })
                    }
                  />
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      {canEdit && channelCodes.length > 0 && (
        <div className="toolbar" style={{ marginTop: 8 }}>
          <label>
            Add a window for{' '}
            <select
              aria-label="Add allocation window for channel"
              value=""
              onChange={(e) => {
                const code = e.target.value
                if (!code) return
                const from = new Date()
                from.setMinutes(0, 0, 0)
                from.setHours(from.getHours() + 1)
                const until = new Date(from.getTime() + 7 * 86_400_000)
                setChannel(code, (c) => {
                  c.allocations = [
                    ...(c.allocations ?? []),
                    { name: 'Campaign', from: from.toISOString(), until: until.toISOString(), ringFence: 10 },
                  ]
                })
              }}
            >
              <option value="">choose a channel…</option>
              {channelCodes.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      <table className="data stack" data-testid="sell-ahead" style={{ marginTop: 12 }}>
        <thead>
          <tr>
            <th>Channel</th>
            <th>Sell-ahead</th>
            <th className="num">Cap (units)</th>
            <th className="num">Horizon (days)</th>
            <th>Degraded mode (stale feed, blind channel)</th>
          </tr>
        </thead>
        <tbody>
          {channelCodes.map((code) => {
            const sa = draft.channels[code].sellAhead
            const label = (what: string) => `${what} for ${code}`
            return (
              <tr key={code} data-testid={`sell-ahead-${code}`}>
                <td data-label="Channel">{code}</td>
                <td data-label="Sell-ahead">
                  {canEdit ? (
                    <input
                      type="checkbox"
                      aria-label={label('Sell-ahead')}
                      checked={!!sa}
                      onChange={(e) =>
                        setChannel(code, (c) => {
                          if (e.target.checked) c.sellAhead = { cap: 10, horizonDays: 14 }
                          else delete c.sellAhead
                        })
                      }
                    />
                  ) : sa ? (
                    'on'
                  ) : (
                    'off'
                  )}
                </td>
                <td data-label="Cap (units)" className="num">
                  {sa ? (
                    canEdit ? (
                      <input
                        type="number"
                        min={0}
                        aria-label={label('Sell-ahead cap')}
                        value={sa.cap}
                        onChange={(e) =>
                          setChannel(code, (c) => {
                            c.sellAhead!.cap = Number(e.target.value)
                          })
                        }
                        style={{ width: 70 }}
                      />
                    ) : (
                      sa.cap
                    )
                  ) : (
                    '—'
                  )}
                </td>
                <td data-label="Horizon (days)" className="num">
                  {sa ? (
                    canEdit ? (
                      <input
                        type="number"
                        min={0}
                        max={365}
                        aria-label={label('Sell-ahead horizon')}
                        value={sa.horizonDays}
                        onChange={(e) =>
                          setChannel(code, (c) => {
                            c.sellAhead!.horizonDays = Number(e.target.value)
                          })
                        }
                        style={{ width: 60 }}
                      />
                    ) : (
                      sa.horizonDays
                    )
                  ) : (
                    '—'
                  )}
                </td>
                <td data-label="Degraded mode">
                  <DegradedPolicyInput
                    code={code}
                    policy={draft.channels[code].degraded}
                    canEdit={canEdit}
                    set={(p) =>
                      setChannel(code, (c) => {
                        if (p) c.degraded = p
                        else delete c.degraded
                      })
                    }
                  />
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}

/** keep (default) / reduce by % / cap / zero below N days of cover: what the channel publishes in degraded mode. */
function DegradedPolicyInput({
  code,
  policy,
  canEdit,
  set,
}: {
  code: string
  policy: DegradedPolicy | undefined
  canEdit: boolean
  set: (p: DegradedPolicy | undefined) => void
}) {
  const mode = policy?.mode ?? 'keep'
  const value =
    policy?.mode === 'reduce'
      ? policy.percent
      : policy?.mode === 'cap'
        ? policy.units
        : policy?.mode === 'zero_low_cover'
          ? policy.days
          : undefined
  const text =
    mode === 'keep'
      ? 'keep'
      : mode === 'reduce'
        ? `reduce ${value}%`
        : mode === 'cap'
          ? `cap ${value}`
          : `zero below ${value} days of cover`
  if (!canEdit) return <span>{text}</span>
  const make = (m: string, v: number): DegradedPolicy | undefined =>
    m === 'reduce'
      ? { mode: 'reduce', percent: Math.min(100, Math.max(1, v || 50)) }
      : m === 'cap'
        ? { mode: 'cap', units: Math.max(0, v) }
        : m === 'zero_low_cover'
          ? { mode: 'zero_low_cover', days: Math.max(0, v || 3) }
          : undefined
  return (
    <span style={{ display: 'inline-flex', gap: 4 }}>
      <select
        aria-label={`Degraded policy for ${code}`}
        value={mode}
        onChange={(e) => set(make(e.target.value, value ?? 0))}
      >
        <option value="keep">keep</option>
        <option value="reduce">reduce by %</option>
        <option value="cap">cap at</option>
        <option value="zero_low_cover">zero below days of cover</option>
      </select>
      {mode !== 'keep' && (
        <input
          type="number"
          min={0}
          aria-label={`Degraded policy value for ${code}`}
          value={value ?? 0}
          onChange={(e) => set(make(mode, Number(e.target.value)))}
          style={{ width: 60 }}
        />
      )}
    </span>
  )
}
