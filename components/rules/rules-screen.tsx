'use client'
// The merchandiser's rule editor: channel waterfall (priority, ring-fence, share, cap, zero-out
// threshold, eligible locations, in-flight buffer), safety stock by specificity, then an impact
// preview computed over every SKU x channel before the save (the preview is the confirmation), a
// comment and an optional effective-from time. Below: recompute progress and every version with its
// diff and a one-click rollback (which saves a new version). Roles without rules:edit see the same
// rules as text, with no controls.
import { Fragment, useEffect, useState, type ReactNode } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import type { RuleSet, SafetyStockRule } from '@/server/rules/rules.schema'
import type { RuleImpact } from '@/server/rules/preview-rule-impact'
import type { getRecomputeProgress, RuleChange, RuleVersionSummary } from '@/server/rules/rule-set.repository'
import { EmptyState, ErrorBox } from '@/components/ui/empty-state'
import { fetchJson } from '@/components/ui/fetch-json'
import { TextInput } from '@/components/ui/fields'
import { useAction } from '@/components/ui/action'
import { Ago } from '@/components/ui/ago'
import { formatCount, formatTime } from '@/components/ui/format'
import { Time } from '@/components/ui/time'
import { previewRulesAction, rollbackRulesAction, saveRulesAction } from '@/app/(app)/rules/actions'
import { AllocationWindowsPanel } from './allocation-windows-panel'
import { PoliciesPanel } from './policies-panel'
import { DataTable, type Column } from '@/components/ui/data-table'
import { SelectFilter } from '@/components/ui/filters'
import { PageHead } from '@/components/ui/page-head'
import { ChannelCard } from './channel-card'
import { ChoiceCell, NumberCell, OptionCell, TextCell, removeColumn } from './editable-cells'

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
export const scopeKey = (r: Pick<SafetyStockRule, 'sku' | 'category' | 'channel'>): string =>
  [r.sku && `sku:${r.sku}`, r.category && `category:${r.category}`, r.channel && `channel:${r.channel}`]
    .filter(Boolean)
    .join('+') || 'any'

