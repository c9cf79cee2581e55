'use client'
// The policies that were API-only (issue 21), edited in the rule set draft like every other rule
// (previewed, then saved as a version with a comment): feed freshness (the cadence Stocktower
// expects per source and location, and how long an open breaker makes a channel blind), priority
// lanes (strategic SKUs and categories) and what an ERP order exception does per reason code.
import type { FeedExpectation, OrderExceptionPolicy, RuleSet } from '@/server/rules/rules.schema'
import { feedExpects } from '@/server/rules/rules.schema'
import { EmptyState } from '@/components/ui/empty-state'
import { DataTable, type Column } from '@/components/ui/data-table'
import { ChoiceCell, FlagCell, NumberCell, OptionCell, TextCell, numOrUndef, removeColumn } from './editable-cells'

type Edit = (fn: (r: RuleSet) => void) => void
const list = (v: string): string[] | undefined => {
  const xs = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  return xs.length ? [...new Set(xs)] : undefined
}
const EXPECTS = [
  ['events', 'events'],
  ['snapshots', 'snapshots'],
] as const

export function PoliciesPanel({
  draft,
  edit,
  canEdit,
  locations,
  categories,
}: {
  draft: RuleSet
  edit: Edit
  canEdit: boolean
  locations: string[]
  categories: string[]
}) {
  return (
    <>
      <FeedsPanel draft={draft} edit={edit} canEdit={canEdit} locations={locations} />
      <StrategicPanel draft={draft} edit={edit} canEdit={canEdit} categories={categories} />
      <OrderExceptionsPanel draft={draft} edit={edit} canEdit={canEdit} />
    </>
  )
}

function FeedsPanel({
  draft,
  edit,
  canEdit,
  locations,
}: {
  draft: RuleSet
  edit: Edit
  canEdit: boolean
  locations: string[]
}) {
  const feeds = draft.feeds ?? []
  const setFeed = (i: number, fn: (f: FeedExpectation) => void) =>
    edit((r) => {
      fn(r.feeds![i])
    })
  const label = (i: number, what: string) => `${what} of feed ${i + 1}`
  const columns: Column<{ f: FeedExpectation; i: number }>[] = [
    {
      header: 'Source',
      cell: ({ f, i }) => (
        <TextCell
          canEdit={canEdit}
          label={label(i, 'Source')}
          placeholder="erp"
          value={f.source}
          onChange={(v) =>
            setFeed(i, (x) => {
              x.source = v
            })
          }
          size={14}
        />
      ),
    },
    {
      header: 'Location',
      cell: ({ f, i }) => (
        <ChoiceCell
          canEdit={canEdit}
          label={label(i, 'Location')}
          value={f.location}
          choices={locations}
          none="anywhere"
          onChange={(v) =>
            setFeed(i, (x) => {
              if (v) x.location = v
              else delete x.location
            })
          }
        />
      ),
    },
    {
      header: 'Expects',
      cell: ({ f, i }) => (
        <OptionCell
          canEdit={canEdit}
          label={label(i, 'Expects')}
          value={feedExpects(f)}
          options={EXPECTS}
          onChange={(v) =>
            setFeed(i, (x) => {
              if (v === 'snapshots') x.expects = 'snapshots'
              else delete x.expects
            })
          }
        />
      ),
    },
    {
      header: 'Stale after (minutes)',
      className: 'num',
      cell: ({ f, i }) => (
        <NumberCell
          canEdit={canEdit}
          label={label(i, 'Stale after minutes')}
          min={0.1}
          step="any"
          value={f.maxSilenceMinutes}
          onChange={(v) =>
            setFeed(i, (x) => {
              x.maxSilenceMinutes = v ?? 0
            })
          }
          width={80}
        />
      ),
    },
    ...removeColumn<{ i: number }>(
      canEdit,
      ({ i }) => label(i, 'Remove'),
      ({ i }) =>
        edit((r) => {
          r.feeds!.splice(i, 1)
          if (r.feeds!.length === 0) delete r.feeds
        }),
    ),
  ]
  return (
    <div className="panel" data-testid="feeds-panel">
      <h2>Feed freshness</h2>
      <p className="muted" style={{ marginTop: 0 }}>
        How often each system of record must be heard from, per location or anywhere: by any event, or by a snapshot
        (e.g. a WMS that sends a full snapshot every night; events alone do not keep such a feed fresh, and at a
        location only a snapshot with rows for it does). A feed silent for longer is stale: a finding, a banner, and
        every channel selling from that location applies its degraded-mode policy (set per channel above) until the feed
        returns.
      </p>
      {feeds.length === 0 ? (
        <EmptyState title="No feed cadence set">
          A feed that stops looks like a quiet day: add the sources you expect to hear from.
        </EmptyState>
      ) : (
        <DataTable
          stack
          testId="feed-rows"
          columns={columns}
          rows={feeds.map((f, i) => ({ f, i }))}
          rowKey={({ i }) => String(i)}
          row={({ i }) => ({ 'data-testid': `feed-${i}` })}
        />
      )}
      <div className="toolbar" style={{ marginTop: 8, marginBottom: 0 }}>
        {canEdit && (
          <button
            data-testid="add-feed"
            onClick={() =>
              edit((r) => {
                r.feeds = [...(r.feeds ?? []), { source: '', maxSilenceMinutes: 15 }]
              })
            }
          >
            Add feed
          </button>
        )}
        <label>
          A channel whose breaker stays open for{' '}
          {canEdit ? (
            <input
              type="number"
              min={0.1}
              step="any"
              aria-label="Breaker open minutes"
              placeholder="never"
              value={draft.breakerOpenMinutes ?? ''}
              onChange={(e) =>
                edit((r) => {
                  const v = numOrUndef(e.target.value)
                  if (v === undefined) delete r.breakerOpenMinutes
                  else r.breakerOpenMinutes = v
                })
              }
              style={{ width: 84 }}
            />
          ) : (
            <strong>{draft.breakerOpenMinutes ?? 'never'}</strong>
          )}{' '}
          minutes is blind: the other channels apply their degraded policy.
        </label>
      </div>
    </div>
  )
}

