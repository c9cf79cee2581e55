'use client'
// Channel configuration: mode, status, rate budget, base URL and non-secret settings; credentials
// are write-only (the screen never receives them, only "set, last changed ...").
import { useState, type FormEvent } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import type { ChannelSettingsView } from '@/server/channels/list-channel-settings'
import { DataTable, type Column } from '@/components/ui/data-table'
import { PageHead } from '@/components/ui/page-head'
import { fetchJson } from '@/components/ui/fetch-json'
import { Ago } from '@/components/ui/ago'
import { formatCount } from '@/components/ui/format'
import { setChannelCredentialsAction, updateChannelAction } from '@/app/(app)/settings/actions'
import { type ActionApi, useAction } from '@/components/ui/action'
import {
  ConfirmBar,
  Field,
  ListTable,
  NameAndCode,
  Problem,
  SaveCancel,
  SelectField,
  bindField,
  rowsByCode,
} from './shared'

const KEY = ['settings', 'channels']

const CHANNEL_COLUMNS: Column<ChannelSettingsView>[] = [
  { header: 'Channel', cell: (c) => <NameAndCode name={c.name} code={c.code} /> },
  { header: 'Connector', className: 'mono', cell: (c) => c.kind },
  { header: 'Mode', cell: (c) => <span className={`chip ${c.mode === 'live' ? 'ok' : 'warn'}`}>{c.mode}</span> },
  {
    header: 'Status',
    cell: (c) => <span className={`chip ${c.status === 'active' ? 'ok' : 'bad'}`}>{c.status}</span>,
  },
  {
    header: 'Base URL',
    className: 'mono',
    cell: (c) => (
      <div style={{ maxWidth: 260, wordBreak: 'break-all' }}>{c.baseUrl || <span className="muted">not set</span>}</div>
    ),
  },
  { header: 'Credentials', cell: (c) => <CredentialsState credentials={c.credentials} /> },
  { header: 'Listings', className: 'num', cell: (c) => formatCount(c.listings) },
]

function CredentialsState({ credentials: c }: { credentials: ChannelSettingsView['credentials'] }) {
  return (
    <span data-testid="credentials-state">
      {c.set ? (
        <>
          set
          {c.lastChangedAt ? (
            <>
              , last changed <Ago iso={c.lastChangedAt} />
              {c.lastChangedBy ? ` by ${c.lastChangedBy}` : ''}
            </>
          ) : (
            ''
          )}
        </>
      ) : (
        <span className="chip bad">not set</span>
      )}
    </span>
  )
}

export function ChannelSettings() {
  const qc = useQueryClient()
  const list = useQuery({
    queryKey: KEY,
    queryFn: () => fetchJson<{ items: ChannelSettingsView[] }>('/api/ui/settings/channels'),
  })
  const [editing, setEditing] = useState<{ code: string; part: 'settings' | 'credentials' } | null>(null)
  const action = useAction()
  const refresh = () => void qc.invalidateQueries({ queryKey: KEY })
  const current = list.data?.items.find((c) => c.code === editing?.code)
  const open = (code: string, part: 'settings' | 'credentials') => {
    action.setMessage(null)
    setEditing({ code, part })
  }

  return (
    <div>
      <PageHead title="Channels" message={action.message} messageTestId="channels-message">
        A channel in shadow mode computes and reads back but never writes. Credentials are stored encrypted and never
        shown again.
      </PageHead>
      <div className="panel">
        <ListTable
          query={list}
          what="channels"
          rows={list.data?.items}
          emptyTitle="No channels yet"
          empty="Channels are created by the demo seed or a deployment script; once they exist they are configured here."
          testId="channel-settings-list"
          columns={CHANNEL_COLUMNS}
          {...rowsByCode('channel')}
          actions={(c) => (
            <span className="toolbar" style={{ marginBottom: 0, flexWrap: 'nowrap' }}>
              <button onClick={() => open(c.code, 'settings')} aria-label={`Edit settings of ${c.name}`}>
                Edit
              </button>
              <button onClick={() => open(c.code, 'credentials')} aria-label={`Set credentials of ${c.name}`}>
                {c.credentials.set ? 'Replace credentials' : 'Set credentials'}
              </button>
            </span>
          )}
        />
      </div>
      {current && editing?.part === 'settings' && (
        <ChannelForm
          key={`${current.code}-${current.updatedAt}`}
          channel={current}
          action={action}
          onClose={() => setEditing(null)}
          onSaved={refresh}
        />
      )}
      {current && editing?.part === 'credentials' && (
        <CredentialsForm
          key={current.code}
          channel={current}
          action={action}
          onClose={() => setEditing(null)}
          onSaved={refresh}
        />
      )}
    </div>
  )
}

