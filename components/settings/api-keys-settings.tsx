'use client'
// API keys for machine clients and webhook signing secrets of sources. A key or secret is shown
// once, in the result of the action that created it, and never again.
import { useState, type FormEvent } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import type { ApiKeysScreen } from '@/server/auth/list-api-keys'
import { DataTable, type Column } from '@/components/ui/data-table'
import { PageHead } from '@/components/ui/page-head'
import { fetchJson } from '@/components/ui/fetch-json'
import { Ago } from '@/components/ui/ago'
import { formatTime } from '@/components/ui/format'
import { Time } from '@/components/ui/time'
import {
  createApiKeyAction,
  createSourceAction,
  revokeApiKeyAction,
  rotateSigningSecretAction,
} from '@/app/(app)/settings/actions'
import { type ActionApi, useAction } from '@/components/ui/action'
import { ConfirmBar, Field, ListTable, NameAndCode, OneTimeSecret, SelectField, bindField, rowsByCode } from './shared'

const KEY = ['settings', 'api-keys']
const SOURCE_KINDS = ['erp', 'wms', '3pl', 'channel'] as const

type Key = ApiKeysScreen['keys'][number]
const KEY_COLUMNS: Column<Key>[] = [
  { header: 'Name', cell: (k) => k.name },
  { header: 'Prefix', className: 'mono', cell: (k) => k.prefix },
  {
    header: 'Scopes',
    cell: (k) =>
      k.scopes.map((s) => (
        <span key={s} className="chip mono" style={{ marginRight: 4 }}>
          {s}
        </span>
      )),
  },
  { header: 'Bound source', className: 'mono', cell: (k) => k.boundSource ?? <span className="muted">any</span> },
  { header: 'Rate limit', cell: (k) => <RateLimit apiKey={k} /> },
  {
    header: 'Created',
    cell: (k) => (
      <>
        <Ago iso={k.createdAt} />
        {k.createdBy ? <div className="muted">by {k.createdBy}</div> : null}
      </>
    ),
  },
  { header: 'Last used', cell: (k) => <Ago iso={k.lastUsedAt} fallback="never" /> },
  {
    header: 'State',
    cell: (k) =>
      k.revokedAt ? (
        <span className="chip bad" title={formatTime(k.revokedAt)}>
          revoked
        </span>
      ) : (
        <span className="chip ok">active</span>
      ),
  },
]

function RateLimit({ apiKey: k }: { apiKey: Key }) {
  return (
    <div data-testid="api-key-rate-limit">
      {k.rateLimitPerMinute ? (
        <>
          {k.rateLimitPerMinute}/min
          <div className="muted">
            {k.usedThisMinute} this minute
            {k.refusedLastHour ? `, ${k.refusedLastHour} refused (429) in the last hour` : ''}
          </div>
        </>
      ) : (
        <span className="muted">none</span>
      )}
    </div>
  )
}

const SOURCE_COLUMNS: Column<ApiKeysScreen['sources'][number]>[] = [
  { header: 'Source', cell: (s) => <NameAndCode name={s.name} code={s.code} /> },
  { header: 'Kind', cell: (s) => s.kind },
  {
    header: 'Secret',
    cell: (s) => (s.secretSet ? <span className="chip ok">set</span> : <span className="chip bad">not set</span>),
  },
  { header: 'Last issued', cell: (s) => <Ago iso={s.lastRotatedAt} fallback="unknown" /> },
  {
    header: 'Previous secret valid until',
    cell: (s) => (s.previousValidUntil ? <Time iso={s.previousValidUntil} /> : <span className="muted">none</span>),
  },
]

