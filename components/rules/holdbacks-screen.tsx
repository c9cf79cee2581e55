'use client'
// Holdbacks: suppress a SKU or category on a channel, or hold back units or a percentage, with a
// reason, an owner and an optional expiry; each active one shows what it withholds now (listings
// and units per channel, from the stored decisions). Removing one needs a reason. State filter in
// the URL.
import { useState } from 'react'
import { useRouter, useSearchParams } from 'next/navigation'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import type { HoldbackView } from '@/server/rules/holdback.schema'
import type { HoldbackEffect } from '@/server/rules/list-holdbacks'
import { EmptyState, ErrorBox } from '@/components/ui/empty-state'
import { fetchJson } from '@/components/ui/fetch-json'
import { TextInput } from '@/components/ui/fields'
import { FormInputs, type InputField } from '@/components/ui/form-inputs'
import { DataTable, type Column } from '@/components/ui/data-table'
import { SelectFilter } from '@/components/ui/filters'
import { PageHead } from '@/components/ui/page-head'
import { useAction } from '@/components/ui/action'
import { Ago } from '@/components/ui/ago'
import { formatCount, formatTime } from '@/components/ui/format'
import { Time } from '@/components/ui/time'
import { useRealtime } from '@/components/realtime/use-realtime'
import { createHoldbackAction, removeHoldbackAction } from '@/app/(app)/rules/actions'

type Item = HoldbackView & { effect: HoldbackEffect | null }
const STATES = ['active', 'expired', 'removed', 'all'] as const

const DETAIL_FIELDS: InputField<'reason' | 'owner' | 'expiresAt'>[] = [
  { name: 'reason', label: 'Holdback reason', placeholder: 'reason (required)', size: 32 },
  { name: 'owner', label: 'Owner', placeholder: 'owner (default: you)', size: 18 },
  { name: 'expiresAt', caption: 'Expires', type: 'datetime-local', label: 'Expires' },
]

const HOLDBACK_COLUMNS: Column<Item>[] = [
  {
    header: 'Applies to',
    cell: (h) =>
      h.sku ? (
        <a className="mono" href={`/skus/${encodeURIComponent(h.sku)}`}>
          {h.sku}
        </a>
      ) : (
        <>
          category <strong>{h.category}</strong>
        </>
      ),
  },
  { header: 'Channel', cell: (h) => h.channel ?? 'every channel' },
  {
    header: 'What',
    cell: (h) =>
      h.mode === 'suppress' ? 'suppress' : h.mode === 'units' ? `${formatCount(h.value)} units` : `${h.value}%`,
  },
  {
    header: 'Reason',
    cell: (h) => (
      <div style={{ maxWidth: 280 }}>
        {h.reason}
        {h.removeReason ? (
          <div className="muted">
            removed by {h.removedBy}: {h.removeReason}
          </div>
        ) : null}
      </div>
    ),
  },
  { header: 'Owner', cell: (h) => h.owner },
  {
    header: 'Created',
    cell: (h) => (
      <>
        <Ago iso={h.createdAt} /> <span className="muted">by {h.createdBy}</span>
      </>
    ),
  },
  { header: 'Expires', cell: (h) => (h.expiresAt ? <Time iso={h.expiresAt} seconds={false} /> : 'never') },
  { header: 'Effect now', cell: (h) => <HoldbackEffectNow holdback={h} /> },
  { header: 'State', cell: (h) => <span className={`chip ${h.state === 'active' ? 'warn' : ''}`}>{h.state}</span> },
]

/** What an active holdback withholds now, in total and per channel. */
function HoldbackEffectNow({ holdback: h }: { holdback: Item }) {
  return (
    <span data-testid="holdback-effect">
      {h.state !== 'active' ? (
        '—'
      ) : !h.effect || h.effect.listings === 0 ? (
        <span className="muted">nothing withheld yet</span>
      ) : (
        <span
          title={Object.entries(h.effect.byChannel)
            .map(([c, e]) => `${c}: ${e.listings} listings, ${e.unitsWithheld} units`)
            .join('\n')}
        >
          {formatCount(h.effect.unitsWithheld)} units off {formatCount(h.effect.listings)} listing(s)
          <div className="muted" style={{ fontSize: 12 }}>
            {Object.entries(h.effect.byChannel)
              .map(([c, e]) => `${c} −${e.unitsWithheld}`)
              .join(' · ')}
          </div>
        </span>
      )}
    </span>
  )
}

