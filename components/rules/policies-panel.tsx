'use client'
// The policies that were API-only (issue 21), edited in the rule set draft like every other rule
// (previewed, then saved as a version with a comment): feed freshness (the cadence Stocktower
// expects per source and location, and how long an open breaker makes a channel blind), priority
// lanes (strategic SKUs and categories) and what an ERP order exception does per reason code.
import type { FeedExpectation, OrderExceptionPolicy, RuleSet } from '@/server/rules/rules.schema'
import { feedExpects } from '@/server/rules/rules.schema'
import { EmptyState } from '@/components/ui/empty-state'
import { ChoiceCell, FlagCell, RemoveCell } from './editable-cells'

type Edit = (fn: (r: RuleSet) => void) => void
const list = (v: string): string[] | undefined => {
  const xs = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  return xs.length ? [...new Set(xs)] : undefined
}
const numOrUndef = (v: string): number | undefined => (v.trim() === '' ? undefined : Number(v))

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
        <table className="data stack" data-testid="feed-rows">
          <thead>
            <tr>
              <th>Source</th>
              <th>Location</th>
              <th>Expects</th>
              <th className="num">Stale after (minutes)</th>
              {canEdit && <th></th>}
            </tr>
          </thead>
          <tbody>
            {feeds.map((f, i) => {
              const label = (what: string) => `${what} of feed ${i + 1}`
              return (
                <tr key={i} data-testid={`feed-${i}`}>
                  <td data-label="Source">
                    {canEdit ? (
                      <input
                        type="text"
                        aria-label={label('Source')}
                        placeholder="erp"
                        value={f.source}
                        onChange={(e) =>
                          setFeed(i, (x) => {
                            x.source = e.target.value
                          })
                        }
                        size={14}
                      />
                    ) : (
                      f.source
                    )}
                  </td>
                  <td data-label="Location">
                    <ChoiceCell
                      canEdit={canEdit}
                      label={label('Location')}
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
                  </td>
                  <td data-label="Expects">
                    {canEdit ? (
                      <select
                        aria-label={label('Expects')}
                        value={feedExpects(f)}
                        onChange={(e) =>
                          setFeed(i, (x) => {
                            if (e.target.value === 'snapshots') x.expects = 'snapshots'
                            else delete x.expects
                          })
                        }
                      >
                        <option value="events">events</option>
                        <option value="snapshots">snapshots</option>
                      </select>
                    ) : (
                      feedExpects(f)
                    )}
                  </td>
                  <td data-label="Stale after (minutes)" className="num">
                    {canEdit ? (
                      <input
                        type="number"
                        min={0.1}
                        step="any"
                        aria-label={label('Stale after minutes')}
                        value={f.maxSilenceMinutes}
                        onChange={(e) =>
                          setFeed(i, (x) => {
                            x.maxSilenceMinutes = Number(e.target.value)
                          })
                        }
                        style={{ width: 80 }}
                      />
                    ) : (
                      f.maxSilenceMinutes
                    )}
                  </td>
                  <RemoveCell
                    canEdit={canEdit}
                    label={label('Remove')}
                    onRemove={() =>
                      edit((r) => {
                        r.feeds!.splice(i, 1)
                        if (r.feeds!.length === 0) delete r.feeds
                      })
                    }
                  />
                </tr>
              )
            })}
          </tbody>
        </table>
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
        <table className="data stack" data-testid="order-exception-rows">
          <thead>
            <tr>
              <th>Reason code</th>
              <th>Release reservation</th>
              <th>Suppress SKU on the channel</th>
              <th className="num">Suppression expires (hours)</th>
              {canEdit && <th></th>}
            </tr>
          </thead>
          <tbody>
            {entries.map(([code, p]) => {
              const label = (what: string) => `${what} for reason ${code}`
              return (
                <tr key={code} data-testid={`order-exception-${code}`}>
                  <td data-label="Reason code">
                    {canEdit ? (
                      <input
                        type="text"
                        aria-label={label('Reason code')}
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
                    )}
                  </td>
                  <td data-label="Release reservation">
                    <FlagCell
                      canEdit={canEdit}
                      label={label('Release reservation')}
                      checked={p.releaseReservation}
                      onChange={(v) =>
                        setPolicy(code, (x) => {
                          x.releaseReservation = v
                        })
                      }
                    />
                  </td>
                  <td data-label="Suppress SKU on the channel">
                    <FlagCell
                      canEdit={canEdit}
                      label={label('Suppress')}
                      checked={p.suppress}
                      onChange={(v) =>
                        setPolicy(code, (x) => {
                          x.suppress = v
                        })
                      }
                    />
                  </td>
                  <td data-label="Suppression expires (hours)" className="num">
                    {p.suppress ? (
                      canEdit ? (
                        <input
                          type="number"
                          min={1}
                          max={2160}
                          aria-label={label('Suppression hours')}
                          value={p.suppressHours}
                          onChange={(e) =>
                            setPolicy(code, (x) => {
                              x.suppressHours = Number(e.target.value)
                            })
                          }
                          style={{ width: 70 }}
                        />
                      ) : (
                        p.suppressHours
                      )
                    ) : (
                      '—'
                    )}
                  </td>
                  <RemoveCell
                    canEdit={canEdit}
                    label={label('Remove')}
                    onRemove={() =>
                      edit((r) => {
                        delete r.orderExceptions![code]
                        if (Object.keys(r.orderExceptions!).length === 0) delete r.orderExceptions
                      })
                    }
                  />
                </tr>
              )
            })}
          </tbody>
        </table>
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
