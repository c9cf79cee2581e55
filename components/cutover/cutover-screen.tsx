'use client'
// The cutover screen: who is the system of record for each location (and category), switches
// scheduled for later, refused events, and for each shadow source its differences from the owner
// per SKU with their trend. An analyst previews an ownership change (what changes for each source,
// how far the shadow numbers are) and only then confirms it; it is audited and effective at its time.
import { useState, type ReactNode } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import type { CutoverView } from '@/server/ownership/get-cutover'
import type { OwnershipPreview } from '@/server/ownership/preview-ownership'
import { EmptyState, ErrorBox } from '@/components/ui/empty-state'
import { fetchJson } from '@/components/ui/fetch-json'
import { FormInputs, type InputField } from '@/components/ui/form-inputs'
import { DataTable, type Column } from '@/components/ui/data-table'
import { SelectFilter } from '@/components/ui/filters'
import { PageHead } from '@/components/ui/page-head'
import { useAction } from '@/components/ui/action'
import { formatCount, formatTime } from '@/components/ui/format'
import { previewOwnershipAction, setOwnershipAction } from '@/app/(app)/cutover/actions'

type Form = {
  location: string
  category: string
  source: string
  shadowSource: string
  effectiveFrom: string
  reason: string
}
const EMPTY: Form = { location: '', category: '', source: '', shadowSource: '', effectiveFrom: '', reason: '' }

function toInput(f: Form) {
  return {
    location: f.location,
    source: f.source.trim(),
    reason: f.reason,
    ...(f.category.trim() ? { category: f.category.trim() } : {}),
    ...(f.shadowSource.trim() ? { shadowSource: f.shadowSource.trim() } : {}),
    ...(f.effectiveFrom ? { effectiveFrom: new Date(f.effectiveFrom).toISOString() } : {}),
  }
}

const FORM_FIELDS: InputField<keyof Form>[] = [
  { name: 'category', caption: 'Category', label: 'Category', placeholder: 'every SKU', size: 10 },
  { name: 'source', caption: 'Owner', label: 'Owner source', size: 12 },
  { name: 'shadowSource', caption: 'Shadow', label: 'Shadow source', placeholder: 'none', size: 12 },
  { name: 'effectiveFrom', caption: 'Effective', type: 'datetime-local', label: 'Effective at' },
  { name: 'reason', caption: 'Reason', label: 'Reason', size: 24 },
]

type Owned = CutoverView['locations'][number]
/** One line per owned scope (the whole location or a category) of a location. */
const perOwner = (l: Owned, line: (o: Owned['owners'][number]) => ReactNode) =>
  l.owners.map((o) => <div key={o.category ?? ''}>{line(o)}</div>)
const OWNER_COLUMNS: Column<Owned>[] = [
  {
    header: 'Location',
    cell: (l) => (
      <>
        <strong>{l.code}</strong> <span className="muted">{l.name}</span>
      </>
    ),
  },
  {
    header: 'Owner',
    cell: (l) =>
      l.owners.length === 0 ? (
        <span className="muted">any source</span>
      ) : (
        perOwner(l, (o) => (
          <>
            {o.source}
            {o.category ? <span className="muted"> ({o.category})</span> : null}
          </>
        ))
      ),
  },
  { header: 'Shadow (cutover)', cell: (l) => perOwner(l, (o) => o.shadowSource ?? '—') },
  {
    header: 'Since',
    cell: (l) => perOwner(l, (o) => <span title={`${o.reason} (${o.by})`}>{formatTime(o.since)}</span>),
  },
  {
    header: 'Scheduled',
    cell: (l) =>
      l.scheduled.length === 0
        ? '—'
        : l.scheduled.map((s) => (
            <div key={s.effectiveFrom + (s.category ?? '')} data-testid="scheduled-switch">
              {s.source}
              {s.shadowSource ? ` (shadow ${s.shadowSource})` : ''} at {formatTime(s.effectiveFrom)}
            </div>
          )),
  },
  { header: 'Refused (24 h)', className: 'num', cell: (l) => formatCount(l.refusedLast24h) },
]

const SHADOW_COLUMNS: Column<CutoverView['shadows'][number]['rows'][number]>[] = [
  { header: 'SKU', className: 'mono', cell: (r) => <a href={`/skus/${encodeURIComponent(r.sku)}`}>{r.sku}</a> },
  { header: 'Owner on hand', className: 'num', cell: (r) => formatCount(r.ownerOnHand) },
  { header: 'Shadow on hand', className: 'num', cell: (r) => formatCount(r.shadowOnHand) },
  {
    header: 'Difference',
    className: 'num',
    cell: (r) => (
      <>
        {r.difference > 0 ? '+' : ''}
        {formatCount(r.difference)}
      </>
    ),
  },
  { header: 'Shadow updated', cell: (r) => formatTime(r.updatedAt) },
]

const PREVIEW_COLUMNS: Column<NonNullable<OwnershipPreview['shadowDifferences']>['sample'][number]>[] = [
  { header: 'SKU', className: 'mono', cell: (r) => r.sku },
  { header: 'Owner', className: 'num', cell: (r) => r.ownerOnHand },
  { header: 'New owner', className: 'num', cell: (r) => r.shadowOnHand },
  { header: 'Difference', className: 'num', cell: (r) => r.difference },
]