function StrategicPanel({
  draft,
  edit,
  canEdit,
  categories,
}: {
  draft: RuleSet
  edit: Edit
  canEdit: boolean
  categories: string[]
}) {
  const s = draft.strategic ?? {}
  const set = (fn: (x: NonNullable<RuleSet['strategic']>) => void) =>
    edit((r) => {
      const x = r.strategic ?? {}
      fn(x)
      if (!x.categories?.length) delete x.categories
      if (!x.skus?.length) delete x.skus
      if (x.categories || x.skus) r.strategic = x
      else delete r.strategic
    })
  const chosen = new Set(s.categories ?? [])
  return (
    <div className="panel" data-testid="strategic-panel">
      <h2>Priority lanes</h2>
      <p className="muted" style={{ marginTop: 0 }}>
        Under congestion, strategic SKUs are recomputed before the rest of a backlog and published right after zero-outs
        and decrements, ahead of other increases. Which channel&apos;s publishes go first is each channel&apos;s publish
        priority (above).
      </p>
      <div className="rule-fields">
        <div className="rule-field">
          <span className="rule-field-name">Strategic categories</span>
          <span style={{ display: 'inline-flex', flexWrap: 'wrap', gap: 8 }}>
            {[...new Set([...categories, ...chosen])].map((c) =>
              canEdit ? (
                <label key={c}>
                  <input
                    type="checkbox"
                    aria-label={`Strategic category ${c}`}
                    checked={chosen.has(c)}
                    onChange={(e) =>
                      set((x) => {
                        const next = new Set(x.categories ?? [])
                        if (e.target.checked) next.add(c)
                        else next.delete(c)
                        x.categories = [...next]
                      })
                    }
                  />{' '}
                  {c}
                </label>
              ) : chosen.has(c) ? (
                <span key={c} className="chip">
                  {c}
                </span>
              ) : null,
            )}
            {!canEdit && chosen.size === 0 && 'none'}
          </span>
        </div>
        <div className="rule-field">
          <span className="rule-field-name">Strategic SKUs</span>
          {canEdit ? (
            <input
              type="text"
              aria-label="Strategic SKUs"
              placeholder="SKU codes, comma-separated"
              defaultValue={(s.skus ?? []).join(', ')}
              key={(s.skus ?? []).join(',')}
              onBlur={(e) =>
                set((x) => {
                  x.skus = list(e.target.value)
                })
              }
              onKeyDown={(e) => {
                if (e.key === 'Enter') e.currentTarget.blur()
              }}
              size={40}
            />
          ) : (
            <span className="mono">{(s.skus ?? []).join(', ') || 'none'}</span>
          )}
        </div>
      </div>
    </div>
  )
}

