'use client'
// Settings -> Sources: each source system with its kind and how its files are read (EDI 846
// quantity qualifiers and default location, CSV/NDJSON column maps), the same document as
// PUT /api/v1/sources/{code}. "Try a file" reads a sample with the settings on screen and shows the
// events it would produce, or each line's error; nothing is applied.
import { useState, type FormEvent } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import type { SourceView } from '@/server/sources/list-sources'
import type { DryRunResult } from '@/server/sources/dry-run-file'
import { DataTable, type Column } from '@/components/ui/data-table'
import { PageHead } from '@/components/ui/page-head'
import { fetchJson } from '@/components/ui/fetch-json'
import { formatCount } from '@/components/ui/format'
import { dryRunSourceFileAction, saveSourceAction } from '@/app/(app)/settings/actions'
import { type ActionApi, FeedbackLine, useAction } from '@/components/ui/action'
import { Field, ListTable, NameAndCode, Problem, SaveCancel, SelectField, bindField, rowsByCode } from './shared'

const KEY = ['settings', 'sources']
const KINDS = ['erp', 'wms', '3pl', 'supplier', 'channel'] as const
const MAX_SAMPLE_BYTES = 900 * 1024

export function SourceSettings() {
  const qc = useQueryClient()
  const list = useQuery({
    queryKey: KEY,
    queryFn: () => fetchJson<{ items: SourceView[] }>('/api/ui/settings/sources'),
  })
  const [editing, setEditing] = useState<string | 'new' | null>(null)
  const action = useAction()
  const refresh = () => void qc.invalidateQueries({ queryKey: KEY })
  const current = editing && editing !== 'new' ? list.data?.items.find((s) => s.code === editing) : undefined

  return (
    <div>
      <PageHead
        message={action.message}
        messageTestId="sources-message"
        title="Sources"
        aside={
          <button
            className="primary"
            onClick={() => {
              action.setMessage(null)
              setEditing('new')
            }}
            data-testid="source-new"
          >
            Add a source
          </button>
        }
      >
        Systems that send stock (ERP, WMS, 3PL, suppliers) and how their files are read. The same settings are readable
        and writable as code: GET and PUT /api/v1/sources/&#123;code&#125;.
      </PageHead>
      <div className="panel">
        <ListTable
          query={list}
          what="sources"
          rows={list.data?.items}
          emptyTitle="No sources yet"
          empty="Add one to tell Stocktower how a sender writes its files; files dropped for an undeclared source are read with the defaults."
          testId="source-list"
          columns={SOURCE_COLUMNS}
          {...rowsByCode('source')}
          actions={(s) => (
            <button
              onClick={() => {
                action.setMessage(null)
                setEditing(s.code)
              }}
              aria-label={`Edit ${s.name}`}
            >
              Edit
            </button>
          )}
        />
        {list.data?.items.some((s) => s.settingsProblems.length > 0) && (
          <div className="error-box" role="alert">
            Some stored settings no longer validate and are read with defaults:{' '}
            {list.data.items.flatMap((s) => s.settingsProblems.map((p) => `${s.code}: ${p}`)).join('; ')}
          </div>
        )}
      </div>
      {editing && (
        <SourceForm
          key={current ? `${current.code}-${current.updatedAt}` : 'new'}
          source={current}
          action={action}
          onClose={() => setEditing(null)}
          onSaved={refresh}
        />
      )}
    </div>
  )
}

const SOURCE_COLUMNS: Column<SourceView>[] = [
  { header: 'Source', cell: (s) => <NameAndCode name={s.name} code={s.code} /> },
  { header: 'Kind', className: 'mono', cell: (s) => s.kind },
  { header: 'EDI 846 qualifiers', className: 'mono', cell: (s) => s.settings.edi846.quantityQualifiers.join(', ') },
  {
    header: 'Default location',
    className: 'mono',
    cell: (s) => s.settings.edi846.defaultLocation ?? <span className="muted">none</span>,
  },
  { header: 'CSV / NDJSON', cell: (s) => describeMapping(s) },
  { header: 'Signing secret', cell: (s) => (s.signingSecret.set ? 'set' : <span className="muted">none</span>) },
]