const MODES = [
  ['shadow', 'shadow (compute and read back, never write)'],
  ['live', 'live (publish quantities)'],
] as const
const STATUSES = [
  ['active', 'active'],
  ['paused', 'paused (publishing stops)'],
] as const

type FormField = ChannelSettingsView['form']['settings'][number]

/** A stored setting as the text an input shows ('' when unset). */
function fieldText(value: unknown): string {
  return value === undefined || value === null ? '' : String(value)
}

/** An input's text as the setting to store (undefined: leave unset, the connector's default applies), or an error. */
function fieldValue(field: FormField, text: string | boolean): { value?: unknown; error?: string } {
  if (field.type === 'boolean') return { value: text === true ? true : undefined }
  const trimmed = String(text).trim()
  if (trimmed === '') return field.required ? { error: `${field.label} is required.` } : {}
  if (field.type === 'integer' || field.type === 'number') {
    const n = Number(trimmed)
    if (!Number.isFinite(n) || (field.type === 'integer' && !Number.isInteger(n)))
      return { error: `${field.label} must be a ${field.type === 'integer' ? 'whole number' : 'number'}.` }
    return { value: n }
  }
  return { value: trimmed }
}

/** What the settings and credentials forms get: the channel, the screen's action line, closing, refetching. */
interface ChannelFormProps {
  channel: ChannelSettingsView
  action: ActionApi
  onClose: () => void
  onSaved: () => void
}

