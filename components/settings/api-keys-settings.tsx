'use client'
// API keys for machine clients and webhook signing secrets of sources. A key or secret is shown
// once, in the result of the action that created it, and never again.
import { useState, type FormEvent } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import type { ApiKeysScreen } from '@/server/auth/list-api-keys'
import { EmptyState, ErrorBox } from '@/components/ui/empty-state'
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
import { type ActionApi, FeedbackLine, useAction } from '@/components/ui/action'
import { ConfirmBar, Loading, OneTimeSecret } from './shared'

const KEY = ['settings', 'api-keys']
const SOURCE_KINDS = ['erp', 'wms', '3pl', 'channel'] as const

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
      <div className="page-head">
        <div>
          <h1>API keys and signing secrets</h1>
          <div className="muted">
            Keys authenticate machine clients (<code>Authorization: Bearer …</code>); sources that sign webhooks use a
            signing secret instead.
          </div>
        </div>
      </div>
      <FeedbackLine message={action.message} testId="api-keys-message" />
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
        {screen.error && <ErrorBox error={screen.error} />}
        {screen.isPending && <Loading what="API keys" />}
        {screen.data && keys.length === 0 && (
          <EmptyState title={screen.data.keys.length ? 'No active keys' : 'No API keys yet'}>
            Create one above for each system that calls the API.
          </EmptyState>
        )}
        {keys.length > 0 && (
          <table className="data" data-testid="api-key-list">
            <thead>
              <tr>
                <th>Name</th>
                <th>Prefix</th>
                <th>Scopes</th>
                <th>Bound source</th>
                <th>Rate limit</th>
                <th>Created</th>
                <th>Last used</th>
                <th>State</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id} className={k.revokedAt ? 'inactive' : undefined} data-testid={`api-key-${k.prefix}`}>
                  <td>{k.name}</td>
                  <td className="mono">{k.prefix}</td>
                  <td>
                    {k.scopes.map((s) => (
                      <span key={s} className="chip mono" style={{ marginRight: 4 }}>
                        {s}
                      </span>
                    ))}
                  </td>
                  <td className="mono">{k.boundSource ?? <span className="muted">any</span>}</td>
                  <td data-testid="api-key-rate-limit">
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
                  </td>
                  <td>
                    <Ago iso={k.createdAt} />
                    {k.createdBy ? <div className="muted">by {k.createdBy}</div> : null}
                  </td>
                  <td>
                    <Ago iso={k.lastUsedAt} fallback="never" />
                  </td>
                  <td>
                    {k.revokedAt ? (
                      <span className="chip bad" title={formatTime(k.revokedAt)}>
                        revoked
                      </span>
                    ) : (
                      <span className="chip ok">active</span>
                    )}
                  </td>
                  <td>
                    {!k.revokedAt && (
                      <button
                        disabled={action.pending}
                        onClick={() => setRevoking({ id: k.id, name: k.name, prefix: k.prefix })}
                        aria-label={`Revoke key ${k.name}`}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
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
        {screen.data && screen.data.sources.length === 0 && (
          <EmptyState title="No sources with a signing secret">
            Add one below for each system that sends signed webhooks.
          </EmptyState>
        )}
        {screen.data && screen.data.sources.length > 0 && (
          <table className="data" data-testid="source-list">
            <thead>
              <tr>
                <th>Source</th>
                <th>Kind</th>
                <th>Secret</th>
                <th>Last issued</th>
                <th>Previous secret valid until</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {screen.data.sources.map((s) => (
                <tr key={s.code} data-testid={`source-${s.code}`}>
                  <td>
                    <strong>{s.name}</strong>
                    <div className="mono muted">{s.code}</div>
                  </td>
                  <td>{s.kind}</td>
                  <td>
                    {s.secretSet ? <span className="chip ok">set</span> : <span className="chip bad">not set</span>}
                  </td>
                  <td>
                    <Ago iso={s.lastRotatedAt} fallback="unknown" />
                  </td>
                  <td>
                    {s.previousValidUntil ? <Time iso={s.previousValidUntil} /> : <span className="muted">none</span>}
                  </td>
                  <td>
                    <button
                      disabled={action.pending}
                      onClick={() => setRotating({ code: s.code, overlapHours: 24 })}
                      aria-label={`Rotate the signing secret of ${s.code}`}
                    >
                      Rotate secret
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
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
        <label>
          Name
          <input
            type="text"
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            maxLength={100}
            placeholder="e.g. WMS east"
          />
        </label>
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
        <label>
          Rate limit per minute (optional)
          <input
            type="number"
            min={1}
            max={1000000}
            step={1}
            value={rateLimit}
            onChange={(e) => setRateLimit(e.target.value)}
            placeholder="no limit"
            data-testid="api-key-rate-limit-input"
          />
        </label>
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
        <label>
          Source code
          <input
            type="text"
            value={form.code}
            onChange={(e) => setForm({ ...form, code: e.target.value })}
            required
            maxLength={100}
            placeholder="e.g. erp-main"
          />
        </label>
        <label>
          Name
          <input
            type="text"
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
            required
            maxLength={200}
          />
        </label>
        <label>
          Kind
          <select value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value as typeof form.kind })}>
            {SOURCE_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <div>
          <button type="submit" disabled={action.pending || !form.code.trim() || !form.name.trim()}>
            {action.pending ? 'Working…' : 'Add source and issue secret'}
          </button>
        </div>
      </div>
    </form>
  )
}
