'use client'
// The merchandiser's rule editor: channel waterfall (priority, ring-fence, share, cap, zero-out
// threshold, eligible locations, in-flight buffer), safety stock by specificity, then an impact
// preview computed over every SKU x channel before the save (the preview is the confirmation), a
// comment and an optional effective-from time. Below: recompute progress and every version with its
// diff and a one-click rollback (which saves a new version). Roles without rules:edit see the same
// rules as text, with no controls.
import { Fragment, useEffect, useState, type ReactNode } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import type { ChannelRules, RuleSet, SafetyStockRule } from '@/server/rules/rules.schema'
import type { RuleImpact } from '@/server/rules/preview-rule-impact'
import type { getRecomputeProgress, RuleChange, RuleVersionSummary } from '@/server/rules/rule-set.repository'
import { EmptyState, ErrorBox } from '@/components/ui/empty-state'
import { fetchJson } from '@/components/ui/fetch-json'
import { TextInput } from '@/components/ui/fields'
import { FeedbackLine, useAction } from '@/components/ui/action'
import { Ago } from '@/components/ui/ago'
import { formatCount, formatTime } from '@/components/ui/format'
import { Time } from '@/components/ui/time'
import { previewRulesAction, rollbackRulesAction, saveRulesAction } from '@/app/(app)/rules/actions'
import { AllocationWindowsPanel } from './allocation-windows-panel'
import { PoliciesPanel } from './policies-panel'
import { ChoiceCell, RemoveButton, RemoveCell } from './editable-cells'

interface RulesData {
  current: {
    version: string
    number: number
    rules: RuleSet
    comment: string
    author: string
    createdAt: string
    effectiveFrom: string
  }
  versions: RuleVersionSummary[]
  recompute: Progress
  channels: Array<{ code: string; name: string; mode: string; status: string }>
  locations: Array<{ code: string; name: string }>
  categories: string[]
}
type Progress = Awaited<ReturnType<typeof getRecomputeProgress>>
interface VersionDetail {
  version: string
  previous: string | null
  current: string
  changes: RuleChange[]
  rollbackChanges: RuleChange[]
}

const clone = <T,>(x: T): T => JSON.parse(JSON.stringify(x)) as T
const numOrUndef = (v: string): number | undefined => (v.trim() === '' ? undefined : Number(v))
const list = (v: string): string[] | undefined => {
  const xs = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  return xs.length ? xs : undefined
}
export const scopeKey = (r: Pick<SafetyStockRule, 'sku' | 'category' | 'channel'>): string =>
  [r.sku && `sku:${r.sku}`, r.category && `category:${r.category}`, r.channel && `channel:${r.channel}`]
    .filter(Boolean)
    .join('+') || 'any'