export function HoldbacksScreen({
  canEdit,
  channels,
  categories,
}: {
  canEdit: boolean
  channels: string[]
  categories: string[]
}) {
  const router = useRouter()
  const params = useSearchParams()
  const qc = useQueryClient()
  const state = (STATES as readonly string[]).includes(params.get('state') ?? '') ? params.get('state')! : 'active'
  const list = useQuery({
    queryKey: ['holdbacks', state],
    queryFn: () => fetchJson<{ items: Item[] }>(`/api/ui/holdbacks?state=${state}`),
  })
  // Effects come from decisions: refetch when listings change.
  useRealtime({ rooms: ['dashboard'], invalidate: { 'listings.changed': [['holdbacks']] }, coalesceMs: 5_000 })
  const { pending, message, run } = useAction()
  const [removing, setRemoving] = useState<string | null>(null)
  const [reason, setReason] = useState('')
  const [form, setForm] = useState({
    target: 'sku',
    value: '',
    channel: '',
    mode: 'suppress',
    amount: '',
    reason: '',
    owner: '',
    expiresAt: '',
  })
  const setF = (k: keyof typeof form, v: string) => setForm((f) => ({ ...f, [k]: v }))

  const refetch = () => qc.invalidateQueries({ queryKey: ['holdbacks'] })
  const create = () =>
    run(
      () =>
        createHoldbackAction({
          [form.target]: form.value.trim(),
          ...(form.channel ? { channel: form.channel } : {}),
          mode: form.mode,
          ...(form.mode !== 'suppress' ? { value: Number(form.amount) } : {}),
          reason: form.reason,
          ...(form.owner.trim() ? { owner: form.owner.trim() } : {}),
          ...(form.expiresAt ? { expiresAt: new Date(form.expiresAt).toISOString() } : {}),
        }),
      (d) =>
        `Holdback created on ${d.sku ?? `category ${d.category}`}${d.channel ? ` for ${d.channel}` : ' for every channel'}; its SKUs recompute now.`,
      async () => {
        setForm((f) => ({ ...f, value: '', amount: '', reason: '', expiresAt: '' }))
        await refetch()
      },
    )
  const remove = (id: string) =>
    run(
      () => removeHoldbackAction({ id, reason }),
      () => 'Holdback removed; its SKUs recompute now.',
      async () => {
        setRemoving(null)
        setReason('')
        await refetch()
      },
    )

  return (
    <div>
      <PageHead title="Holdbacks" message={message} messageTestId="holdback-message">
        Keep stock off a channel for a reason: a launch, a recall, a dispute. Expired holdbacks stop applying on their
        own.
      </PageHead>

      {canEdit && (
        <div className="panel" data-testid="holdback-form">
          <h2>New holdback</h2>
          <div className="toolbar">
            <select aria-label="Holdback target" value={form.target} onChange={(e) => setF('target', e.target.value)}>
              <option value="sku">SKU</option>
              <option value="category">Category</option>
            </select>
            {form.target === 'sku' ? (
              <TextInput
                label="Holdback SKU"
                placeholder="SKU code"
                value={form.value}
                onValue={(v) => setF('value', v)}
                size={14}
              />
            ) : (
              <select aria-label="Holdback category" value={form.value} onChange={(e) => setF('value', e.target.value)}>
                <option value="">choose…</option>
                {categories.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            )}
            <SelectFilter
              label="Holdback channel"
              caption="on"
              value={form.channel}
              any="every channel"
              options={channels}
              onChange={(v) => setF('channel', v)}
            />
            <select aria-label="Holdback mode" value={form.mode} onChange={(e) => setF('mode', e.target.value)}>
              <option value="suppress">suppress (publish 0)</option>
              <option value="units">hold back units</option>
              <option value="percent">hold back a percentage</option>
            </select>
            {form.mode !== 'suppress' && (
              <TextInput
                type="number"
                min={1}
                max={form.mode === 'percent' ? 100 : undefined}
                label={form.mode === 'percent' ? 'Percent' : 'Units'}
                value={form.amount}
                onValue={(v) => setF('amount', v)}
                style={{ width: 70 }}
              />
            )}
          </div>
          <div className="toolbar" style={{ marginBottom: 0 }}>
            <FormInputs fields={DETAIL_FIELDS} form={form} set={setF} />
            <button
              className="primary"
              data-testid="create-holdback"
              disabled={pending || !form.value.trim() || form.reason.trim().length < 3}
              onClick={create}
            >
              Create holdback
            </button>
          </div>
        </div>
      )}

      <div className="panel">
        <div className="toolbar" role="search">
          <SelectFilter
            label="State"
            value={state}
            any={null}
            options={STATES}
            onChange={(v) => router.replace(`/holdbacks?state=${v}`)}
          />
        </div>
        {removing && (
          <div className="toolbar" data-testid="remove-form">
            <TextInput label="Why remove" placeholder="why remove it" value={reason} onValue={setReason} size={40} />
            <button
              className="primary"
              disabled={pending || reason.trim().length < 3}
              data-testid="confirm-remove"
              onClick={() => remove(removing)}
            >
              Remove holdback
            </button>
            <button onClick={() => setRemoving(null)}>Cancel</button>
          </div>
        )}
        {list.error && <ErrorBox error={list.error} />}
        {list.data && list.data.items.length === 0 ? (
          <EmptyState title={`No ${state === 'all' ? '' : `${state} `}holdbacks`}>
            {canEdit ? 'Create one above to keep stock off a channel.' : 'Merchandisers create holdbacks here.'}
          </EmptyState>
        ) : (
          <DataTable
            testId="holdback-list"
            columns={[
              ...HOLDBACK_COLUMNS,
              ...(canEdit
                ? [
                    {
                      header: '',
                      cell: (h: Item) =>
                        h.state === 'active' && (
                          <button
                            disabled={pending}
                            onClick={() => {
                              setRemoving(h.id)
                              setReason('')
                            }}
                          >
                            Remove…
                          </button>
                        ),
                    },
                  ]
                : []),
            ]}
            rows={list.data?.items ?? []}
            rowKey={(h) => h.id}
            row={(h) => ({ 'data-testid': `holdback-${h.sku ?? h.category}` })}
          />
        )}
      </div>
    </div>
  )
}
