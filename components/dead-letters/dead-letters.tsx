'use client'
// Support's screen: dead letters ranked by oversell risk, filters in the URL, replay by filter
// with the impact shown first, an approval queue (four eyes: one's own request cannot be approved),
// and discard with a reason. Live: the 'dead-letters' room refetches both lists.
import { useState, useTransition } from 'react'
import { useRouter, useSearchParams } from 'next/navigation'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import type { DeadLetterItem } from '@/server/dead-letters/list-dead-letters'
import { useRealtime } from '@/components/realtime/use-realtime'
import { EmptyState, ErrorBox } from '@/components/ui/empty-state'
import { fetchJson } from '@/components/ui/fetch-json'
import { Ago } from '@/components/ui/ago'
import { formatCount } from '@/components/ui/format'
import { approveReplayAction, discardAction, previewReplayAction, rejectReplayAction, requestReplayAction } from '@/app/(app)/dead-letters/actions'
import { CursorPager } from '@/components/ui/cursor-pager'

type Impact = { deadLetters: number; byKind: { ingest: number; publish: number }; listings: number; zeroToPositive: number; positiveToZero: number }
type Pending = { id: string; note: string | null; createdAt: string; impact: Impact; deadLetters: number; requestedBy: string; mine: boolean }
const FILTERS = ['kind', 'status', 'channel', 'code', 'sku', 'sort'] as const