export function ApiKeySettings() {
  const qc = useQueryClient()
  const screen = useQuery({ queryKey: KEY, queryFn: () => fetchJson<ApiKeysScreen>('/api/ui/settings/api-keys') })
  const action = useAction()
  const refresh = () => void qc.invalidateQueries({ queryKey: KEY })
  const [secret, setSecret] = useState<{ title: string; value: string; note?: string } | null>(null)
  const [revoking, setRevoking] = useState<{ id: string; name: string; prefix: string } | null>(null)
  const [rotating, setRotating] = useState<{ code: string; overlapHours: number } | null>(null)
  const [showAll, setShowAll] = useState(false)
  const keys = (screen.data?.keys ?? []).filter((k) => showAll || !k.revokedAt)

  return (
    <div>
      <PageHead title="API keys and signing secrets" message={action.message} messageTestId="api-keys-message">
        Keys authenticate machine clients (<code>Authorization: Bearer …</code>); sources that sign webhooks use a
        signing secret instead.
      </PageHead>
      {secret && (
        <OneTimeSecret title={secret.title} secret={secret.value} onDone={() => setSecret(null)}>
          {secret.note && <p className="muted">{secret.note}</p>}
        </OneTimeSecret>
      )}

      <div className="panel">
        <h2>Create an API key</h2>
        {screen.data && (
          <CreateKeyForm
            screen={screen.data}
            action={action}
            onCreated={(d) => {
              setSecret({ title: `New API key "${d.name}" (${d.prefix})`, value: d.key })
              refresh()
            }}
          />
        )}
      </div>

      <div className="panel">
        <div className="toolbar">
          <h2 style={{ margin: 0 }}>API keys</h2>
          <label className="checks" style={{ marginLeft: 'auto' }}>
            <input type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.target.checked)} /> show revoked keys
          </label>
        </div>
        {revoking && (
          <ConfirmBar
            title={`Revoke the key "${revoking.name}" (${revoking.prefix})?`}
            confirmLabel="Revoke"
            pending={action.pending}
            onConfirm={() => {
              const k = revoking
              action.run(
                () => revokeApiKeyAction({ id: k.id }),
                () => `Key "${k.name}" revoked: requests with it are refused from now on.`,
                () => {
                  setRevoking(null)
                  refresh()
                },
              )
            }}
            onCancel={() => setRevoking(null)}
          >
            Every client using it gets 401 from now on. This cannot be undone: a revoked key never works again.
          </ConfirmBar>
        )}
        <ListTable
          query={screen}
          what="API keys"
          rows={screen.data ? keys : undefined}
          emptyTitle={screen.data?.keys.length ? 'No active keys' : 'No API keys yet'}
          empty="Create one above for each system that calls the API."
          testId="api-key-list"
          columns={KEY_COLUMNS}
          rowKey={(k) => k.id}
          row={(k) => ({ 'data-testid': `api-key-${k.prefix}`, className: k.revokedAt ? 'inactive' : undefined })}
          actions={(k) =>
            !k.revokedAt && (
              <button
                disabled={action.pending}
                onClick={() => setRevoking({ id: k.id, name: k.name, prefix: k.prefix })}
                aria-label={`Revoke key ${k.name}`}
              >
                Revoke
              </button>
            )
          }
        />
      </div>

      <div className="panel">
        <h2>Sources and webhook signing secrets</h2>
        <p className="muted" style={{ marginTop: 0 }}>
          Senders sign <code>&lt;timestamp&gt;.&lt;body&gt;</code> with HMAC-SHA256 (<code>X-Stocktower-Signature</code>
          ). Rotating issues a new secret; the old one keeps working for the overlap you choose, so the sender can
          switch without refused webhooks.
        </p>
        {rotating && (
          <ConfirmBar
            title={`Rotate the signing secret of ${rotating.code}?`}
            confirmLabel="Rotate"
            pending={action.pending}
            onConfirm={() => {
              const r = rotating
              action.run(
                () => rotateSigningSecretAction(r),
                (d) =>
                  d.previousValidUntil
                    ? `New secret issued; the previous one works until ${formatTime(d.previousValidUntil)}.`
                    : 'New secret issued; the previous one no longer works.',
                (d) => {
                  setRotating(null)
                  setSecret({
                    title: `New signing secret of ${d.code}`,
                    value: d.secret,
                    note: d.previousValidUntil
                      ? `The previous secret is accepted until ${formatTime(d.previousValidUntil)}.`
                      : 'The previous secret is no longer accepted.',
                  })
                  refresh()
                },
              )
            }}
            onCancel={() => setRotating(null)}
          >
            <label className="field" style={{ maxWidth: 320, marginTop: 6 }}>
              Keep the current secret working for
              <select
                value={rotating.overlapHours}
                onChange={(e) => setRotating({ ...rotating, overlapHours: Number(e.target.value) })}
              >
                <option value={0}>0 hours: stop it now (it leaked)</option>
                <option value={1}>1 hour</option>
                <option value={24}>24 hours</option>
                <option value={72}>3 days</option>
                <option value={168}>7 days</option>
              </select>
            </label>
          </ConfirmBar>
        )}
        <ListTable
          query={{ error: null, isPending: false }}
          what="sources"
          rows={screen.data?.sources}
          emptyTitle="No sources with a signing secret"
          empty="Add one below for each system that sends signed webhooks."
          testId="source-list"
          columns={SOURCE_COLUMNS}
          {...rowsByCode('source')}
          actions={(s) => (
            <button
              disabled={action.pending}
              onClick={() => setRotating({ code: s.code, overlapHours: 24 })}
              aria-label={`Rotate the signing secret of ${s.code}`}
            >
              Rotate secret
            </button>
          )}
        />
        <CreateSourceForm
          action={action}
          onCreated={(d) => {
            setSecret({ title: `Signing secret of ${d.code}`, value: d.secret })
            refresh()
          }}
        />
      </div>
    </div>
  )
}