function describeMapping(s: SourceView): string {
  const parts: string[] = []
  if (s.settings.csv.columns && Object.keys(s.settings.csv.columns).length > 0)
    parts.push(
      `CSV mapped (${Object.keys(s.settings.csv.columns).length} columns, "${s.settings.csv.delimiter === '\t' ? 'tab' : s.settings.csv.delimiter}")`,
    )
  if (s.settings.ndjson.columns && Object.keys(s.settings.ndjson.columns).length > 0)
    parts.push(`NDJSON mapped (${Object.keys(s.settings.ndjson.columns).length} keys)`)
  return parts.length > 0 ? parts.join('; ') : 'Stocktower columns'
}

function SourceForm({
  source,
  action,
  onClose,
  onSaved,
}: {
  source?: SourceView
  action: ActionApi
  onClose: () => void
  onSaved: () => void
}) {
  const [form, setForm] = useState({
    code: source?.code ?? '',
    name: source?.name ?? '',
    kind: source?.kind ?? 'erp',
    qualifiers: (source?.settings.edi846.quantityQualifiers ?? ['17']).join(', '),
    defaultLocation: source?.settings.edi846.defaultLocation ?? '',
    files: JSON.stringify(
      {
        csv: source?.settings.csv ?? { delimiter: ',', decimalSeparator: '.', dateFormat: 'iso' },
        ndjson: source?.settings.ndjson ?? { decimalSeparator: '.', dateFormat: 'iso' },
      },
      null,
      2,
    ),
  })
  const [problem, setProblem] = useState<string | null>(null)
  const field = bindField(form, setForm)

  function parsed(): { input: Record<string, unknown> } | { error: string } {
    let files: unknown
    try {
      files = JSON.parse(form.files || '{}')
    } catch (e) {
      return { error: `CSV and NDJSON settings: not valid JSON (${(e as Error).message}).` }
    }
    if (typeof files !== 'object' || files === null || Array.isArray(files))
      return { error: 'CSV and NDJSON settings must be a JSON object with "csv" and "ndjson".' }
    const quantityQualifiers = form.qualifiers.split(/[\s,]+/).filter(Boolean)
    return {
      input: {
        code: form.code.trim(),
        name: form.name,
        kind: form.kind,
        settings: {
          edi846: { quantityQualifiers, defaultLocation: form.defaultLocation.trim() || null },
          ...(files as object),
        },
      },
    }
  }
  function onSubmit(e: FormEvent) {
    e.preventDefault()
    setProblem(null)
    const p = parsed()
    if ('error' in p) {
      setProblem(p.error)
      return
    }
    action.run(
      () => saveSourceAction(p.input),
      (d) => `${d.created ? 'Added' : 'Saved'} ${d.source.name}.`,
      () => {
        onSaved()
        onClose()
      },
    )
  }

  return (
    <div>
      <form className="panel" onSubmit={onSubmit} aria-labelledby="source-form-title" data-testid="source-form">
        <h2 id="source-form-title">
          {source ? (
            <>
              Edit {source.name} <span className="mono muted">({source.code})</span>
            </>
          ) : (
            'Add a source'
          )}
        </h2>
        <Problem text={problem} />
        <div className="form-grid">
          {!source && (
            <Field
              caption="Code"
              {...field('code')}
              required
              maxLength={100}
              placeholder="acme-3pl"
              pattern="[A-Za-z0-9][A-Za-z0-9._:\-]*"
            />
          )}
          <Field caption="Name" {...field('name')} required maxLength={200} />
          <SelectField caption="Kind" {...field('kind')} options={KINDS} />
          <Field
            caption="EDI 846 quantity qualifiers, preferred first"
            {...field('qualifiers')}
            placeholder="17, 33"
            data-testid="source-qualifiers"
          />
          <Field
            caption="EDI 846 default location (when the file names none)"
            {...field('defaultLocation')}
            placeholder="none"
            maxLength={100}
            data-testid="source-default-location"
          />
        </div>
        <label className="field" style={{ marginTop: 10 }}>
          CSV and NDJSON (JSON: a column map such as {'{ "Item Number": "sku", "Qty On Hand": "quantity" }'}, fixed
          values such as {'{ "type": "count" }'}, delimiter, decimalSeparator, dateFormat)
          <textarea
            className="mono"
            rows={Math.min(16, form.files.split('\n').length + 1)}
            value={form.files}
            onChange={(e) => setForm({ ...form, files: e.target.value })}
            spellCheck={false}
            data-testid="source-files-json"
          />
        </label>
        <SaveCancel pending={action.pending} onCancel={onClose} />
      </form>
      {source && (
        <TryFile
          code={source.code}
          settingsOnScreen={() => {
            const p = parsed()
            return 'error' in p ? p : { settings: p.input.settings }
          }}
        />
      )}
    </div>
  )
}

