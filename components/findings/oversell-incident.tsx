'use client'
// One oversell incident as a story: what happened in one sentence, the order line, what each
// channel showed at order time and now, the publishes in flight, the stock moves before it, and
// the rule version behind the number the channel showed.
import Link from 'next/link'
import type { OversellIncidentDetail } from '@/server/reconciliation/get-oversell-incident'
import { EmptyState } from '@/components/ui/empty-state'
import { formatCount, formatMoney } from '@/components/ui/format'
import { Time } from '@/components/ui/time'

export function OversellIncidentView({ detail: d }: { detail: OversellIncidentDetail }) {
  const i = d.incident
  const details = i.details as { why?: string; alsoDetected?: Array<{ kind: string; sku: string; oversold: number }> }
  return (
    <div>
      <div className="page-head">
        <div>
          <div className="muted">
            <Link href="/findings?tab=oversells">Drift &amp; oversells</Link> / oversell
          </div>
          <h1>
            Order {i.orderId} line {i.lineId} on {i.channel}: {formatCount(i.oversoldUnits)} unit(s) oversold
          </h1>
          <div className="muted">
            {i.kind.replace('_', ' ')} · ordered <Time iso={i.occurredAt} /> · detected <Time iso={i.detectedAt} />
          </div>
        </div>
      </div>
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
        <div className="kpi">
          <div className="label">SKU</div>
          <div className="value">
            <Link href={`/skus/${encodeURIComponent(i.sku)}`} data-testid="incident-sku">
              {i.sku}
            </Link>
          </div>
        </div>
        <div className="kpi">
          <div className="label">Ordered</div>
          <div className="value">{formatCount(i.orderedUnits)}</div>
        </div>
        <div className="kpi">
          <div className="label">Oversold</div>
          <div className="value" style={{ color: 'var(--bad)' }}>
            {formatCount(i.oversoldUnits)}
          </div>
        </div>
        <div className="kpi">
          <div className="label">Revenue at risk</div>
          <div className="value">{formatMoney(i.revenueAtRiskCents)}</div>
        </div>
        <div className="kpi">
          <div className="label">Cause</div>
          <div className="value" style={{ fontSize: 16 }}>
            {i.cause ? i.cause.replace(/_/g, ' ') : 'unknown'}
          </div>
        </div>
      </div>

      <section className="panel" aria-labelledby="shown-h">
        <h2 id="shown-h">What each channel showed</h2>
        <table className="data" data-testid="incident-channels">
          <thead>
            <tr>
              <th>Channel</th>
              <th className="num">At order time</th>
              <th>Since</th>
              <th className="num">Decided now</th>
              <th className="num">Sent now</th>
              <th className="num">Shows now</th>
              <th>Applied</th>
            </tr>
          </thead>
          <tbody>
            {d.channels.map((c) => (
              <tr key={c.channel} className={c.channel === i.channel ? 'highlight' : undefined}>
                <td>
                  <Link href={`/channels/${encodeURIComponent(c.channel)}`}>{c.channel}</Link>
                  {c.channel === i.channel ? ' (this order)' : ''}
                </td>
                <td className="num">
                  {c.atOrder.quantity === null ? 'not known' : formatCount(c.atOrder.quantity)}
                  {c.atOrder.outcome === 'accepted' ? ' (accepted, not confirmed applied)' : ''}
                </td>
                <td>{c.atOrder.since ? <Time iso={c.atOrder.since} /> : '—'}</td>
                <td className="num">{formatCount(c.now.desired)}</td>
                <td className="num">{formatCount(c.now.published)}</td>
                <td className="num">{formatCount(c.now.applied)}</td>
                <td>{c.now.appliedAt ? <Time iso={c.now.appliedAt} /> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
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
            <table className="data" data-testid="incident-publishes">
              <thead>
                <tr>
                  <th>Sent</th>
                  <th>Channel</th>
                  <th className="num">Qty</th>
                  <th className="num">v</th>
                  <th>Outcome</th>
                  <th>Applied</th>
                </tr>
              </thead>
              <tbody>
                {d.publishes.map((p) => (
                  <tr key={p.id}>
                    <td>
                      <Time iso={p.startedAt} />
                      {p.inFlight ? (
                        <>
                          {' '}
                          <span className="chip warn">in flight at order</span>
                        </>
                      ) : null}
                    </td>
                    <td>{p.channel}</td>
                    <td className="num">{formatCount(p.quantity)}</td>
                    <td className="num">{p.version}</td>
                    <td>
                      {p.outcome}
                      {p.batchId ? <div className="muted mono">{p.batchId}</div> : null}
                    </td>
                    <td>{p.verifiedAt ? <Time iso={p.verifiedAt} /> : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section className="panel" aria-labelledby="ev-h">
          <h2 id="ev-h">Stock moves before it</h2>
          {d.events.length === 0 ? (
            <EmptyState title="No stock moves in the two hours before" />
          ) : (
            <table className="data" data-testid="incident-events">
              <thead>
                <tr>
                  <th>Received</th>
                  <th>Type</th>
                  <th>Location</th>
                  <th className="num">Qty</th>
                  <th>From</th>
                </tr>
              </thead>
              <tbody>
                {d.events.map((e) => (
                  <tr key={e.id}>
                    <td>
                      <Time iso={e.receivedAt} />
                    </td>
                    <td>{e.type}</td>
                    <td>{e.location}</td>
                    <td className="num">{formatCount(e.quantity)}</td>
                    <td className="muted">
                      {e.source}
                      {e.reference ? ` · ${e.reference}` : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
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