export function RulesScreen({ canEdit }: { canEdit: boolean }) {
  const qc = useQueryClient()
  const data = useQuery({ queryKey: ['rules'], queryFn: () => fetchJson<RulesData>('/api/ui/rules') })
  const progress = useQuery({
    queryKey: ['rules-recompute'],
    queryFn: () => fetchJson<Progress>('/api/ui/rules/recompute'),
    refetchInterval: (q) => ((q.state.data?.pending ?? 0) > 0 ? 1_000 : 15_000),
  })
  const [draft, setDraft] = useState<RuleSet | null>(null)
  const [impact, setImpact] = useState<RuleImpact | null>(null)
  const [comment, setComment] = useState('')
  const [effectiveFrom, setEffectiveFrom] = useState('')
  const action = useAction()
  const { pending, message, run } = action

  const current = data.data?.current
  useEffect(() => {
    if (current && draft === null) setDraft(clone(current.rules))
  }, [current, draft])
  const edit = (fn: (r: RuleSet) => void) => {
    setDraft((d) => {
      if (!d) return d
      const n = clone(d)
      fn(n)
      return n
    })
    setImpact(null)
  }
  const dirty = !!draft && !!current && JSON.stringify(draft) !== JSON.stringify(current.rules)

  // Refetch first: the editor then starts again from the version now in force.
  const restart = async () => {
    setImpact(null)
    await qc.invalidateQueries({ queryKey: ['rules'] })
    await qc.invalidateQueries({ queryKey: ['rules-recompute'] })
    setDraft(null)
  }
  const preview = () =>
    run(
      () => previewRulesAction({ rules: draft }),
      () => null,
      setImpact,
    )
  const save = () =>
    run(
      () =>
        saveRulesAction({
          rules: draft,
          comment,
          ...(effectiveFrom ? { effectiveFrom: new Date(effectiveFrom).toISOString() } : {}),
        }),
      (d) =>
        new Date(d.effectiveFrom).getTime() > Date.now() + 1_000
          ? `Saved ${d.version}; it takes effect ${formatTime(d.effectiveFrom)} and recomputes then.`
          : `Saved ${d.version}; recomputing ${formatCount(d.recomputeSkus)} SKUs in the background.`,
      async () => {
        setComment('')
        setEffectiveFrom('')
        await restart()
      },
    )

  if (data.error) return <ErrorBox error={data.error} />
  if (!data.data || !draft || !current) return <div className="muted">Loading rules…</div>
  const d = data.data
  const channelCodes = Object.keys(draft.channels).sort(
    (a, b) => draft.channels[a].priority - draft.channels[b].priority || a.localeCompare(b),
  )
  const unruled = d.channels.filter((c) => !(c.code in draft.channels))

  return (
    <div>
      <div className="page-head">
        <div>
          <h1>Rules</h1>
          <div className="muted">
            In force: <strong data-testid="current-version">{current.version}</strong> by {current.author}, effective{' '}
            <Time iso={current.effectiveFrom} seconds={false} testId="current-effective-from" />
            {current.comment ? ` — “${current.comment}”` : ''}
          </div>
        </div>
        {canEdit && dirty && (
          <span className="chip warn" data-testid="unsaved">
            unsaved changes
          </span>
        )}
      </div>
      <FeedbackLine message={message} testId="rules-message" />
      <RecomputeProgress progress={progress.data ?? d.recompute} />

      <div className="panel">
        <h2>Channels: the allocation waterfall</h2>
        <p className="muted" style={{ marginTop: 0 }}>
          Lower priority numbers are served first. Ring-fenced units are kept from lower-priority channels; fixed shares
          are served before percentages, which take a part of what is left; shared-pool channels may sell all of what
          remains. Then holdbacks, the cap, the zero-out threshold, rounding down.
        </p>
        {/* One card per channel whose fields wrap: the waterfall fits at 1280 px and on a phone (a
            ten-column table was clipped at 1440 px and scrolled sideways). */}
        <div className="rule-cards" data-testid="channel-rules">
          {channelCodes.map((code) => {
            const c = draft.channels[code]
            const set = (fn: (c: ChannelRules) => void) => edit((r) => fn(r.channels[code]))
            const label = (what: string) => `${what} for ${code}`
            return (
              <div className="rule-card" key={code} data-testid={`channel-rule-${code}`}>
                <div className="rule-card-head">
                  <strong>{code}</strong>
                  {canEdit && (
                    <RemoveButton
                      label={`Remove rules for ${code}`}
                      onRemove={() =>
                        edit((r) => {
                          delete r.channels[code]
                        })
                      }
                    />
                  )}
                </div>
                <div className="rule-fields">
                  <RuleField name="Priority">
                    {canEdit ? (
                      <input
                        type="number"
                        min={0}
                        max={1000}
                        aria-label={label('Priority')}
                        value={c.priority}
                        onChange={(e) =>
                          set((x) => {
                            x.priority = Number(e.target.value)
                          })
                        }
                        style={{ width: 64 }}
                      />
                    ) : (
                      c.priority
                    )}
                  </RuleField>
                  <RuleField name="Ring-fence">
                    {canEdit ? (
                      <input
                        type="number"
                        min={0}
                        aria-label={label('Ring-fence')}
                        value={c.ringFence ?? ''}
                        onChange={(e) =>
                          set((x) => {
                            x.ringFence = numOrUndef(e.target.value)
                          })
                        }
                        style={{ width: 64 }}
                      />
                    ) : (
                      (c.ringFence ?? '—')
                    )}
                  </RuleField>
                  <RuleField name="Share">
                    {canEdit ? (
                      <span style={{ display: 'inline-flex', gap: 4, flexWrap: 'wrap' }}>
                        <select
                          aria-label={label('Share')}
                          value={c.share.type}
                          onChange={(e) =>
                            set((x) => {
                              const t = e.target.value
                              x.share =
                                t === 'percent'
                                  ? { type: 'percent', percent: 50 }
                                  : t === 'fixed'
                                    ? { type: 'fixed', units: 10 }
                                    : { type: 'shared' }
                            })
                          }
                        >
                          <option value="shared">shared pool</option>
                          <option value="percent">percent of what remains</option>
                          <option value="fixed">fixed units</option>
                        </select>
                        {c.share.type === 'percent' && (
                          <input
                            type="number"
                            min={0}
                            max={100}
                            aria-label={label('Share percent')}
                            value={c.share.percent}
                            onChange={(e) =>
                              set((x) => {
                                x.share = { type: 'percent', percent: Number(e.target.value) }
                              })
                            }
                            style={{ width: 60 }}
                          />
                        )}
                        {c.share.type === 'fixed' && (
                          <input
                            type="number"
                            min={0}
                            aria-label={label('Share units')}
                            value={c.share.units}
                            onChange={(e) =>
                              set((x) => {
                                x.share = { type: 'fixed', units: Number(e.target.value) }
                              })
                            }
                            style={{ width: 70 }}
                          />
                        )}
                      </span>
                    ) : (
                      shareText(c)
                    )}
                  </RuleField>
                  <RuleField name="Cap">
                    {canEdit ? (
                      <input
                        type="number"
                        min={0}
                        aria-label={label('Cap')}
                        placeholder="none"
                        value={c.cap ?? ''}
                        onChange={(e) =>
                          set((x) => {
                            x.cap = numOrUndef(e.target.value) ?? null
                          })
                        }
                        style={{ width: 70 }}
                      />
                    ) : (
                      (c.cap ?? '—')
                    )}
                  </RuleField>
                  <RuleField name="Zero below">
                    {canEdit ? (
                      <input
                        type="number"
                        min={0}
                        aria-label={label('Zero below')}
                        value={c.zeroBelow ?? ''}
                        onChange={(e) =>
                          set((x) => {
                            x.zeroBelow = numOrUndef(e.target.value)
                          })
                        }
                        style={{ width: 60 }}
                      />
                    ) : (
                      (c.zeroBelow ?? '—')
                    )}
                  </RuleField>
                  <RuleField name="Locations (in order)">
                    {canEdit ? (
                      <input
                        type="text"
                        aria-label={label('Locations')}
                        placeholder="all"
                        value={(c.locations ?? []).join(', ')}
                        onChange={(e) =>
                          set((x) => {
                            x.locations = list(e.target.value)
                          })
                        }
                        size={16}
                      />
                    ) : (
                      (c.locations ?? []).join(', ') || 'all'
                    )}
                  </RuleField>
                  <RuleField name="Exclude locations">
                    {canEdit ? (
                      <input
                        type="text"
                        aria-label={label('Exclude locations')}
                        placeholder="none"
                        value={(c.excludeLocations ?? []).join(', ')}
                        onChange={(e) =>
                          set((x) => {
                            x.excludeLocations = list(e.target.value)
                          })
                        }
                        size={10}
                      />
                    ) : (
                      (c.excludeLocations ?? []).join(', ') || '—'
                    )}
                  </RuleField>
                  <RuleField name="Publish priority">
                    {canEdit ? (
                      <input
                        type="number"
                        min={-1000}
                        max={1000}
                        aria-label={label('Publish priority')}
                        title="Under congestion, lower numbers publish first (default 0)"
                        placeholder="0"
                        value={c.publishPriority ?? ''}
                        onChange={(e) =>
                          set((x) => {
                            x.publishPriority = numOrUndef(e.target.value)
                          })
                        }
                        style={{ width: 64 }}
                      />
                    ) : (
                      (c.publishPriority ?? 0)
                    )}
                  </RuleField>
                  <RuleField name="In-flight buffer">
                    {canEdit ? (
                      <input
                        type="checkbox"
                        aria-label={label('In-flight buffer')}
                        checked={!!c.inFlightBuffer}
                        onChange={(e) =>
                          set((x) => {
                            x.inFlightBuffer = e.target.checked || undefined
                          })
                        }
                      />
                    ) : c.inFlightBuffer ? (
                      'on'
                    ) : (
                      'off'
                    )}
                  </RuleField>
                </div>
              </div>
            )
          })}
        </div>
        <div className="muted" style={{ marginTop: 6, fontSize: 12 }}>
          Known locations: {d.locations.map((l) => l.code).join(', ') || 'none'}. A channel without rules publishes
          nothing.
        </div>
        {canEdit && unruled.length > 0 && (
          <div className="toolbar" style={{ marginTop: 8, marginBottom: 0 }}>
            <label>
              Add rules for{' '}
              <select
                aria-label="Add rules for channel"
                value=""
                onChange={(e) => {
                  const code = e.target.value
                  if (code)
                    edit((r) => {
                      r.channels[code] = { priority: 100, share: { type: 'shared' }, zeroBelow: 0 }
                    })
                }}
              >
                <option value="">choose a channel…</option>
                {unruled.map((c) => (
                  <option key={c.code} value={c.code}>
                    {c.code}
                  </option>
                ))}
              </select>
            </label>
          </div>
        )}
      </div>

      <AllocationWindowsPanel draft={draft} edit={edit} canEdit={canEdit} channelCodes={channelCodes} />

      <PoliciesPanel
        draft={draft}
        edit={edit}
        canEdit={canEdit}
        locations={d.locations.map((l) => l.code)}
        categories={d.categories}
      />

      <SafetyStockPanel
        draft={draft}
        edit={edit}
        canEdit={canEdit}
        channels={d.channels.map((c) => c.code)}
        categories={d.categories}
      />

      {canEdit && (
        <div className="panel" data-testid="save-panel">
          <h2>Save as a new version</h2>
          <div className="toolbar">
            <button className="primary" disabled={pending || !dirty} data-testid="preview-impact" onClick={preview}>
              {pending && !impact ? 'Computing impact…' : 'Preview impact'}
            </button>
            <button
              disabled={pending || !dirty}
              onClick={() => {
                setDraft(clone(current.rules))
                setImpact(null)
              }}
            >
              Discard changes
            </button>
            {!dirty && <span className="muted">Change a rule above to preview its impact.</span>}
          </div>
          {impact && (
            <div data-testid="impact">
              <p style={{ marginTop: 0 }}>
                Over {formatCount(impact.skus)} SKUs ({formatCount(impact.channels.reduce((s, c) => s + c.listings, 0))}{' '}
                listings, computed in {(impact.ms / 1000).toFixed(1)} s):
              </p>
              <table className="data stack">
                <thead>
                  <tr>
                    <th>Channel</th>
                    <th className="num">Listings</th>
                    <th className="num">Up</th>
                    <th className="num">Down</th>
                    <th className="num">To zero</th>
                    <th className="num">From zero</th>
                    <th className="num">Unchanged</th>
                  </tr>
                </thead>
                <tbody>
                  {impact.channels.map((c) => (
                    <tr key={c.channel} data-testid={`impact-${c.channel}`}>
                      <td data-label="Channel">{c.channel}</td>
                      <td data-label="Listings" className="num">
                        {formatCount(c.listings)}
                      </td>
                      <td data-label="Up" className="num">
                        {formatCount(c.up)}
                      </td>
                      <td data-label="Down" className="num">
                        {formatCount(c.down)}
                      </td>
                      <td data-label="To zero" className="num">
                        {formatCount(c.toZero)}
                      </td>
                      <td data-label="From zero" className="num">
                        {formatCount(c.fromZero)}
                      </td>
                      <td data-label="Unchanged" className="num">
                        {formatCount(c.unchanged)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {impact.sample.length > 0 && (
                <details style={{ marginTop: 8 }}>
                  <summary>Sample of changed listings ({impact.sample.length})</summary>
                  <table className="data">
                    <thead>
                      <tr>
                        <th>SKU</th>
                        <th>Channel</th>
                        <th className="num">Now</th>
                        <th className="num">After</th>
                      </tr>
                    </thead>
                    <tbody>
                      {impact.sample.map((s) => (
                        <tr key={`${s.sku}-${s.channel}`}>
                          <td className="mono">
                            <a href={`/skus/${encodeURIComponent(s.sku)}`}>{s.sku}</a>
                          </td>
                          <td>{s.channel}</td>
                          <td className="num">{formatCount(s.from)}</td>
                          <td className="num">{formatCount(s.to)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </details>
              )}
              <div className="toolbar" style={{ marginTop: 12, marginBottom: 0 }}>
                <TextInput
                  caption="Comment"
                  label="Comment"
                  placeholder="what changed and why"
                  value={comment}
                  onValue={setComment}
                  size={40}
                />
                <TextInput
                  caption="Effective from"
                  type="datetime-local"
                  label="Effective from"
                  value={effectiveFrom}
                  onValue={setEffectiveFrom}
                />
                <span className="muted">{effectiveFrom ? 'scheduled: recomputes at that time' : 'now'}</span>
                <button
                  className="primary"
                  data-testid="save-rules"
                  disabled={pending || comment.trim().length < 3}
                  onClick={save}
                >
                  Save version
                </button>
              </div>
            </div>
          )}
        </div>
      )}

      <VersionsPanel versions={d.versions} canEdit={canEdit} action={action} onRolledBack={restart} />
    </div>
  )
}

function RuleField({ name, children }: { name: string; children: ReactNode }) {
  return (
    <div className="rule-field">
      <span className="rule-field-name">{name}</span>
      <span>{children}</span>
    </div>
  )
}

function shareText(c: ChannelRules): string {
  return c.share.type === 'percent'
    ? `${c.share.percent}% of what remains`
    : c.share.type === 'fixed'
      ? `${c.share.units} units fixed`
      : 'shared pool'
}

function RecomputeProgress({ progress }: { progress: Progress }) {
  if (!progress.version || progress.total === 0) return null
  const running = progress.pending > 0
  return (
    <div className="panel" data-testid="recompute-progress" style={{ display: 'flex', gap: 12, alignItems: 'center' }}>
      <strong>{running ? 'Recomputing' : 'Recompute done'}</strong>
      <progress
        aria-label="Recompute progress"
        max={progress.total}
        value={Math.min(progress.done, progress.total)}
        style={{ flex: 1, maxWidth: 360 }}
      />
      <span className="muted">
        {formatCount(Math.min(progress.done, progress.total))} of {formatCount(progress.total)} SKUs under{' '}
        {progress.version}
        {running ? `, ${formatCount(progress.pending)} waiting` : ''}
        {progress.startedAt ? (
          <>
            {' '}
            · started <Ago iso={progress.startedAt} />
          </>
        ) : null}
      </span>
    </div>
  )
}

function SafetyStockPanel({
  draft,
  edit,
  canEdit,
  channels,
  categories,
}: {
  draft: RuleSet
  edit: (fn: (r: RuleSet) => void) => void
  canEdit: boolean
  channels: string[]
  categories: string[]
}) {
  const def = draft.defaults.safetyStock
  const amountOf = (s: { units?: number; days?: number }) =>
    s.days !== undefined ? { kind: 'days', value: s.days } : { kind: 'units', value: s.units ?? 0 }
  const setAmount = (target: { units?: number; days?: number }, kind: string, value: number) => {
    if (kind === 'days') {
      delete target.units
      target.days = value
    } else {
      delete target.days
      target.units = value
    }
  }
  const defAmount = amountOf(def)
  return (
    <div className="panel">
      <h2>Safety stock</h2>
      <p className="muted" style={{ marginTop: 0 }}>
        The most specific rule wins: SKU + channel, SKU, category + channel, category, channel, then the default. Days
        of cover = average daily sales over the last {draft.defaults.salesWindowDays} days × days.
      </p>
      <div className="toolbar" data-testid="ss-default">
        <strong>Default</strong>
        {canEdit ? (
          <>
            <input
              type="number"
              min={0}
              aria-label="Default safety stock amount"
              value={defAmount.value}
              onChange={(e) => edit((r) => setAmount(r.defaults.safetyStock, defAmount.kind, Number(e.target.value)))}
              style={{ width: 70 }}
            />
            <select
              aria-label="Default safety stock kind"
              value={defAmount.kind}
              onChange={(e) => edit((r) => setAmount(r.defaults.safetyStock, e.target.value, defAmount.value))}
            >
              <option value="units">units</option>
              <option value="days">days of cover</option>
            </select>
            <label>
              Sales window{' '}
              <input
                type="number"
                min={1}
                max={365}
                aria-label="Sales window days"
                value={draft.defaults.salesWindowDays}
                onChange={(e) =>
                  edit((r) => {
                    r.defaults.salesWindowDays = Number(e.target.value)
                  })
                }
                style={{ width: 60 }}
              />{' '}
              days
            </label>
          </>
        ) : (
          <span>
            {defAmount.value} {defAmount.kind === 'days' ? 'days of cover' : 'units'} · sales window{' '}
            {draft.defaults.salesWindowDays} days
          </span>
        )}
      </div>
      {draft.safetyStock.length === 0 ? (
        <EmptyState title="No specific safety stock rules">Every SKU and channel uses the default.</EmptyState>
      ) : (
        <table className="data stack" data-testid="ss-rules">
          <thead>
            <tr>
              <th>SKU</th>
              <th>Category</th>
              <th>Channel</th>
              <th className="num">Amount</th>
              <th>Kind</th>
              {canEdit && <th></th>}
            </tr>
          </thead>
          <tbody>
            {draft.safetyStock.map((rule, i) => {
              const a = amountOf(rule)
              const set = (fn: (x: SafetyStockRule) => void) => edit((r) => fn(r.safetyStock[i]))
              return (
                <tr key={i} data-testid={`ss-${scopeKey(rule)}`}>
                  <td data-label="SKU">
                    {canEdit ? (
                      <input
                        type="text"
                        aria-label="SKU"
                        placeholder="any"
                        value={rule.sku ?? ''}
                        onChange={(e) =>
                          set((x) => {
                            x.sku = e.target.value.trim() || undefined
                          })
                        }
                        size={12}
                      />
                    ) : (
                      (rule.sku ?? 'any')
                    )}
                  </td>
                  <td data-label="Category">
                    <ChoiceCell
                      canEdit={canEdit}
                      label="Category"
                      value={rule.category}
                      choices={categories}
                      none="any"
                      onChange={(v) =>
                        set((x) => {
                          x.category = v
                        })
                      }
                    />
                  </td>
                  <td data-label="Channel">
                    <ChoiceCell
                      canEdit={canEdit}
                      label="Channel"
                      value={rule.channel}
                      choices={channels}
                      none="any"
                      onChange={(v) =>
                        set((x) => {
                          x.channel = v
                        })
                      }
                    />
                  </td>
                  <td data-label="Amount" className="num">
                    {canEdit ? (
                      <input
                        type="number"
                        min={0}
                        aria-label="Amount"
                        value={a.value}
                        onChange={(e) => set((x) => setAmount(x, a.kind, Number(e.target.value)))}
                        style={{ width: 70 }}
                      />
                    ) : (
                      a.value
                    )}
                  </td>
                  <td data-label="Kind">
                    {canEdit ? (
                      <select
                        aria-label="Kind"
                        value={a.kind}
                        onChange={(e) => set((x) => setAmount(x, e.target.value, a.value))}
                      >
                        <option value="units">units</option>
                        <option value="days">days of cover</option>
                      </select>
                    ) : a.kind === 'days' ? (
                      'days of cover'
                    ) : (
                      'units'
                    )}
                  </td>
                  <RemoveCell
                    canEdit={canEdit}
                    label="Remove safety stock rule"
                    onRemove={() =>
                      edit((r) => {
                        r.safetyStock.splice(i, 1)
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
          onClick={() =>
            edit((r) => {
              r.safetyStock.push({ units: 0 } as SafetyStockRule)
            })
          }
        >
          Add safety stock rule
        </button>
      )}
    </div>
  )
}

function VersionsPanel({
  versions,
  canEdit,
  action,
  onRolledBack,
}: {
  versions: RuleVersionSummary[]
  canEdit: boolean
  /** The screen's action runner: a rollback's outcome shows in the screen's message line. */
  action: ReturnType<typeof useAction>
  onRolledBack: () => Promise<void>
}) {
  const [open, setOpen] = useState<string | null>(null)
  const [confirm, setConfirm] = useState<string | null>(null)
  const [comment, setComment] = useState('')
  const { pending, run } = action
  const detail = useQuery({
    queryKey: ['rule-version', open],
    enabled: !!open,
    queryFn: () => fetchJson<VersionDetail>(`/api/ui/rules/versions/${open}`),
  })
  const rollback = (version: string) =>
    run(
      () => rollbackRulesAction({ version, comment: comment || undefined }),
      (d) => `Rolled back to ${version} as ${d.version}; recomputing ${formatCount(d.recomputeSkus)} SKUs.`,
      async () => {
        setConfirm(null)
        setOpen(null)
        setComment('')
        await onRolledBack()
      },
    )
  return (
    <div className="panel">
      <h2>Versions</h2>
      <table className="data stack" data-testid="rule-versions">
        <thead>
          <tr>
            <th>Version</th>
            <th>State</th>
            <th>Effective from</th>
            <th>Author</th>
            <th>Comment</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <Fragment key={v.id}>
              <tr data-testid={`version-${v.id}`}>
                <td data-label="Version" className="mono">
                  {v.id}
                </td>
                <td data-label="State">
                  <span className={`chip ${v.state === 'current' ? 'ok' : v.state === 'scheduled' ? 'warn' : ''}`}>
                    {v.state}
                  </span>
                </td>
                <td data-label="Effective from">
                  <Time iso={v.effectiveFrom} seconds={false} />
                </td>
                <td data-label="Author">{v.author}</td>
                <td data-label="Comment">
                  {v.comment}
                  {v.rolledBackFrom ? <span className="muted"> (rollback to {v.rolledBackFrom})</span> : null}
                </td>
                <td style={{ whiteSpace: 'nowrap' }}>
                  <button
                    onClick={() => {
                      setOpen(open === v.id ? null : v.id)
                      setConfirm(null)
                    }}
                    aria-expanded={open === v.id}
                  >
                    {open === v.id ? 'Hide changes' : 'Changes'}
                  </button>
                  {canEdit && v.state === 'superseded' && (
                    <button
                      style={{ marginLeft: 6 }}
                      data-testid="rollback"
                      onClick={() => {
                        setOpen(v.id)
                        setConfirm(v.id)
                      }}
                    >
                      Roll back to this…
                    </button>
                  )}
                </td>
              </tr>
              {open === v.id && (
                <tr>
                  <td colSpan={6} style={{ background: 'var(--chip)' }} data-testid="version-detail">
                    {detail.error && <ErrorBox error={detail.error} />}
                    {!detail.data ? (
                      <span className="muted">Loading…</span>
                    ) : confirm === v.id ? (
                      <div data-testid="rollback-confirm">
                        <strong>Rolling back to {v.id} saves a new version with its rules.</strong> Compared with{' '}
                        {detail.data.current}, in force now:
                        <ChangeList changes={detail.data.rollbackChanges} empty="The rules would not change." />
                        <div className="toolbar" style={{ marginTop: 8, marginBottom: 0 }}>
                          <TextInput
                            label="Rollback comment"
                            placeholder={`Rollback to ${v.id}`}
                            value={comment}
                            onValue={setComment}
                            size={40}
                          />
                          <button
                            className="primary"
                            disabled={pending}
                            data-testid="confirm-rollback"
                            onClick={() => rollback(v.id)}
                          >
                            Roll back
                          </button>
                          <button onClick={() => setConfirm(null)}>Cancel</button>
                        </div>
                      </div>
                    ) : (
                      <div>
                        What {v.id} changed from {detail.data.previous ?? 'nothing (the first version)'}:
                        <ChangeList changes={detail.data.changes} empty="No rule changed (same rules saved again)." />
                      </div>
                    )}
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function ChangeList({ changes, empty }: { changes: RuleChange[]; empty: string }) {
  if (changes.length === 0) return <div className="muted">{empty}</div>
  const show = (x: unknown) =>
    x === null || x === undefined ? '—' : typeof x === 'object' ? JSON.stringify(x) : String(x)
  return (
    <ul className="mono" style={{ margin: '6px 0', paddingLeft: 18 }} data-testid="changes">
      {changes.map((c) => (
        <li key={c.path}>
          {c.path}: {show(c.from)} → {show(c.to)}
        </li>
      ))}
    </ul>
  )
}