/** A small trend line of |difference| per minute (no chart library needed for a sparkline). */
function Trend({ points }: { points: CutoverView['shadows'][number]['trend'] }) {
  if (points.length === 0) return <span className="muted">no samples yet</span>
  const w = 160,
    h = 32
  const max = Math.max(1, ...points.map((p) => p.absDifference))
  const xy = points
    .map((p, i) => `${points.length === 1 ? w : (i / (points.length - 1)) * w},${h - (p.absDifference / max) * h}`)
    .join(' ')
  const last = points.at(-1)!
  return (
    <span style={{ display: 'inline-flex', gap: 8, alignItems: 'center' }} data-testid="shadow-trend">
      <svg
        width={w}
        height={h}
        role="img"
        aria-label={`difference trend over ${points.length} minutes, now ${last.absDifference} units`}
      >
        <polyline fill="none" stroke="currentColor" strokeWidth="1.5" points={xy} />
      </svg>
      <span className="muted">
        now {formatCount(last.skusDiffering)} SKUs, {formatCount(last.absDifference)} units
      </span>
    </span>
  )
}

export function CutoverScreen({ canSwitch }: { canSwitch: boolean }) {
  const qc = useQueryClient()
  const data = useQuery({
    queryKey: ['cutover'],
    queryFn: () => fetchJson<CutoverView>('/api/ui/cutover'),
    refetchInterval: 5_000,
  })
  const [form, setForm] = useState<Form>(EMPTY)
  const [preview, setPreview] = useState<OwnershipPreview | null>(null)
  const { pending, message, run } = useAction()
  // Changing what would change invalidates the preview; writing the reason does not.
  const setF = (k: keyof Form, v: string) => {
    setForm((f) => ({ ...f, [k]: v }))
    if (k !== 'reason') setPreview(null)
  }

  const doPreview = () =>
    run(
      () => previewOwnershipAction(toInput(form)),
      () => null,
      setPreview,
    )
  const confirm = () =>
    run(
      () => setOwnershipAction(toInput(form)),
      (d) => {
        const later = new Date(d.effectiveFrom).getTime() > Date.now() + 1_000
        return `${d.after.source} is the system of record for ${d.location}${d.category ? ` (${d.category})` : ''} ${later ? `from ${formatTime(d.effectiveFrom)}` : 'now'}.`
      },
      async () => {
        setPreview(null)
        setForm(EMPTY)
        await qc.invalidateQueries({ queryKey: ['cutover'] })
      },
    )

  if (data.error) return <ErrorBox error={data.error} />
  if (!data.data) return <div className="muted">Loading ownership…</div>
  const d = data.data
  return (
    <div>
      <PageHead title="Cutover" message={message} messageTestId="cutover-message">
        Which system is the source of truth for each location&apos;s on hand. Other sources are refused; a cutover
        candidate runs in shadow: compared here, never applied.
      </PageHead>

      <div className="panel">
        <h2>Systems of record</h2>
        <DataTable
          testId="owners"
          columns={OWNER_COLUMNS}
          rows={d.locations}
          rowKey={(l) => l.code}
          row={(l) => ({ 'data-testid': `owner-${l.code}` })}
        />
      </div>

      <div className="panel">
        <h2>Shadow differences</h2>
        {d.shadows.length === 0 ? (
          <EmptyState title="No cutover in progress">
            Name a shadow source for a location below to compare a new system with the owner before switching.
          </EmptyState>
        ) : (
          d.shadows.map((s) => (
            <div key={`${s.location}-${s.source}`} data-testid={`shadow-${s.location}`} style={{ marginBottom: 16 }}>
              <div className="toolbar">
                <strong>
                  {s.location}: {s.source} (shadow) vs {s.owner} (owner)
                </strong>
                <span data-testid="shadow-summary">
                  {formatCount(s.differing)} of {formatCount(s.skus)} SKUs differ, {formatCount(s.absDifference)} units
                  in total
                </span>
                <Trend points={s.trend} />
              </div>
              {s.rows.length > 0 && (
                <DataTable
                  testId="shadow-rows"
                  columns={SHADOW_COLUMNS}
                  rows={s.rows}
                  rowKey={(r) => r.sku}
                  row={(r) => ({ 'data-testid': `shadow-row-${r.sku}` })}
                />
              )}
            </div>
          ))
        )}
      </div>

      {canSwitch && (
        <div className="panel" data-testid="ownership-form">
          <h2>Set or switch the system of record</h2>
          <div className="toolbar">
            <SelectFilter
              label="Location"
              value={form.location}
              any="choose…"
              options={d.locations.map((l) => l.code)}
              onChange={(v) => setF('location', v)}
            />
            <FormInputs fields={FORM_FIELDS} form={form} set={setF} />
            <button
              data-testid="preview-ownership"
              disabled={pending || !form.location || !form.source.trim()}
              onClick={doPreview}
            >
              Preview
            </button>
          </div>
          {preview && (
            <div data-testid="ownership-preview">
              <p style={{ marginTop: 0 }}>
                At {formatTime(preview.effectiveFrom)}:{' '}
                {preview.before
                  ? `${preview.before.source}${preview.before.shadowSource ? ` (shadow ${preview.before.shadowSource})` : ''}`
                  : 'no owner'}{' '}
                → {preview.after.source}
                {preview.after.shadowSource ? ` (shadow ${preview.after.shadowSource})` : ''}
              </p>
              <ul>
                {preview.changes.map((c) => (
                  <li key={c}>{c}</li>
                ))}
              </ul>
              {preview.shadowDifferences && preview.shadowDifferences.sample.length > 0 && (
                <DataTable columns={PREVIEW_COLUMNS} rows={preview.shadowDifferences.sample} rowKey={(r) => r.sku} />
              )}
              <div className="toolbar" style={{ marginTop: 8 }}>
                <button
                  className="primary"
                  data-testid="confirm-ownership"
                  disabled={pending || form.reason.trim().length < 3}
                  onClick={confirm}
                >
                  Confirm
                </button>
                {form.reason.trim().length < 3 && (
                  <span className="muted">Say why (a reason is recorded in the audit log).</span>
                )}
              </div>
            </div>
          )}
        </div>
      )}
    </div>
  )
}