const DEFAULT_EXCEPTION: OrderExceptionPolicy = { releaseReservation: false, suppress: false, suppressHours: 72 }

function OrderExceptionsPanel({ draft, edit, canEdit }: { draft: RuleSet; edit: Edit; canEdit: boolean }) {
  const entries = Object.entries(draft.orderExceptions ?? {})
  const setPolicy = (code: string, fn: (p: OrderExceptionPolicy) => void) =>
    edit((r) => {
      fn(r.orderExceptions![code])
    })
  // Renaming a reason code rebuilds the record in the same order (JSON keys are the codes).
  const rename = (from: string, to: string) =>
    edit((r) => {
      if (from === to || to in (r.orderExceptions ?? {})) return
      r.orderExceptions = Object.fromEntries(
        Object.entries(r.orderExceptions ?? {}).map(([k, v]) => [k === from ? to : k, v]),
      )
    })
  const nextCode = () => {
    for (let i = 1; ; i++) {
      const c = i === 1 ? 'CREDIT_HOLD' : `REASON_${i}`
      if (!(c in (draft.orderExceptions ?? {}))) return c
    }
  }
  const label = (code: string, what: string) => `${what} for reason ${code}`
  const flag = (
    key: 'releaseReservation' | 'suppress',
    header: string,
    what: string,
  ): Column<[string, OrderExceptionPolicy]> => ({
    header,
    cell: ([code, p]) => (
      <FlagCell
        canEdit={canEdit}
        label={label(code, what)}
        checked={p[key]}
        onChange={(v) =>
          setPolicy(code, (x) => {
            x[key] = v
          })
        }
      />
    ),
  })
  const columns: Column<[string, OrderExceptionPolicy]>[] = [
    {
      header: 'Reason code',
      cell: ([code]) =>
        canEdit ? (
          <input
            type="text"
            aria-label={label(code, 'Reason code')}
            defaultValue={code}
            className="mono"
            onBlur={(e) => {
              const v = e.target.value.trim()
              if (v) rename(code, v)
              else e.target.value = code
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') e.currentTarget.blur()
            }}
            size={16}
          />
        ) : (
          <span className="mono">{code}</span>
        ),
    },
    flag('releaseReservation', 'Release reservation', 'Release reservation'),
    flag('suppress', 'Suppress SKU on the channel', 'Suppress'),
    {
      header: 'Suppression expires (hours)',
      className: 'num',
      cell: ([code, p]) =>
        p.suppress ? (
          <NumberCell
            canEdit={canEdit}
            label={label(code, 'Suppression hours')}
            min={1}
            max={2160}
            value={p.suppressHours}
            onChange={(v) =>
              setPolicy(code, (x) => {
                x.suppressHours = v ?? 0
              })
            }
            width={70}
          />
        ) : (
          '—'
        ),
    },
    ...removeColumn<[string, unknown]>(
      canEdit,
      ([code]) => label(code, 'Remove'),
      ([code]) =>
        edit((r) => {
          delete r.orderExceptions![code]
          if (Object.keys(r.orderExceptions!).length === 0) delete r.orderExceptions
        }),
    ),
  ]
  return (
    <div className="panel" data-testid="order-exceptions-panel">
      <h2>ERP order exceptions</h2>
      <p className="muted" style={{ marginTop: 0 }}>
        What Stocktower does when a system of record rejects or holds a channel order, per reason code (
        <span className="mono">*</span>: any reason not named). Without a policy it keeps the reservation, suppresses
        nothing and opens a finding. A suppression applies to the order&apos;s channel only, until the exception is
        resolved or the hours run out.
      </p>
      {entries.length === 0 ? (
        <EmptyState title="No exception policies">
          Every exception keeps its reservation and opens a finding.
        </EmptyState>
      ) : (
        <DataTable
          stack
          testId="order-exception-rows"
          columns={columns}
          rows={entries}
          rowKey={([code]) => code}
          row={([code]) => ({ 'data-testid': `order-exception-${code}` })}
        />
      )}
      {canEdit && (
        <button
          style={{ marginTop: 8 }}
          data-testid="add-order-exception"
          onClick={() =>
            edit((r) => {
              r.orderExceptions = { ...(r.orderExceptions ?? {}), [nextCode()]: { ...DEFAULT_EXCEPTION } }
            })
          }
        >
          Add reason code
        </button>
      )}
    </div>
  )
}
