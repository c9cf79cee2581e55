'use client'
// The cutover screen: who is the system of record for each location (and category), switches
// scheduled for later, refused events, and for each shadow source its differences from the owner
// per SKU with their trend. An analyst previews an ownership change (what changes for each source,
// how far the shadow numbers are) and only then confirms it; it is audited and effective at its time.
import { useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import type { CutoverView } from '@/server/ownership/get-cutover'
import type { OwnershipPreview } from '@/server/ownership/preview-ownership'
import { EmptyState, ErrorBox } from '@/components/ui/empty-state'
import { fetchJson } from '@/components/ui/fetch-json'
import { TextInput } from '@/components/ui/fields'
import { FeedbackLine, useAction } from '@/components/ui/action'
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
      <div className="page-head">
        <div>
          <h1>Cutover</h1>
          <div className="muted">
            Which system is the source of truth for each location&apos;s on hand. Other sources are refused; a cutover
            candidate runs in shadow: compared here, never applied.
          </div>
        </div>
      </div>
      <FeedbackLine message={message} testId="cutover-message" />

      <div className="panel">
        <h2>Systems of record</h2>
        <table className="data" data-testid="owners">
          <thead>
            <tr>
              <th>Location</th>
              <th>Owner</th>
              <th>Shadow (cutover)</th>
              <th>Since</th>
              <th>Scheduled</th>
              <th className="num">Refused (24 h)</th>
            </tr>
          </thead>
          <tbody>
            {d.locations.map((l) => (
              <tr key={l.code} data-testid={`owner-${l.code}`}>
                <td>
                  <strong>{l.code}</strong> <span className="muted">{l.name}</span>
                </td>
                <td>
                  {l.owners.length === 0 ? (
                    <span className="muted">any source</span>
                  ) : (
                    l.owners.map((o) => (
                      <div key={o.category ?? ''}>
                        {o.source}
                        {o.category ? <span className="muted"> ({o.category})</span> : null}
                      </div>
                    ))
                  )}
                </td>
                <td>
                  {l.owners.map((o) => (
                    <div key={o.category ?? ''}>{o.shadowSource ?? '—'}</div>
                  ))}
                </td>
                <td>
                  {l.owners.map((o) => (
                    <div key={o.category ?? ''} title={`${o.reason} (${o.by})`}>
                      {formatTime(o.since)}
                    </div>
                  ))}
                </td>
                <td>
                  {l.scheduled.length === 0
                    ? '—'
                    : l.scheduled.map((s) => (
                        <div key={s.effectiveFrom + (s.category ?? '')} data-testid="scheduled-switch">
                          {s.source}
                          {s.shadowSource ? ` (shadow ${s.shadowSource})` : ''} at {formatTime(s.effectiveFrom)}
                        </div>
                      ))}
                </td>
                <td className="num">{formatCount(l.refusedLast24h)}</td>
              </tr>
            ))}
          </tbody>
        </table>
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
                <table className="data" data-testid="shadow-rows">
                  <thead>
                    <tr>
                      <th>SKU</th>
                      <th className="num">Owner on hand</th>
                      <th className="num">Shadow on hand</th>
                      <th className="num">Difference</th>
                      <th>Shadow updated</th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.rows.map((r) => (
                      <tr key={r.sku} data-testid={`shadow-row-${r.sku}`}>
                        <td className="mono">
                          <a href={`/skus/${encodeURIComponent(r.sku)}`}>{r.sku}</a>
                        </td>
                        <td className="num">{formatCount(r.ownerOnHand)}</td>
                        <td className="num">{formatCount(r.shadowOnHand)}</td>
                        <td className="num">
                          {r.difference > 0 ? '+' : ''}
                          {formatCount(r.difference)}
                        </td>
                        <td>{formatTime(r.updatedAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          ))
        )}
      </div>

      {canSwitch && (
        <div className="panel" data-testid="ownership-form">
          <h2>Set or switch the system of record</h2>
          <div className="toolbar">
            <label>
              Location{' '}
              <select aria-label="Location" value={form.location} onChange={(e) => setF('location', e.target.value)}>
                <option value="">choose…</option>
                {d.locations.map((l) => (
                  <option key={l.code} value={l.code}>
                    {l.code}
                  </option>
                ))}
              </select>
            </label>
            <TextInput
              caption="Category"
              label="Category"
              placeholder="every SKU"
              value={form.category}
              onValue={(v) => setF('category', v)}
              size={10}
            />
            <TextInput
              caption="Owner"
              label="Owner source"
              value={form.source}
              onValue={(v) => setF('source', v)}
              size={12}
            />
            <TextInput
              caption="Shadow"
              label="Shadow source"
              placeholder="none"
              value={form.shadowSource}
              onValue={(v) => setF('shadowSource', v)}
              size={12}
            />
            <TextInput
              caption="Effective"
              type="datetime-local"
              label="Effective at"
              value={form.effectiveFrom}
              onValue={(v) => setF('effectiveFrom', v)}
            />
            <TextInput
              caption="Reason"
              label="Reason"
              value={form.reason}
              onValue={(v) => setF('reason', v)}
              size={24}
            />
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
                <table className="data">
                  <thead>
                    <tr>
                      <th>SKU</th>
                      <th className="num">Owner</th>
                      <th className="num">New owner</th>
                      <th className="num">Difference</th>
                    </tr>
                  </thead>
                  <tbody>
                    {preview.shadowDifferences.sample.map((r) => (
                      <tr key={r.sku}>
                        <td className="mono">{r.sku}</td>
                        <td className="num">{r.ownerOnHand}</td>
                        <td className="num">{r.shadowOnHand}</td>
                        <td className="num">{r.difference}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
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