function CreateKeyForm({
  screen,
  action,
  onCreated,
}: {
  screen: ApiKeysScreen
  action: ActionApi
  onCreated: (d: { name: string; prefix: string; key: string }) => void
}) {
  const [name, setName] = useState('')
  const [scopes, setScopes] = useState<string[]>([])
  const [boundSource, setBoundSource] = useState('')
  const [rateLimit, setRateLimit] = useState('')
  const channelScopes = screen.channels.map((c) => `ingest:channel:${c}`)
  const toggle = (s: string) => setScopes(scopes.includes(s) ? scopes.filter((x) => x !== s) : [...scopes, s])

  function onSubmit(e: FormEvent) {
    e.preventDefault()
    action.run(
      () =>
        createApiKeyAction({
          name,
          scopes,
          ...(boundSource.trim() ? { boundSource: boundSource.trim() } : {}),
          ...(rateLimit.trim() ? { rateLimitPerMinute: Number(rateLimit) } : {}),
        }),
      () => null,
      (d) => {
        setName('')
        setScopes([])
        setBoundSource('')
        setRateLimit('')
        onCreated(d)
      },
    )
  }
  return (
    <form onSubmit={onSubmit} data-testid="create-api-key">
      <div className="form-grid">
        <Field caption="Name" value={name} onValue={setName} required maxLength={100} placeholder="e.g. WMS east" />
        <label>
          Bound source (optional)
          <input
            type="text"
            list="known-sources"
            value={boundSource}
            onChange={(e) => setBoundSource(e.target.value)}
            placeholder="any source"
            maxLength={100}
          />
          <datalist id="known-sources">
            {screen.sources.map((s) => (
              <option key={s.code} value={s.code} />
            ))}
          </datalist>
        </label>
        <Field
          caption="Rate limit per minute (optional)"
          type="number"
          min={1}
          max={1000000}
          step={1}
          value={rateLimit}
          onValue={setRateLimit}
          placeholder="no limit"
          data-testid="api-key-rate-limit-input"
        />
      </div>
      <fieldset style={{ marginTop: 10 }}>
        <legend>Scopes</legend>
        <div className="checks">
          {screen.scopes.map((s) => (
            <label key={s}>
              <input type="checkbox" checked={scopes.includes(s)} onChange={() => toggle(s)} />{' '}
              <span className="mono">{s}</span>
            </label>
          ))}
        </div>
        {channelScopes.length > 0 && (
          <div className="checks" style={{ marginTop: 6 }}>
            {channelScopes.map((s) => (
              <label key={s}>
                <input
                  type="checkbox"
                  checked={scopes.includes(s)}
                  onChange={() => toggle(s)}
                  disabled={scopes.includes('ingest:channel:*')}
                />{' '}
                <span className="mono">{s}</span>
              </label>
            ))}
          </div>
        )}
      </fieldset>
      <div className="toolbar" style={{ marginTop: 10, marginBottom: 0 }}>
        <button type="submit" className="primary" disabled={action.pending || !name.trim() || scopes.length === 0}>
          {action.pending ? 'Creating…' : 'Create key'}
        </button>
        <span className="muted">The key is shown once, right after it is created.</span>
      </div>
    </form>
  )
}

function CreateSourceForm({
  action,
  onCreated,
}: {
  action: ActionApi
  onCreated: (d: { code: string; secret: string }) => void
}) {
  const [form, setForm] = useState({ code: '', name: '', kind: 'erp' as (typeof SOURCE_KINDS)[number] })
  const field = bindField(form, setForm)
  return (
    <form
      style={{ marginTop: 12 }}
      data-testid="create-source"
      onSubmit={(e) => {
        e.preventDefault()
        action.run(
          () => createSourceAction(form),
          () => null,
          (d) => {
            setForm({ code: '', name: '', kind: 'erp' })
            onCreated(d)
          },
        )
      }}
    >
      <h2 style={{ fontSize: 14 }}>Add a signing source</h2>
      <div className="form-grid">
        <Field caption="Source code" {...field('code')} required maxLength={100} placeholder="e.g. erp-main" />
        <Field caption="Name" {...field('name')} required maxLength={200} />
        <SelectField caption="Kind" {...field('kind')} options={SOURCE_KINDS} />
        <div>
          <button type="submit" disabled={action.pending || !form.code.trim() || !form.name.trim()}>
            {action.pending ? 'Working…' : 'Add source and issue secret'}
          </button>
        </div>
      </div>
    </form>
  )
}