function ChannelForm({ channel, action, onClose, onSaved }: ChannelFormProps) {
  const generated = channel.form.settings
  const generatedNames = new Set(generated.map((f) => f.name))
  const extra = Object.fromEntries(Object.entries(channel.settings).filter(([k]) => !generatedNames.has(k)))
  const [form, setForm] = useState({
    name: channel.name,
    mode: channel.mode,
    status: channel.status,
    baseUrl: channel.baseUrl,
    ratePerSecond: String(channel.ratePerSecond),
    rateBurst: String(channel.rateBurst),
    settings: Object.keys(extra).length > 0 || generated.length === 0 ? JSON.stringify(extra, null, 2) : '',
  })
  const [fields, setFields] = useState<Record<string, string | boolean>>(
    Object.fromEntries(
      generated.map((f) => [
        f.name,
        f.type === 'boolean' ? channel.settings[f.name] === true : fieldText(channel.settings[f.name]),
      ]),
    ),
  )
  const [problem, setProblem] = useState<string | null>(null)
  const [confirmLive, setConfirmLive] = useState(false)
  const field = bindField(form, setForm)

  function parsed() {
    let settings: unknown
    try {
      settings = JSON.parse(form.settings.trim() || '{}')
    } catch (e) {
      return { error: `Other settings: not valid JSON (${(e as Error).message}).` }
    }
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings))
      return { error: 'Other settings must be a JSON object, e.g. { "bulkThreshold": 50 }.' }
    const own: Record<string, unknown> = {}
    for (const field of generated) {
      const v = fieldValue(field, fields[field.name] ?? '')
      if (v.error) return { error: v.error }
      if (v.value !== undefined) own[field.name] = v.value
    }
    settings = { ...(settings as Record<string, unknown>), ...own }
    const ratePerSecond = Number(form.ratePerSecond)
    const rateBurst = Number(form.rateBurst)
    if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0)
      return { error: 'Requests per second must be a number above 0.' }
    if (!Number.isInteger(rateBurst) || rateBurst < 1) return { error: 'Burst must be a whole number from 1.' }
    return {
      input: {
        code: channel.code,
        name: form.name,
        mode: form.mode,
        status: form.status,
        baseUrl: form.baseUrl.trim(),
        ratePerSecond,
        rateBurst,
        settings,
      },
    }
  }
  function save() {
    const p = parsed()
    if ('error' in p) {
      setProblem(p.error ?? null)
      return
    }
    setConfirmLive(false)
    action.run(
      () => updateChannelAction(p.input),
      (d) => (d.changed.length ? `Saved ${channel.name}: ${d.changed.join(', ')} changed.` : 'Nothing changed.'),
      () => {
        onSaved()
        onClose()
      },
    )
  }
  function onSubmit(e: FormEvent) {
    e.preventDefault()
    setProblem(null)
    const p = parsed()
    if ('error' in p) {
      setProblem(p.error ?? null)
      return
    }
    // Going live starts real writes to a marketplace: say so and ask once more.
    if (form.mode === 'live' && channel.mode !== 'live') {
      setConfirmLive(true)
      return
    }
    save()
  }

  return (
    <form className="panel" onSubmit={onSubmit} aria-labelledby="channel-form-title" data-testid="channel-form">
      <h2 id="channel-form-title">
        Edit {channel.name}{' '}
        <span className="mono muted">
          ({channel.code}, {channel.kind})
        </span>
      </h2>
      <Problem text={problem} />
      <div className="form-grid">
        <Field caption="Name" {...field('name')} required maxLength={200} />
        <SelectField caption="Mode" {...field('mode')} options={MODES} />
        <SelectField caption="Status" {...field('status')} options={STATUSES} />
        <Field caption="Base URL" type="url" {...field('baseUrl')} required placeholder="https://…" />
        <Field caption="Requests per second" type="number" min="0.01" step="any" {...field('ratePerSecond')} required />
        <Field caption="Burst" type="number" min="1" step="1" {...field('rateBurst')} required />
      </div>
      {generated.length > 0 && (
        <fieldset className="form-grid" style={{ marginTop: 10 }} data-testid="connector-settings-fields">
          <legend>{channel.kind} connector</legend>
          {generated.map((f) => (
            <label key={f.name} title={f.name}>
              {f.label}
              {f.required ? ' *' : ''}
              {f.type === 'boolean' ? (
                <input
                  type="checkbox"
                  name={f.name}
                  checked={fields[f.name] === true}
                  onChange={(e) => setFields({ ...fields, [f.name]: e.target.checked })}
                />
              ) : f.type === 'choice' ? (
                <select
                  name={f.name}
                  value={String(fields[f.name] ?? '')}
                  onChange={(e) => setFields({ ...fields, [f.name]: e.target.value })}
                  required={f.required}
                >
                  {!f.required && (
                    <option value="">{f.default !== undefined ? `default (${String(f.default)})` : '(not set)'}</option>
                  )}
                  {(f.choices ?? []).map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  name={f.name}
                  type={f.type === 'integer' || f.type === 'number' ? 'number' : f.type === 'url' ? 'url' : 'text'}
                  step={f.type === 'integer' ? 1 : f.type === 'number' ? 'any' : undefined}
                  min={f.min}
                  max={f.max}
                  value={String(fields[f.name] ?? '')}
                  placeholder={f.default !== undefined ? `default: ${String(f.default)}` : undefined}
                  onChange={(e) => setFields({ ...fields, [f.name]: e.target.value })}
                  required={f.required}
                />
              )}
            </label>
          ))}
        </fieldset>
      )}
      <label className="field" style={{ marginTop: 10 }}>
        {generated.length > 0
          ? 'Advanced settings (JSON object, optional; e.g. bulkThreshold)'
          : 'Other settings (JSON object; not secret: tokens and passwords go under credentials)'}
        <textarea
          className="mono"
          rows={Math.min(14, form.settings.split('\n').length + 1)}
          value={form.settings}
          onChange={(e) => setForm({ ...form, settings: e.target.value })}
          spellCheck={false}
        />
      </label>
      {confirmLive ? (
        <ConfirmBar
          title={`Switch ${channel.name} to live?`}
          confirmLabel="Go live"
          danger={false}
          pending={action.pending}
          onConfirm={save}
          onCancel={() => setConfirmLive(false)}
        >
          Stocktower will start writing quantities to this marketplace; listings waiting since shadow mode are published
          at once.
        </ConfirmBar>
      ) : (
        <SaveCancel pending={action.pending} onCancel={onClose} />
      )}
    </form>
  )
}

