'use client'
// One SKU: stock per location, and per channel the decided number with the steps that produced
// it, what was published and what the channel shows. Live: pushes for this SKU refetch it.
import Link from 'next/link'
import { useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import type { SkuDetail, SkuEvent } from '@/server/availability/get-sku-detail'
import { useRealtime } from '@/components/realtime/use-realtime'
import { EmptyState, ErrorBox } from '@/components/ui/empty-state'
import { countColumns, DataTable, type Column } from '@/components/ui/data-table'
import { PageHead } from '@/components/ui/page-head'
import { fetchJson } from '@/components/ui/fetch-json'
import { formatCount, formatSeconds, formatTime } from '@/components/ui/format'
import { Ago } from '@/components/ui/ago'
import { SkuOrderExceptions } from './order-exceptions'
import { Time } from '@/components/ui/time'
import type { SyncStory } from '@/server/availability/get-sku-detail'

function SyncState({ story: s }: { story: SyncStory }) {
  if (s.waitsFor.state === 'in_sync') return <>in sync</>
  return (
    <>
      waiting
      {s.waitingSince ? (
        <>
          {' '}
          <Ago iso={s.waitingSince} />
        </>
      ) : null}
      : {s.waitsFor.state.replaceAll('_', ' ')}
    </>
  )
}

/** From decision to applied, each step with its time, and what the listing waits for now. */
function SyncStoryCard({ channel, story: s }: { channel: string; story: SyncStory }) {
  const step = (done: boolean, waiting: boolean) => (done ? 'step-done' : waiting ? 'step-wait' : 'step-todo')
  const v = s.desired.version
  const sentDone = s.sent !== null && s.sent.version >= v
  const acceptedDone = s.accepted !== null && s.accepted.version >= v
  const appliedDone = s.applied !== null && s.applied.version >= v
  return (
    <section className="kpi" aria-label={`Sync story ${channel}`} data-testid={`sync-story-${channel}`}>
      <div className="label">
        <strong>{channel}</strong> · version {v}
        {s.waitingSince ? (
          <>
            {' '}
            · waiting since <Time iso={s.waitingSince} />
          </>
        ) : null}
      </div>
      <ol className="story">
        <li>
          <span className="step-done">Decided</span>
          <span>
            {formatCount(s.desired.quantity)} at <Time iso={s.desired.at} />
          </span>
        </li>
        <li>
          <span className={step(sentDone, !sentDone)}>Sent</span>
          <span>
            {s.sent ? (
              <>
                {formatCount(s.sent.quantity)} (v{s.sent.version}, try {s.sent.attemptNo}) at <Time iso={s.sent.at} />:{' '}
                <strong>{s.sent.outcome}</strong>
                {s.sent.batchId ? (
                  <>
                    {' '}
                    · request <span className="mono">{s.sent.batchId}</span>
                  </>
                ) : (
                  <>
                    {' '}
                    · attempt <span className="mono">{s.sent.attemptId}</span>
                  </>
                )}
                {s.sent.error ? <div className="muted">{s.sent.error}</div> : null}
              </>
            ) : (
              'not yet'
            )}
          </span>
        </li>
        <li>
          <span className={step(acceptedDone, sentDone && !acceptedDone)}>Accepted</span>
          <span>
            {s.accepted ? (
              <>
                v{s.accepted.version} at <Time iso={s.accepted.at} />
              </>
            ) : (
              'not yet'
            )}
          </span>
        </li>
        <li>
          <span className={step(appliedDone, acceptedDone && !appliedDone)}>Applied</span>
          <span>
            {s.applied ? (
              <>
                {formatCount(s.applied.quantity)} (v{s.applied.version}) at <Time iso={s.applied.at} />
              </>
            ) : (
              'not yet'
            )}
          </span>
        </li>
      </ol>
      <div
        data-testid={`waits-for-${channel}`}
        className={s.waitsFor.state === 'in_sync' ? 'muted' : undefined}
        style={{ marginTop: 6 }}
      >
        <strong>Waits for:</strong> {s.waitsFor.message}
        {s.waitsFor.until ? (
          <>
            {' '}
            (next try <Time iso={s.waitsFor.until} />)
          </>
        ) : null}
      </div>
      {s.orders && (
        <div className="muted" data-testid={`orders-note-${channel}`} style={{ marginTop: 6 }}>
          <strong>The channel&apos;s orders:</strong> at <Time iso={s.orders.at} />,{' '}
          {s.orders.note.replace(/^\S+: /, '')}
        </div>
      )}
    </section>
  )
}

export function SkuDetailView({ initial }: { initial: SkuDetail }) {
  const key = ['sku', initial.sku] as const
  const { data, error } = useQuery({
    queryKey: key,
    queryFn: () => fetchJson<SkuDetail>(`/api/ui/skus/${encodeURIComponent(initial.sku)}`),
    initialData: initial,
    // Pushes drive updates; this is the safety net should one be lost (NOTIFY is best effort).
    refetchInterval: 30_000,
  })
  useRealtime({
    rooms: [`sku:${initial.sku}`],
    invalidate: { 'listings.changed': [key], 'stock.changed': [key] },
    coalesceMs: 300,
  })
  const d = data ?? initial

  return (
    <div>
      <PageHead
        crumb={
          <>
            <Link href="/skus">SKUs</Link> /
          </>
        }
        titleTestId="sku-code"
        title={
          <>
            {d.sku}{' '}
            <span className="muted" style={{ fontWeight: 400 }}>
              {d.name}
            </span>
          </>
        }
      >
        {
          <>
            {d.category}
            {d.kit && ` · kit of ${d.kit.components.map((c) => `${c.quantity}× ${c.sku}`).join(', ')}`}
          </>
        }
      </PageHead>
      {error && <ErrorBox error={error} />}
      <SkuOrderExceptions sku={d.sku} />

      <div className="panel">
        <h2>Channels</h2>
        {d.channels.length === 0 ? (
          <EmptyState title="Not listed on any channel" />
        ) : (
          <DataTable
            testId="channel-quantities"
            columns={channelColumns(d)}
            rows={d.channels}
            rowKey={(c) => c.channel}
          />
        )}
      </div>

      {d.channels.length > 0 && d.sync && (
        <div className="panel" data-testid="sync-stories">
          <h2>Sync story per channel</h2>
          <div className="grid" style={{ gridTemplateColumns: 'repeat(auto-fill, minmax(300px, 1fr))' }}>
            {d.channels.map((c) =>
              d.sync[c.channel] ? (
                <SyncStoryCard key={c.channel} channel={c.channel} story={d.sync[c.channel]} />
              ) : null,
            )}
          </div>
        </div>
      )}

      {d.incidents?.length > 0 && (
        <div className="panel" data-testid="sku-incidents">
          <h2>Oversell incidents of this SKU</h2>
          <DataTable
            columns={INCIDENT_COLUMNS}
            rows={d.incidents}
            rowKey={(x) => x.id}
            row={() => ({ className: 'row-link' })}
          />
        </div>
      )}

      <div className="panel">
        <h2>Stock by location</h2>
        {d.kit ? (
          <p className="muted">
            A kit holds no stock of its own: each channel may sell as many kits as its scarcest component allows.
            Components:{' '}
            {d.kit.components.map((c, i) => (
              <span key={c.sku}>
                {i > 0 && ', '}
                <Link href={`/skus/${encodeURIComponent(c.sku)}`}>{c.sku}</Link> ×{c.quantity}
              </span>
            ))}
          </p>
        ) : (
          <DataTable testId="positions" columns={POSITION_COLUMNS} rows={d.locations} rowKey={(l) => l.location} />
        )}
      </div>

      <div className="panel">
        <h2>Why each channel gets its number</h2>
        {d.channels.map((c) => {
          const e = d.explanations[c.channel]
          return (
            <details
              key={c.channel}
              open={d.channels.length <= 4}
              data-testid={`explain-${c.channel}`}
              style={{ marginBottom: 8 }}
            >
              <summary>
                <strong>{c.channel}</strong>:{' '}
                {e ? (
                  <>
                    {formatCount(e.result)}{' '}
                    <span className="muted">
                      (rules {e.ruleVersions.join(', ') || '—'}
                      {e.holdbacks.length ? `, holdbacks ${e.holdbacks.join(', ')}` : ''}, decided{' '}
                      <Ago iso={e.decidedAt} />)
                    </span>
                  </>
                ) : (
                  'no decision yet'
                )}
              </summary>
              {e && (
                <ol className="steps">
                  {e.steps.map((s, i) => (
                    <li key={i}>
                      <span className="mono">{s.step}</span> → <strong>{formatCount(s.quantity)}</strong>{' '}
                      <span className="muted">{s.detail}</span>
                    </li>
                  ))}
                </ol>
              )}
            </details>
          )
        })}
      </div>

      <LedgerTimeline sku={d.sku} first={d.events} firstBefore={d.eventsBefore} />

      <div>
        <div className="panel">
          <h2>Latest publish attempts</h2>
          {d.attempts.length === 0 ? (
            <EmptyState title="Nothing published yet" />
          ) : (
            <DataTable testId="attempts" columns={ATTEMPT_COLUMNS} rows={d.attempts} rowKey={(a) => a.id} />
          )}
        </div>
      </div>
    </div>
  )
}

/** "+1.2 s": how long after `from` the `to` time was (negative for a source clock ahead of ours). */
function after(from: string, to: string): string {
  const s = (Date.parse(to) - Date.parse(from)) / 1000
  return s < 0 ? `−${formatSeconds(-s)}` : `+${formatSeconds(s)}`
}

/** The SKU's ledger, newest first, with provenance: occurred, received, applied, and the raw message. */
function LedgerTimeline({ sku, first, firstBefore }: { sku: string; first: SkuEvent[]; firstBefore: string | null }) {
  const [older, setOlder] = useState<{ items: SkuEvent[]; before: string | null } | null>(null)
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState<unknown>(null)
  // The first page refreshes live; pages already loaded stay, minus what the first page now shows.
  const shownIds = new Set(first.map((e) => e.id))
  const rows = [...first, ...(older?.items ?? []).filter((e) => !shownIds.has(e.id))]
  const before = older ? older.before : firstBefore
  const more = async () => {
    setLoading(true)
    setError(null)
    try {
      const page = await fetchJson<{ items: SkuEvent[]; before: string | null }>(
        `/api/ui/skus/${encodeURIComponent(sku)}/events?before=${before}&limit=50`,
      )
      setOlder((o) => ({ items: [...(o?.items ?? []), ...page.items], before: page.before }))
    } catch (e) {
      setError(e)
    } finally {
      setLoading(false)
    }
  }
  return (
    <div className="panel">
      <h2>Ledger</h2>
      <div className="muted" style={{ fontSize: 12, marginBottom: 6 }}>
        Every stock movement of this SKU in arrival order, newest first: when it happened at the source, when we
        received it, when it moved the position, and the message it came in.
      </div>
      {rows.length === 0 ? (
        <EmptyState title="No events recorded for this SKU" />
      ) : (
        <DataTable testId="events" scope columns={EVENT_COLUMNS} rows={rows} rowKey={(e) => e.id} />
      )}
      {error ? <ErrorBox error={error} /> : null}
      {before && (
        <div className="toolbar" style={{ marginTop: 8 }}>
          <button disabled={loading} onClick={() => void more()} data-testid="older-events">
            {loading ? 'Loading…' : 'Show older events'}
          </button>
        </div>
      )}
    </div>
  )
}

type Channel = SkuDetail['channels'][number]

function channelColumns(d: SkuDetail): Column<Channel>[] {
  const external = (c: Channel) => d.externalIds?.[c.channel]
  return [
    { header: 'Channel', cell: (c) => c.channel },
    {
      header: 'Listing',
      className: 'mono',
      td: (c) => ({
        style: { whiteSpace: 'nowrap' },
        'data-testid': `listing-${c.channel}`,
        'data-external-id': external(c) ?? undefined,
        title: external(c) ? `marketplace id ${external(c)}` : undefined,
      }),
      cell: (c) => c.externalSku,
    },
    ...countColumns<Channel>([
      ['Decided', (c) => c.desired, (c) => ({ 'data-testid': `desired-${c.channel}` })],
      ['Published', (c) => c.published, (c) => ({ 'data-testid': `published-${c.channel}` })],
      ['Channel shows', (c) => c.applied, (c) => ({ 'data-testid': `applied-${c.channel}` })],
    ]),
    {
      header: 'Sync state',
      className: 'muted',
      td: (c) => ({ 'data-testid': `sync-state-${c.channel}` }),
      cell: (c) =>
        c.lastError?.startsWith('held:') ? (
          <span className="chip warn">held for a person</span>
        ) : d.sync?.[c.channel] ? (
          <SyncState story={d.sync[c.channel]} />
        ) : c.published !== c.applied ? (
          'awaiting channel confirmation'
        ) : (
          'in sync'
        ),
    },
    { header: 'Last error', className: 'muted', cell: (c) => c.lastError ?? '' },
  ]
}

const INCIDENT_COLUMNS: Column<SkuDetail['incidents'][number]>[] = [
  {
    header: 'Ordered',
    cell: (x) => (
      <Link className="stretched" href={`/findings/oversells/${x.id}`}>
        <Time iso={x.occurredAt} />
      </Link>
    ),
  },
  { header: 'Channel', cell: (x) => x.channel },
  { header: 'Order', className: 'mono', cell: (x) => `${x.orderId}/${x.lineId}` },
  { header: 'Oversold', className: 'num', cell: (x) => formatCount(x.oversoldUnits) },
  { header: 'What happened', className: 'muted', cell: (x) => x.sentence },
]

type Position = SkuDetail['locations'][number]
const POSITION_COLUMNS: Column<Position>[] = [
  { header: 'Location', cell: (l) => l.location },
  ...countColumns<Position>([
    ['On hand', (l) => l.onHand, (l) => ({ 'data-testid': `on-hand-${l.location}` })],
    ['Reserved', (l) => l.reserved],
    ['Allocated', (l) => l.allocated],
    ['In transit', (l) => l.inTransit],
    ['Quarantined', (l) => l.quarantined],
    ['Damaged', (l) => l.damaged],
    ['Sellable', (l) => l.sellable],
  ]),
]

const outcomeTone = (o: string) => (o === 'applied' ? 'ok' : o === 'rejected' || o === 'failed' ? 'bad' : 'warn')

const ATTEMPT_COLUMNS: Column<SkuDetail['attempts'][number]>[] = [
  { header: 'Channel', cell: (a) => a.channel },
  { header: 'Version', className: 'num', cell: (a) => a.version },
  { header: 'Qty', className: 'num', cell: (a) => formatCount(a.quantity) },
  {
    header: 'Outcome',
    cell: (a) => (
      <>
        <span className={`chip ${outcomeTone(a.outcome)}`}>{a.outcome}</span>
        {a.error && <div className="muted">{a.error}</div>}
      </>
    ),
  },
  { header: 'Lag', className: 'num', cell: (a) => (a.lagMs === null ? '—' : formatSeconds(a.lagMs / 1000)) },
  { header: 'When', className: 'muted', cell: (a) => <Ago iso={a.startedAt} /> },
]

const EVENT_COLUMNS: Column<SkuEvent>[] = [
  { header: '#', className: 'mono', cell: (e) => e.id },
  {
    header: 'Type',
    cell: (e) => (
      <>
        {e.type}
        {e.outcome !== 'applied' && (
          <>
            {' '}
            <span
              className="chip warn"
              title="recorded, did not move on hand (an older count than the last applied one)"
            >
              {e.outcome}
            </span>
          </>
        )}
      </>
    ),
  },
  { header: 'Location', cell: (e) => `${e.location}${e.toLocation ? ` → ${e.toLocation}` : ''}` },
  {
    header: 'Qty',
    className: 'num',
    cell: (e) => (
      <>
        {formatCount(e.quantity)}
        {e.rawQuantity !== e.quantity ? (
          <span className="muted">
            {' '}
            ({formatCount(e.rawQuantity)} {e.uom})
          </span>
        ) : null}
      </>
    ),
  },
  {
    header: 'Source · reference',
    className: 'muted',
    cell: (e) => (
      <>
        <span title={`idempotency key ${e.idempotencyKey}`}>{e.source}</span>
        {e.reference ? ` · ${e.reference}` : ''}
      </>
    ),
  },
  { header: 'Occurred', className: 'muted', cell: (e) => <Ago iso={e.occurredAt} /> },
  {
    header: 'Received',
    title: 'after it occurred',
    className: 'muted',
    td: (e) => ({ title: formatTime(e.receivedAt) }),
    cell: (e) => after(e.occurredAt, e.receivedAt),
  },
  {
    header: 'Applied',
    title: 'after it was received',
    className: 'muted',
    td: (e) => ({ title: formatTime(e.appliedAt) }),
    cell: (e) => after(e.receivedAt, e.appliedAt),
  },
  {
    header: 'Raw',
    cell: (e) =>
      e.messageId ? (
        <a href={`/api/ui/raw-messages/${e.messageId}`} target="_blank" rel="noreferrer" data-testid={`raw-${e.id}`}>
          message
        </a>
      ) : (
        <span className="muted" title="generated inside Stocktower (demo seed, a correction or a replay)">
          —
        </span>
      ),
  },
]
