'use client'
// Time-boxed allocations (a campaign's ring-fence or share between from and until, released on its
// own) and sell-ahead (incoming units up to a cap within a horizon), per channel, edited in the
// rule set draft like every other rule (previewed, then saved as a version).
import type { AllocationWindow, ChannelRules, DegradedPolicy, RuleSet } from '@/server/rules/rules.schema'
import { EmptyState } from '@/components/ui/empty-state'
import { DataTable, type Column } from '@/components/ui/data-table'
import { SelectFilter } from '@/components/ui/filters'
import { FlagCell, NumberCell, TextCell, removeColumn } from './editable-cells'

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
  const windows = channelCodes.flatMap((code) =>
    (draft.channels[code].allocations ?? []).map((w, i) => ({ code, w, i })),
  )
  const setChannel = (code: string, fn: (c: ChannelRules) => void) => edit((r) => fn(r.channels[code]))
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
        <DataTable
          stack
          testId="allocation-window-rows"
          columns={windowColumns(canEdit, setChannel, Date.now())}
          rows={windows}
          rowKey={({ code, i }) => `${code}-${i}`}
          row={({ code, i }) => ({ 'data-testid': `allocation-window-${code}-${i}` })}
        />
      )}
      {canEdit && channelCodes.length > 0 && (
        <div className="toolbar" style={{ marginTop: 8 }}>
          <SelectFilter
            label="Add allocation window for channel"
            caption="Add a window for"
            value=""
            any="choose a channel…"
            options={channelCodes}
            onChange={(code) => {
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
          />
        </div>
      )}
      <div style={{ marginTop: 12 }}>
        <DataTable
          stack
          testId="sell-ahead"
          columns={sellAheadColumns(canEdit, setChannel, draft)}
          rows={channelCodes}
          rowKey={(code) => code}
          row={(code) => ({ 'data-testid': `sell-ahead-${code}` })}
        />
      </div>
    </div>
  )
}

type SetChannel = (code: string, fn: (c: ChannelRules) => void) => void
type WindowRow = { code: string; w: AllocationWindow; i: number }

function windowColumns(canEdit: boolean, setChannel: SetChannel, now: number): Column<WindowRow>[] {
  const label = ({ code, w }: WindowRow, what: string) => `${what} of window ${w.name} on ${code}`
  const setWindow = ({ code, i }: WindowRow, fn: (w: AllocationWindow) => void) =>
    setChannel(code, (c) => {
      fn(c.allocations![i])
    })
  const time = (key: 'from' | 'until', header: string, unset: string): Column<WindowRow> => ({
    header,
    cell: (r) => (
      <TextCell
        canEdit={canEdit}
        type="datetime-local"
        label={label(r, header)}
        value={toLocalInput(r.w[key])}
        shown={r.w[key] ?? unset}
        onChange={(v) =>
          setWindow(r, (x) => {
            x[key] = fromLocalInput(v)
          })
        }
      />
    ),
  })
  return [
    { header: 'Channel', cell: (r) => r.code },
    {
      header: 'Name',
      cell: (r) => (
        <TextCell
          canEdit={canEdit}
          label={label(r, 'Name')}
          value={r.w.name}
          onChange={(v) =>
            setWindow(r, (x) => {
              x.name = v
            })
          }
          size={14}
        />
      ),
    },
    time('from', 'From', 'always'),
    time('until', 'Until', 'no end'),
    {
      header: 'SKU or category',
      cell: (r) => (
        <TextCell
          canEdit={canEdit}
          label={label(r, 'Scope')}
          placeholder="every SKU (or sku:CODE / category:NAME)"
          value={r.w.sku ? `sku:${r.w.sku}` : r.w.category ? `category:${r.w.category}` : ''}
          shown={r.w.sku ?? r.w.category ?? 'every SKU'}
          onChange={(text) =>
            setWindow(r, (x) => {
              const v = text.trim()
              delete x.sku
              delete x.category
              if (v.startsWith('category:')) x.category = v.slice(9).trim() || undefined
              else if (v) x.sku = v.replace(/^sku:/, '').trim() || undefined
            })
          }
          size={18}
        />
      ),
    },
    {
      header: 'Ring-fence',
      className: 'num',
      cell: (r) => (
        <NumberCell
          canEdit={canEdit}
          label={label(r, 'Ring-fence')}
          min={0}
          value={r.w.ringFence}
          onChange={(v) =>
            setWindow(r, (x) => {
              x.ringFence = v
            })
          }
          width={64}
        />
      ),
    },
    {
      header: 'Share %',
      className: 'num',
      cell: ({ w, ...r }) => (
        <NumberCell
          canEdit={canEdit}
          label={label({ w, ...r }, 'Share percent')}
          min={0}
          max={100}
          placeholder="own"
          value={w.share?.type === 'percent' ? w.share.percent : undefined}
          shown={
            w.share?.type === 'percent'
              ? `${w.share.percent}%`
              : w.share?.type === 'fixed'
                ? `${w.share.units} units`
                : '—'
          }
          onChange={(v) =>
            setWindow({ w, ...r }, (x) => {
              x.share = v === undefined ? undefined : { type: 'percent', percent: v }
            })
          }
          width={60}
        />
      ),
    },
    { header: 'State', cell: (r) => <span className="chip">{windowState(r.w, now)}</span> },
    ...removeColumn<WindowRow>(
      canEdit,
      (r) => label(r, 'Remove'),
      ({ code, i }) =>
        setChannel(code, (c) => {
          c.allocations!.splice(i, 1)
          if (c.allocations!.length === 0) delete c.allocations
        }),
    ),
  ]
}

function sellAheadColumns(canEdit: boolean, setChannel: SetChannel, draft: RuleSet): Column<string>[] {
  const label = (code: string, what: string) => `${what} for ${code}`
  const sellAhead = (code: string) => draft.channels[code].sellAhead
  const amount = (key: 'cap' | 'horizonDays', header: string, what: string, max?: number): Column<string> => ({
    header,
    className: 'num',
    cell: (code) => {
      const sa = sellAhead(code)
      return sa ? (
        <NumberCell
          canEdit={canEdit}
          label={label(code, what)}
          min={0}
          max={max}
          value={sa[key]}
          onChange={(v) =>
            setChannel(code, (c) => {
              c.sellAhead![key] = v ?? 0
            })
          }
          width={max === undefined ? 70 : 60}
        />
      ) : (
        '—'
      )
    },
  })
  return [
    { header: 'Channel', cell: (code) => code },
    {
      header: 'Sell-ahead',
      cell: (code) => (
        <FlagCell
          canEdit={canEdit}
          label={label(code, 'Sell-ahead')}
          checked={!!sellAhead(code)}
          yes="on"
          no="off"
          onChange={(on) =>
            setChannel(code, (c) => {
              if (on) c.sellAhead = { cap: 10, horizonDays: 14 }
              else delete c.sellAhead
            })
          }
        />
      ),
    },
    amount('cap', 'Cap (units)', 'Sell-ahead cap'),
    amount('horizonDays', 'Horizon (days)', 'Sell-ahead horizon', 365),
    {
      header: 'Degraded mode (stale feed, blind channel)',
      label: 'Degraded mode',
      cell: (code) => (
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
      ),
    },
  ]
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