/** Reads a sample file with the settings on screen; shows what would apply. */
function TryFile({
  code,
  settingsOnScreen,
}: {
  code: string
  settingsOnScreen: () => { settings: unknown } | { error: string }
}) {
  const action = useAction()
  const [result, setResult] = useState<DryRunResult | null>(null)
  async function onFile(file: File | undefined) {
    setResult(null)
    if (!file) return
    if (file.size > MAX_SAMPLE_BYTES) {
      action.setMessage({
        tone: 'bad',
        text: `A sample is at most ${MAX_SAMPLE_BYTES / 1024} KiB; take the first lines of the file.`,
      })
      return
    }
    const s = settingsOnScreen()
    if ('error' in s) {
      action.setMessage({ tone: 'bad', text: s.error })
      return
    }
    const content = await file.text()
    action.run(
      () => dryRunSourceFileAction({ code, fileName: file.name, content, settings: s.settings }),
      () => null,
      setResult,
    )
  }
  return (
    <div className="panel" data-testid="source-try-file">
      <h2>Try a file</h2>
      <div className="muted">
        Read a sample (.csv, .ndjson, .edi) exactly as the inbox would read it from this source, with the settings
        above, even unsaved. Nothing is stored or applied.
      </div>
      <div className="toolbar" style={{ marginTop: 8 }}>
        <label>
          Sample file{' '}
          <input
            type="file"
            accept=".csv,.ndjson,.jsonl,.edi,.x12,.846"
            onChange={(e) => void onFile(e.target.files?.[0])}
            disabled={action.pending}
            data-testid="source-sample"
          />
        </label>
        {action.pending && (
          <span className="muted" role="status">
            Reading…
          </span>
        )}
      </div>
      <FeedbackLine message={action.message} />
      {result && <DryRunReport result={result} />}
    </div>
  )
}

function DryRunReport({ result }: { result: DryRunResult }) {
  if (result.refused)
    return (
      <div className="error-box" role="alert" data-testid="dry-run-refused">
        The whole file would be refused, nothing applied: {result.refused}
      </div>
    )
  const lineHeader = result.format === 'edi846' ? 'Segment' : 'Line'
  return (
    <div data-testid="dry-run-report">
      <p role="status">
        {result.kind === 'snapshot'
          ? `A snapshot: ${formatCount(result.snapshotRows ?? 0)} row(s) would be compared with positions (not applied as events); ${formatCount(result.totals.errors)} row(s) with errors.`
          : `${formatCount(result.totals.events)} event(s) would apply; ${formatCount(result.totals.errors)} row(s) would be rejected (each kept as a dead letter).`}
        {(result.events.length < result.totals.events || result.errors.length < result.totals.errors) &&
          ' Only the first rows are listed.'}
      </p>
      {result.events.length > 0 && (
        <DataTable
          testId="dry-run-events"
          columns={[
            { header: lineHeader, className: 'num', cell: (e) => e.line },
            { header: 'Type', cell: (e) => e.type },
            { header: 'SKU', className: 'mono', cell: (e) => e.sku },
            { header: 'Location', className: 'mono', cell: (e) => e.location },
            { header: 'Quantity (base)', className: 'num', cell: (e) => formatCount(e.quantity) },
            { header: 'As written', className: 'mono', cell: (e) => e.written },
            { header: 'Occurred', className: 'mono', cell: (e) => e.occurredAt },
            {
              header: 'Key',
              className: 'mono muted',
              cell: (e) => <span style={{ wordBreak: 'break-all' }}>{e.idempotencyKey}</span>,
            },
          ]}
          rows={result.events}
          rowKey={(e) => `${e.line}-${e.idempotencyKey}`}
        />
      )}
      {result.errors.length > 0 && (
        <DataTable
          testId="dry-run-errors"
          columns={[
            { header: lineHeader, className: 'num', cell: (e) => e.line },
            { header: 'Code', className: 'mono', cell: (e) => e.code },
            { header: 'What to fix', cell: (e) => e.message },
          ]}
          rows={result.errors.map((e, i) => ({ ...e, i }))}
          rowKey={(e) => String(e.i)}
        />
      )}
    </div>
  )
}
