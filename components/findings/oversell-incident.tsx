'use client'
// One oversell incident as a story: what happened in one sentence, the order line, what each
// channel showed at order time and now, the publishes in flight, the stock moves before it, and
// the rule version behind the number the channel showed.
import Link from 'next/link'
import type { OversellIncidentDetail } from '@/server/reconciliation/get-oversell-incident'
import { EmptyState } from '@/components/ui/empty-state'
import { formatCount, formatMoney } from '@/components/ui/format'
import { Time } from '@/components/ui/time'
import { countColumns, DataTable, type Column } from '@/components/ui/data-table'
import { KpiTile } from '@/components/ui/kpi-tile'
import { PageHead } from '@/components/ui/page-head'

export function OversellIncidentView({ detail: d }: { detail: OversellIncidentDetail }) {
  const i = d.incident
  const details = i.details as { why?: string; alsoDetected?: Array<{ kind: string; sku: string; oversold: number }> }
  return (
    <div>
      <PageHead
        crumb={
          <>
            <Link href="/findings?tab=oversells">Drift &amp; oversells</Link> / oversell
          </>
        }
        title={`Order ${i.orderId} line ${i.lineId} on ${i.channel}: ${formatCount(i.oversoldUnits)} unit(s) oversold`}
      >
        {
          <>
            {i.kind.replace('_', ' ')} · ordered <Time iso={i.occurredAt} /> · detected <Time iso={i.detectedAt} />
          </>
        }
      </PageHead>
      <section className="panel tone-bad" aria-label="What happened">
        <p style={{ margin: 0, fontSize: 15 }} data-testid="incident-sentence">
          {i.sentence}
        </p>
        {details.alsoDetected?.length ? (
          <p className="muted" style={{ marginBottom: 0 }}>
            The same line also showed as{' '}
            {details.alsoDetected.map((a) => `${a.kind.replace('_', ' ')} of ${a.oversold} (${a.sku})`).join(', ')};
            counted once.
          </p>
        ) : null}
      </section>
      <div className="grid kpis" style={{ marginBottom: 16 }}>
        <KpiTile
          label="SKU"
          value={
            <Link href={`/skus/${encodeURIComponent(i.sku)}`} data-testid="incident-sku">
              {i.sku}
            </Link>
          }
        />
        <KpiTile label="Ordered" value={formatCount(i.orderedUnits)} />
        <KpiTile label="Oversold" value={formatCount(i.oversoldUnits)} tone="bad" />
        <KpiTile label="Revenue at risk" value={formatMoney(i.revenueAtRiskCents)} />
        <KpiTile label="Cause" value={i.cause ? i.cause.replace(/_/g, ' ') : 'unknown'} valueStyle={{ fontSize: 16 }} />
      </div>

      <section className="panel" aria-labelledby="shown-h">
        <h2 id="shown-h">What each channel showed</h2>
        <DataTable
          testId="incident-channels"
          columns={channelColumns(i.channel)}
          rows={d.channels}
          rowKey={(c) => c.channel}
          row={(c) => ({ className: c.channel === i.channel ? 'highlight' : undefined })}
        />
      </section>

      <section className="panel" aria-labelledby="rule-h">
        <h2 id="rule-h">The rule behind {i.channel}&apos;s number</h2>
        {d.decision ? (
          <div data-testid="incident-decision">
            We decided <strong>{formatCount(d.decision.quantity)}</strong> at <Time iso={d.decision.decidedAt} /> under{' '}
            {d.decision.ruleVersions.length
              ? d.decision.ruleVersions.map((v) => (
                  <span key={v.id} className="chip chip-wrap">
                    rules v{v.number}
                    {v.comment ? ` “${v.comment}”` : ''}, effective <Time iso={v.effectiveFrom} seconds={false} />
                  </span>
                ))
              : 'no recorded rule version'}
            {d.decision.holdbacks.length ? <> with holdback(s) {d.decision.holdbacks.join(', ')}</> : null}.{' '}
            <Link href={`/skus/${encodeURIComponent(i.sku)}`}>See every step on the SKU page</Link>.
          </div>
        ) : (
          <EmptyState title="No decision before the order">
            The channel showed a number we never decided (e.g. set on the channel directly).
          </EmptyState>
        )}
      </section>

      <div className="split">
        <section className="panel" aria-labelledby="pub-h">
          <h2 id="pub-h">Publishes around the order</h2>
          {d.publishes.length === 0 ? (
            <EmptyState title="No publish in the hour before">
              Nothing was sent for this SKU from an hour before to ten minutes after the order.
            </EmptyState>
          ) : (
            <DataTable testId="incident-publishes" columns={PUBLISH_COLUMNS} rows={d.publishes} rowKey={(p) => p.id} />
          )}
        </section>
        <section className="panel" aria-labelledby="ev-h">
          <h2 id="ev-h">Stock moves before it</h2>
          {d.events.length === 0 ? (
            <EmptyState title="No stock moves in the two hours before" />
          ) : (
            <DataTable testId="incident-events" columns={EVENT_COLUMNS} rows={d.events} rowKey={(e) => e.id} />
          )}
        </section>
      </div>
      {d.sameOrder.length > 0 && (
        <section className="panel" aria-labelledby="same-h">
          <h2 id="same-h">Other lines of this order</h2>
          <ul>
            {d.sameOrder.map((o) => (
              <li key={o.id}>
                <Link href={`/findings/oversells/${o.id}`}>line {o.lineId}</Link>: {o.sku}, {o.kind.replace('_', ' ')},{' '}
                {formatCount(o.oversoldUnits)} oversold
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  )
}

type Row<K extends 'channels' | 'publishes' | 'events'> = OversellIncidentDetail[K][number]
const timeOrDash = (iso: string | null) => (iso ? <Time iso={iso} /> : '—')

function channelColumns(orderChannel: string): Column<Row<'channels'>>[] {
  return [
    {
      header: 'Channel',
      cell: (c) => (
        <>
          <Link href={`/channels/${encodeURIComponent(c.channel)}`}>{c.channel}</Link>
          {c.channel === orderChannel ? ' (this order)' : ''}
        </>
      ),
    },
    {
      header: 'At order time',
      className: 'num',
      cell: (c) => (
        <>
          {c.atOrder.quantity === null ? 'not known' : formatCount(c.atOrder.quantity)}
          {c.atOrder.outcome === 'accepted' ? ' (accepted, not confirmed applied)' : ''}
        </>
      ),
    },
    { header: 'Since', cell: (c) => timeOrDash(c.atOrder.since) },
    ...countColumns<Row<'channels'>>([
      ['Decided now', (c) => c.now.desired],
      ['Sent now', (c) => c.now.published],
      ['Shows now', (c) => c.now.applied],
    ]),
    { header: 'Applied', cell: (c) => timeOrDash(c.now.appliedAt) },
  ]
}

const PUBLISH_COLUMNS: Column<Row<'publishes'>>[] = [
  {
    header: 'Sent',
    cell: (p) => (
      <>
        <Time iso={p.startedAt} />
        {p.inFlight ? (
          <>
            {' '}
            <span className="chip warn">in flight at order</span>
          </>
        ) : null}
      </>
    ),
  },
  { header: 'Channel', cell: (p) => p.channel },
  { header: 'Qty', className: 'num', cell: (p) => formatCount(p.quantity) },
  { header: 'v', className: 'num', cell: (p) => p.version },
  {
    header: 'Outcome',
    cell: (p) => (
      <>
        {p.outcome}
        {p.batchId ? <div className="muted mono">{p.batchId}</div> : null}
      </>
    ),
  },
  { header: 'Applied', cell: (p) => timeOrDash(p.verifiedAt) },
]

const EVENT_COLUMNS: Column<Row<'events'>>[] = [
  { header: 'Received', cell: (e) => <Time iso={e.receivedAt} /> },
  { header: 'Type', cell: (e) => e.type },
  { header: 'Location', cell: (e) => e.location },
  { header: 'Qty', className: 'num', cell: (e) => formatCount(e.quantity) },
  { header: 'From', className: 'muted', cell: (e) => `${e.source}${e.reference ? ` · ${e.reference}` : ''}` },
]