export function DeadLetters({ can }: { can: { request: boolean; approve: boolean; discard: boolean } }) {
  const router = useRouter()
  const params = useSearchParams()
  const qc = useQueryClient()
  const filter = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Record<(typeof FILTERS)[number], string>
  if (!params.has('status')) filter.status = 'open'
  const [cursors, setCursors] = useState<string[]>([])
  const qs = new URLSearchParams(Object.entries({ ...filter, cursor: cursors[cursors.length - 1] ?? '' }).filter(([, v]) => v)).toString()
  const list = useQuery({ queryKey: ['dead-letters', qs], queryFn: () => fetchJson<{ items: DeadLetterItem[]; nextCursor: string | null }>(`/api/ui/dead-letters?${qs}`) })
  const queue = useQuery({ queryKey: ['replays'], queryFn: () => fetchJson<{ items: Pending[] }>('/api/ui/replays') })
  useRealtime({ rooms: ['dead-letters'], invalidate: { 'dead-letters.changed': [['dead-letters'], ['replays']] } })

  const [pending, start] = useTransition()
  const [message, setMessage] = useState<{ tone: 'ok' | 'bad'; text: string } | null>(null)
  const [impact, setImpact] = useState<Impact | null>(null)
  const [note, setNote] = useState('')
  const [reasonFor, setReasonFor] = useState<{ kind: 'reject' | 'discard'; id: string } | null>(null)
  const [reason, setReason] = useState('')

  const selection = { ...(filter.kind ? { kind: filter.kind } : {}), ...(filter.channel ? { channel: filter.channel } : {}), ...(filter.code ? { code: filter.code } : {}), ...(filter.sku ? { sku: filter.sku } : {}) }
  const refresh = () => { void qc.invalidateQueries({ queryKey: ['dead-letters'] }); void qc.invalidateQueries({ queryKey: ['replays'] }) }
  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params.toString())
    if (value) next.set(name, value); else next.delete(name)
    setCursors([])
    router.replace(`/dead-letters?${next.toString()}`)
  }
  const run = <T,>(fn: () => Promise<{ data: T } | { error: { message: string } }>, ok: (d: T) => string) => start(async () => {
    const r = await fn()
    if ('error' in r) setMessage({ tone: 'bad', text: r.error.message })
    else { setMessage({ tone: 'ok', text: ok(r.data) }); refresh() }
  })

  return (
    <div>
      <div className="page-head">
        <div>
          <h1>Dead letters</h1>
          <div className="muted">Events and channel updates that could not be applied, riskiest first. Replays need a second person&apos;s approval.</div>
        </div>
      </div>
      {message && <div className={message.tone === 'bad' ? 'error-box' : 'panel'} role="status" data-testid="dl-message">{message.text}</div>}

      <div className="panel">
        <h2>Approval queue</h2>
        {queue.error && <ErrorBox error={queue.error} />}
        {queue.data?.items.length === 0 ? <EmptyState title="Nothing waiting for approval">Replay requests appear here until someone else approves or rejects them.</EmptyState> : (
          <table className="data" data-testid="approval-queue">
            <thead><tr><th>Requested by</th><th>When</th><th className="num">Dead letters</th><th>Impact</th><th>Note</th><th></th></tr></thead>
            <tbody>
              {queue.data?.items.map((r) => (
                <tr key={r.id} data-testid={`request-${r.id}`}>
                  <td>{r.requestedBy}</td>
                  <td><Ago iso={r.createdAt} /></td>
                  <td className="num">{formatCount(r.deadLetters)}</td>
                  <td className="muted">{r.impact.byKind.ingest} events, {r.impact.listings} listings ({r.impact.zeroToPositive} 0→&gt;0, {r.impact.positiveToZero} &gt;0→0)</td>
                  <td className="muted">{r.note ?? ''}</td>
                  <td>
                    {can.approve && (r.mine
                      ? <span className="muted" data-testid="own-request">your request: someone else approves it</span>
                      : <span className="toolbar" style={{ marginBottom: 0 }}>
                          <button className="primary" disabled={pending} data-testid="approve" onClick={() => run(() => approveReplayAction({ id: r.id }), (d) => `Replay done: ${d.replayed} event(s) applied, ${d.stillRejected} still rejected, ${d.releasedListings} listing(s) republishing.`)}>Approve</button>
                          <button disabled={pending} onClick={() => { setReasonFor({ kind: 'reject', id: r.id }); setReason('') }}>Reject</button>
                        </span>)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      <div className="panel">
        <div className="toolbar" role="search">
          <label>Kind <select aria-label="Kind" value={filter.kind} onChange={(e) => setFilter('kind', e.target.value)}><option value="">any</option><option value="ingest">ingest</option><option value="publish">publish</option></select></label>
          <label>Status <select aria-label="Status" value={filter.status} onChange={(e) => setFilter('status', e.target.value)}>{['open', 'replay_requested', 'replayed', 'discarded'].map((s) => <option key={s} value={s}>{s.replace('_', ' ')}</option>)}</select></label>
          <label>Channel <input type="search" aria-label="Channel" defaultValue={filter.channel} onBlur={(e) => setFilter('channel', e.target.value.trim())} placeholder="any" size={8} /></label>
          <label>Code <input type="search" aria-label="Code" defaultValue={filter.code} onBlur={(e) => setFilter('code', e.target.value.trim())} placeholder="any" size={14} /></label>
          <label>SKU <input type="search" aria-label="SKU" defaultValue={filter.sku} onBlur={(e) => setFilter('sku', e.target.value.trim())} placeholder="any" size={10} /></label>
          <label>Order <select aria-label="Order" value={filter.sort || 'risk'} onChange={(e) => setFilter('sort', e.target.value === 'risk' ? '' : e.target.value)}><option value="risk">riskiest first</option><option value="recent">most recent first</option></select></label>
          <a className="button" href={`/api/ui/dead-letters/export?${new URLSearchParams(Object.entries({ ...filter, cursor: '' }).filter(([, v]) => v)).toString()}`} download data-testid="dead-letters-export">Export CSV</a>
          {can.request && filter.status === 'open' && (
            <button disabled={pending || (list.data?.items.length ?? 0) === 0} data-testid="preview-replay"
              onClick={() => start(async () => { const r = await previewReplayAction(Object.keys(selection).length ? selection : { kind: filter.kind || undefined, ids: list.data?.items.map((i) => i.id) }); if ('error' in r) setMessage({ tone: 'bad', text: r.error.message }); else setImpact(r.data) })}>
              Replay all matching…
            </button>
          )}
        </div>

        {impact && (
          <div className="panel" data-testid="replay-impact" style={{ background: 'var(--chip)' }}>
            <strong>Replay {formatCount(impact.deadLetters)} dead letter(s)?</strong> {impact.byKind.ingest} event(s) run again with their original keys;
            {' '}{impact.listings} listing(s) recompute and republish ({impact.zeroToPositive} go from 0 to a positive quantity, {impact.positiveToZero} to 0). A second person must approve.
            <div className="toolbar" style={{ marginTop: 8, marginBottom: 0 }}>
              <input type="text" aria-label="Note for the approver" placeholder="why (for the approver)" value={note} onChange={(e) => setNote(e.target.value)} size={40} />
              <button className="primary" disabled={pending} data-testid="request-replay"
                onClick={() => run(() => requestReplayAction({ selection: Object.keys(selection).length ? selection : { ids: list.data?.items.map((i) => i.id) }, note: note || undefined }), (d) => { setImpact(null); return `Replay requested (${d.impact.deadLetters} dead letters); waiting for approval.` })}>Request replay</button>
              <button onClick={() => setImpact(null)}>Cancel</button>
            </div>
          </div>
        )}

        {reasonFor && (
          <div className="toolbar" data-testid="reason-form">
            <input type="text" aria-label="Reason" placeholder={reasonFor.kind === 'reject' ? 'why reject' : 'why discard'} value={reason} onChange={(e) => setReason(e.target.value)} size={40} />
            <button className="primary" disabled={pending || !reason.trim()} onClick={() => {
              const target = reasonFor
              setReasonFor(null)
              if (target.kind === 'reject') run(() => rejectReplayAction({ id: target.id, reason }), () => 'Replay rejected; the dead letters are open again.')
              else run(() => discardAction({ ids: [target.id], reason }), () => 'Dead letter discarded.')
            }}>Confirm</button>
            <button onClick={() => setReasonFor(null)}>Cancel</button>
          </div>
        )}

        {list.error && <ErrorBox error={list.error} />}
        {list.data && list.data.items.length === 0 ? <EmptyState title="No dead letters match">Everything that matches these filters was applied, replayed or discarded.</EmptyState> : (
          <table className="data" data-testid="dead-letter-list">
            <thead><tr><th className="num">Risk</th><th>Kind</th><th>Code</th><th>Reason</th><th>SKU</th><th>Channel / source</th><th>Status</th><th className="num">Attempts</th><th>Last seen</th><th></th></tr></thead>
            <tbody>
              {list.data?.items.map((d) => (
                <tr key={d.id} data-testid={`dead-letter-${d.id}`}>
                  <td className="num">{d.riskScore}</td>
                  <td>{d.kind}</td>
                  <td className="mono">{d.code}</td>
                  <td style={{ maxWidth: 420 }}>{d.reason}</td>
                  <td className="mono">{d.sku ?? ''}</td>
                  <td>{d.channel ?? d.source ?? ''}</td>
                  <td><span className={`chip ${d.status === 'open' ? 'warn' : d.status === 'replayed' ? 'ok' : ''}`}>{d.status.replace('_', ' ')}</span></td>
                  <td className="num">{d.attempts}</td>
                  <td><Ago iso={d.lastSeenAt} /></td>
                  <td>{can.discard && d.status === 'open' && <button disabled={pending} onClick={() => { setReasonFor({ kind: 'discard', id: d.id }); setReason('') }}>Discard</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={list.data?.nextCursor} />
      </div>
    </div>
  )
}