function CredentialsForm({ channel, action, onClose, onSaved }: ChannelFormProps) {
  const known = channel.credentials.fields
  const labels = new Map(channel.form.credentials.map((f) => [f.name, f.label]))
  const [values, setValues] = useState<Record<string, string>>(Object.fromEntries(known.map((f) => [f, ''])))
  const [custom, setCustom] = useState({ field: '', value: '' })
  const [confirm, setConfirm] = useState(false)
  const credentials = known.length > 0 ? values : custom.field ? { [custom.field.trim()]: custom.value } : {}
  const complete = Object.keys(credentials).length > 0 && Object.values(credentials).every((v) => v.length > 0)

  function save() {
    setConfirm(false)
    action.run(
      () => setChannelCredentialsAction({ code: channel.code, credentials }),
      (d) =>
        `Credentials of ${channel.name} saved (${d.fields.join(', ')}); they are stored encrypted and will not be shown.`,
      () => {
        setValues(Object.fromEntries(known.map((f) => [f, ''])))
        onSaved()
        onClose()
      },
    )
  }
  return (
    <form
      className="panel"
      aria-labelledby="cred-form-title"
      data-testid="credentials-form"
      autoComplete="off"
      onSubmit={(e) => {
        e.preventDefault()
        if (channel.credentials.set) setConfirm(true)
        else save()
      }}
    >
      <h2 id="cred-form-title">
        {channel.credentials.set ? 'Replace' : 'Set'} credentials of {channel.name}
      </h2>
      <p className="muted">
        Give every field, as the marketplace issued it: the new set replaces the old one whole. Values are encrypted
        before they are stored and are never sent back to a browser.
      </p>
      <div className="form-grid">
        {known.length > 0 ? (
          known.map((f) => (
            <label key={f} title={f}>
              {labels.get(f) ?? f}
              <input
                type="password"
                name={f}
                autoComplete="new-password"
                value={values[f] ?? ''}
                onChange={(e) => setValues({ ...values, [f]: e.target.value })}
                required
              />
            </label>
          ))
        ) : (
          <>
            <Field
              caption="Credential name"
              value={custom.field}
              onValue={(v) => setCustom({ ...custom, field: v })}
              placeholder="e.g. apiToken"
              required
            />
            <Field
              caption="Value"
              type="password"
              autoComplete="new-password"
              value={custom.value}
              onValue={(v) => setCustom({ ...custom, value: v })}
              required
            />
          </>
        )}
      </div>
      {confirm ? (
        <ConfirmBar
          title={`Replace the credentials of ${channel.name}?`}
          confirmLabel="Replace"
          pending={action.pending}
          onConfirm={save}
          onCancel={() => setConfirm(false)}
        >
          The current credentials are overwritten and cannot be recovered; the connector uses the new ones on its next
          call.
        </ConfirmBar>
      ) : (
        <SaveCancel pending={action.pending} onCancel={onClose} label="Save credentials" disabled={!complete} />
      )}
    </form>
  )
}