type ImpactRow = RuleImpact['channels'][number]
const count = (header: string, key: Exclude<keyof ImpactRow, 'channel'>): Column<ImpactRow> => ({
  header,
  className: 'num',
  cell: (c) => formatCount(c[key]),
})
const IMPACT_COLUMNS: Column<ImpactRow>[] = [
  { header: 'Channel', cell: (c) => c.channel },
  count('Listings', 'listings'),
  count('Up', 'up'),
  count('Down', 'down'),
  count('To zero', 'toZero'),
  count('From zero', 'fromZero'),
  count('Unchanged', 'unchanged'),
]
const SAMPLE_COLUMNS: Column<RuleImpact['sample'][number]>[] = [
  { header: 'SKU', className: 'mono', cell: (s) => <a href={`/skus/${encodeURIComponent(s.sku)}`}>{s.sku}</a> },
  { header: 'Channel', cell: (s) => s.channel },
  { header: 'Now', className: 'num', cell: (s) => formatCount(s.from) },
  { header: 'After', className: 'num', cell: (s) => formatCount(s.to) },
]

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
  // What every rule panel edits: the draft, through `edit`, when the user may.
  const editor = { draft, edit, canEdit }

  return (
    <div>
      <PageHead
        message={message}
        messageTestId="rules-message"
        title="Rules"
        aside={
          canEdit &&
          dirty && (
            <span className="chip warn" data-testid="unsaved">
              unsaved changes
            </span>
          )
        }
      >
        In force: <strong data-testid="current-version">{current.version}</strong> by {current.author}, effective{' '}
        <Time iso={current.effectiveFrom} seconds={false} testId="current-effective-from" />
        {current.comment ? ` — “${current.comment}”` : ''}
      </PageHead>
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
          {channelCodes.map((code) => (
            <ChannelCard key={code} code={code} rules={draft.channels[code]} canEdit={canEdit} edit={edit} />
          ))}
        </div>
        <div className="muted" style={{ marginTop: 6, fontSize: 12 }}>
          Known locations: {d.locations.map((l) => l.code).join(', ') || 'none'}. A channel without rules publishes
          nothing.
        </div>
        {canEdit && unruled.length > 0 && (
          <div className="toolbar" style={{ marginTop: 8, marginBottom: 0 }}>
            <SelectFilter
              label="Add rules for channel"
              caption="Add rules for"
              value=""
              any="choose a channel…"
              options={unruled.map((c) => c.code)}
              onChange={(code) => {
                if (code)
                  edit((r) => {
                    r.channels[code] = { priority: 100, share: { type: 'shared' }, zeroBelow: 0 }
                  })
              }}
            />
          </div>
        )}
      </div>

      <AllocationWindowsPanel {...editor} channelCodes={channelCodes} />
      <PoliciesPanel {...editor} locations={d.locations.map((l) => l.code)} categories={d.categories} />
      <SafetyStockPanel {...editor} channels={d.channels.map((c) => c.code)} categories={d.categories} />

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
              <DataTable
                stack
                columns={IMPACT_COLUMNS}
                rows={impact.channels}
                rowKey={(c) => c.channel}
                row={(c) => ({ 'data-testid': `impact-${c.channel}` })}
              />
              {impact.sample.length > 0 && (
                <details style={{ marginTop: 8 }}>
                  <summary>Sample of changed listings ({impact.sample.length})</summary>
                  <DataTable columns={SAMPLE_COLUMNS} rows={impact.sample} rowKey={(s) => `${s.sku}-${s.channel}`} />
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

const AMOUNT_KINDS = [
  ['units', 'units'],
  ['days', 'days of cover'],
] as const
type Amount = { units?: number; days?: number }
const amountOf = (s: Amount) =>
  s.days !== undefined ? { kind: 'days', value: s.days } : { kind: 'units', value: s.units ?? 0 }
const setAmount = (target: Amount, kind: string, value: number) => {
  if (kind === 'days') {
    delete target.units
    target.days = value
  } else {
    delete target.days
    target.units = value
  }
}

/** A cell of a safety stock rule's amount (a number of units or of days of cover). */
const withAmount =
  (cell: (a: ReturnType<typeof amountOf>, i: number) => ReactNode) =>
  ({ rule, i }: { rule: SafetyStockRule; i: number }) =>
    cell(amountOf(rule), i)

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
  const defAmount = amountOf(draft.defaults.safetyStock)
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
            <NumberCell
              canEdit
              label="Default safety stock amount"
              min={0}
              value={defAmount.value}
              onChange={(v) => edit((r) => setAmount(r.defaults.safetyStock, defAmount.kind, v ?? 0))}
              width={70}
            />
            <OptionCell
              canEdit
              label="Default safety stock kind"
              value={defAmount.kind}
              options={AMOUNT_KINDS}
              onChange={(kind) => edit((r) => setAmount(r.defaults.safetyStock, kind, defAmount.value))}
            />
            <label>
              Sales window{' '}
              <NumberCell
                canEdit
                label="Sales window days"
                min={1}
                max={365}
                value={draft.defaults.salesWindowDays}
                onChange={(v) =>
                  edit((r) => {
                    r.defaults.salesWindowDays = v ?? 0
                  })
                }
                width={60}
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
        <DataTable
          stack
          testId="ss-rules"
          columns={safetyStockColumns(canEdit, edit, channels, categories)}
          rows={draft.safetyStock.map((rule, i) => ({ rule, i }))}
          rowKey={({ i }) => String(i)}
          row={({ rule }) => ({ 'data-testid': `ss-${scopeKey(rule)}` })}
        />
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

function safetyStockColumns(
  canEdit: boolean,
  edit: (fn: (r: RuleSet) => void) => void,
  channels: string[],
  categories: string[],
): Column<{ rule: SafetyStockRule; i: number }>[] {
  const set = (i: number, fn: (x: SafetyStockRule) => void) => edit((r) => fn(r.safetyStock[i]))
  const choice = (key: 'category' | 'channel', header: string, choices: string[]) => ({
    header,
    cell: ({ rule, i }: { rule: SafetyStockRule; i: number }) => (
      <ChoiceCell
        canEdit={canEdit}
        label={header}
        value={rule[key]}
        choices={choices}
        none="any"
        onChange={(v) =>
          set(i, (x) => {
            x[key] = v
          })
        }
      />
    ),
  })
  return [
    {
      header: 'SKU',
      cell: ({ rule, i }) => (
        <TextCell
          canEdit={canEdit}
          label="SKU"
          placeholder="any"
          value={rule.sku ?? ''}
          shown={rule.sku ?? 'any'}
          onChange={(v) =>
            set(i, (x) => {
              x.sku = v.trim() || undefined
            })
          }
          size={12}
        />
      ),
    },
    choice('category', 'Category', categories),
    choice('channel', 'Channel', channels),
    {
      header: 'Amount',
      className: 'num',
      cell: withAmount((a, i) => (
        <NumberCell
          canEdit={canEdit}
          label="Amount"
          min={0}
          value={a.value}
          onChange={(v) => set(i, (x) => setAmount(x, a.kind, v ?? 0))}
          width={70}
        />
      )),
    },
    {
      header: 'Kind',
      cell: withAmount((a, i) => (
        <OptionCell
          canEdit={canEdit}
          label="Kind"
          value={a.kind}
          options={AMOUNT_KINDS}
          onChange={(kind) => set(i, (x) => setAmount(x, kind, a.value))}
        />
      )),
    },
    ...removeColumn<{ i: number }>(
      canEdit,
      () => 'Remove safety stock rule',
      ({ i }) =>
        edit((r) => {
          r.safetyStock.splice(i, 1)
        }),
    ),
  ]
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
