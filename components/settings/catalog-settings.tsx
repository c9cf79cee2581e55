'use client'
// The catalogue for admins: search each entity (server-side, keyset pages; entity and search in
// the URL), open a SKU to see its kit structure and edit its name and active flag, and import a
// CSV: a dry run shows the plan row by row, and only a clean dry run of the same file can be applied.
import { useState, type FormEvent } from 'react'
import { usePathname, useRouter, useSearchParams } from 'next/navigation'
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query'
import type { CatalogReport } from '@/server/catalog/catalog-plan'
import type { CatalogSkuView } from '@/server/catalog/search-catalog'
import { ErrorBox } from '@/components/ui/empty-state'
import { PageHead } from '@/components/ui/page-head'
import { fetchJson } from '@/components/ui/fetch-json'
import { formatCount } from '@/components/ui/format'
import { editSkuAction, importCatalogAction } from '@/app/(app)/settings/actions'
import { FeedbackLine, useAction } from '@/components/ui/action'
import { ConfirmBar, Field, ListState, Loading, Problem, SelectField } from './shared'
import { DataTable, type Column } from '@/components/ui/data-table'
import { CursorPager } from '@/components/ui/cursor-pager'

const ENTITIES = {
  skus: {
    label: 'SKUs',
    columns: 'code, name, category, unit_cost_cents, price_cents, base_uom, active, components (e.g. SKU-A:2;SKU-B:1)',
  },
  locations: { label: 'Locations', columns: 'code, name, kind (dc, 3pl, store), active' },
  listings: { label: 'Listings', columns: 'channel, sku, external_sku, external_id, active' },
  'sku-aliases': { label: 'SKU aliases', columns: 'scope, alias, sku' },
  'location-aliases': { label: 'Location aliases', columns: 'scope, alias, location' },
  units: { label: 'Units of measure', columns: 'sku, uom, factor' },
} as const
type Entity = keyof typeof ENTITIES
const isEntity = (s: string | null): s is Entity => s !== null && Object.hasOwn(ENTITIES, s)
const MAX_FILE_BYTES = 900 * 1024

const ENTITY_OPTIONS = Object.entries(ENTITIES).map(([k, v]) => [k, v.label] as const)

type Row = Record<string, unknown>
/** A kit's line, whichever side of the kit the SKU is on: the other SKU's name and the quantity per kit. */
const KIT_COLUMNS: Column<{ name: string; quantity: number }>[] = [
  { header: 'Name', cell: (c) => c.name },
  { header: 'Per kit', className: 'num', cell: (c) => c.quantity },
]
const text = (v: unknown) => (v === null || v === undefined ? '' : String(v))

export function CatalogSettings() {
  const router = useRouter()
  const pathname = usePathname()
  const params = useSearchParams()
  const entity: Entity = isEntity(params.get('entity')) ? (params.get('entity') as Entity) : 'skus'
  const q = params.get('q') ?? ''
  const openSku = params.get('sku')
  const [cursors, setCursors] = useState<string[]>([])
  const [search, setSearch] = useState(q)
  const cursor = cursors[cursors.length - 1] ?? ''
  const qs = new URLSearchParams(Object.entries({ entity, q, cursor, limit: '50' }).filter(([, v]) => v)).toString()
  const list = useQuery({
    queryKey: ['settings', 'catalog', qs],
    queryFn: () => fetchJson<{ items: Row[]; nextCursor: string | null }>(`/api/ui/settings/catalog?${qs}`),
    placeholderData: keepPreviousData,
  })

  const setParams = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params.toString())
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v)
      else next.delete(k)
    }
    router.replace(`${pathname}?${next.toString()}`)
  }
  const onSearch = (e: FormEvent) => {
    e.preventDefault()
    setCursors([])
    setParams({ q: search.trim() || null })
  }

  return (
    <div>
      <PageHead title="Catalog">
        The master data ingest checks events against. Changes are audited and recompute the affected SKUs.
      </PageHead>

      {openSku && <SkuPanel key={openSku} code={openSku} onClose={() => setParams({ sku: null })} />}

      <div className="panel">
        <form className="toolbar" role="search" onSubmit={onSearch}>
          <SelectField
            caption="Show"
            value={entity}
            options={ENTITY_OPTIONS}
            onValue={(v) => {
              setCursors([])
              setParams({ entity: v, sku: null })
            }}
          />
          <label>
            Search{' '}
            <input
              type="search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              placeholder="code, name or alias"
              size={28}
            />
          </label>
          <button type="submit">Search</button>
          {list.isFetching && !list.isPending && (
            <span className="muted" role="status">
              Updating…
            </span>
          )}
        </form>
        <ListState
          query={list}
          what={ENTITIES[entity].label.toLowerCase()}
          rows={list.data?.items}
          emptyTitle={`No ${ENTITIES[entity].label.toLowerCase()} match`}
          empty={q ? 'Try another part of a code or name.' : 'Import a CSV below to add some.'}
        >
          {(rows) => <CatalogTable entity={entity} rows={rows} onOpenSku={(code) => setParams({ sku: code })} />}
        </ListState>
        <CursorPager cursors={cursors} setCursors={setCursors} nextCursor={list.data?.nextCursor} />
      </div>

      <CsvImport
        defaultEntity={entity}
        prefill={
          isEntity(params.get('import')) && params.get('csv')
            ? { entity: params.get('import') as Entity, csv: params.get('csv')! }
            : null
        }
      />
    </div>
  )
}

function CatalogTable({
  entity,
  rows,
  onOpenSku,
}: {
  entity: Entity
  rows: readonly Row[]
  onOpenSku: (code: string) => void
}) {
  const skuLink = (code: unknown) => (
    <button type="button" className="linkish mono" onClick={() => onOpenSku(text(code))}>
      {text(code)}
    </button>
  )
  const active = (v: unknown) =>
    v === false ? <span className="chip bad">inactive</span> : <span className="chip ok">active</span>
  const mono = (key: string) => ({ className: 'mono', cell: (r: Row) => text(r[key]) })
  const plain = (key: string) => ({ cell: (r: Row) => text(r[key]) })
  const state: Column<Row> = { header: 'State', cell: (r) => active(r.active) }
  const table = (columns: Array<Column<Row>>, rowKey: (r: Row) => string) => (
    <DataTable columns={columns} rows={rows} rowKey={rowKey} testId="catalog-list" />
  )
  switch (entity) {
    case 'skus':
      return table(
        [
          { header: 'Code', cell: (r) => skuLink(r.code) },
          { header: 'Name', ...plain('name') },
          { header: 'Category', ...plain('category') },
          { header: 'Base unit', ...mono('baseUom') },
          {
            header: 'Kit',
            cell: (r) => (r.isKit ? <span className="chip">kit of {(r.components as unknown[]).length}</span> : ''),
          },
          state,
        ],
        (r) => text(r.code),
      )
    case 'locations':
      return table(
        [
          { header: 'Code', ...mono('code') },
          { header: 'Name', ...plain('name') },
          { header: 'Kind', ...plain('kind') },
          state,
        ],
        (r) => text(r.code),
      )
    case 'listings':
      return table(
        [
          { header: 'Channel', ...plain('channel') },
          { header: 'SKU', cell: (r) => skuLink(r.sku) },
          { header: 'Seller SKU', ...mono('externalSku') },
          { header: 'Channel id', ...mono('externalId') },
          state,
        ],
        (r) => `${text(r.channel)}/${text(r.sku)}`,
      )
    case 'sku-aliases':
    case 'location-aliases':
      return table(
        [
          { header: 'Scope', ...mono('scope') },
          { header: 'Alias', ...mono('alias') },
          entity === 'sku-aliases'
            ? { header: 'SKU', cell: (r) => skuLink(r.sku) }
            : { header: 'Location', cell: (r) => <span className="mono">{text(r.location)}</span> },
        ],
        (r) => `${text(r.scope)}/${text(r.alias)}`,
      )
    case 'units':
      return table(
        [
          { header: 'SKU', cell: (r) => skuLink(r.sku) },
          { header: 'Unit', ...mono('uom') },
          { header: 'Base units per unit', className: 'num', cell: (r) => formatCount(r.factor as number) },
        ],
        (r) => `${text(r.sku)}/${text(r.uom)}`,
      )
  }
}

function SkuPanel({ code, onClose }: { code: string; onClose: () => void }) {
  const qc = useQueryClient()
  const sku = useQuery({
    queryKey: ['settings', 'catalog-sku', code],
    queryFn: () => fetchJson<CatalogSkuView>(`/api/ui/settings/catalog/skus/${encodeURIComponent(code)}`),
  })
  const action = useAction()
  const [draft, setDraft] = useState<{ name: string; active: boolean } | null>(null)
  const [confirm, setConfirm] = useState(false)
  const form = draft ?? (sku.data ? { name: sku.data.name, active: sku.data.active } : null)

  function save() {
    if (!form) return
    setConfirm(false)
    action.run(
      () => editSkuAction({ code, name: form.name, active: form.active }),
      (r) => (r.changes.updated ? `${code} saved.` : 'Nothing changed.'),
      () => {
        setDraft(null)
        void qc.invalidateQueries({ queryKey: ['settings', 'catalog'] })
        void qc.invalidateQueries({ queryKey: ['settings', 'catalog-sku', code] })
      },
    )
  }
  return (
    <div className="panel" data-testid="sku-panel" aria-labelledby="sku-panel-title">
      <div className="toolbar">
        <h2 id="sku-panel-title" style={{ margin: 0 }}>
          SKU <span className="mono">{code}</span>
        </h2>
        <button style={{ marginLeft: 'auto' }} onClick={onClose} aria-label="Close the SKU">
          Close
        </button>
      </div>
      <FeedbackLine message={action.message} testId="sku-message" />
      {sku.error && <ErrorBox error={sku.error} />}
      {sku.isPending && <Loading what={code} />}
      {sku.data && form && (
        <>
          <form
            onSubmit={(e) => {
              e.preventDefault()
              if (sku.data.active && !form.active) setConfirm(true)
              else save()
            }}
          >
            <div className="form-grid">
              <Field
                caption="Name"
                value={form.name}
                onValue={(name) => setDraft({ ...form, name })}
                required
                maxLength={300}
              />
              <label className="inline-check">
                <input
                  type="checkbox"
                  checked={form.active}
                  onChange={(e) => setDraft({ ...form, active: e.target.checked })}
                />{' '}
                active
              </label>
              <div className="muted">
                {sku.data.category} · base unit {sku.data.baseUom}
              </div>
            </div>
            {confirm ? (
              <ConfirmBar
                title={`Deactivate ${code}?`}
                confirmLabel="Deactivate"
                pending={action.pending}
                onConfirm={save}
                onCancel={() => setConfirm(false)}
              >
                Inventory events for it are then refused as an unknown SKU (kept as dead letters you can replay after
                reactivating it) and it leaves the SKU explorer; channel orders for it are still taken.
              </ConfirmBar>
            ) : (
              <div className="toolbar" style={{ marginTop: 10 }}>
                <button
                  type="submit"
                  className="primary"
                  disabled={
                    action.pending ||
                    !form.name.trim() ||
                    (form.name === sku.data.name && form.active === sku.data.active)
                  }
                >
                  {action.pending ? 'Saving…' : 'Save'}
                </button>
              </div>
            )}
          </form>
          <div className="split">
            <div>
              <h2>{sku.data.isKit ? 'Kit components' : 'Part of kits'}</h2>
              {sku.data.isKit ? (
                <DataTable
                  testId="kit-components"
                  columns={[
                    {
                      header: 'Component',
                      className: 'mono',
                      cell: (c) => (
                        <>
                          {c.sku}
                          {!c.active && (
                            <span className="chip bad" style={{ marginLeft: 6 }}>
                              inactive
                            </span>
                          )}
                        </>
                      ),
                    },
                    ...KIT_COLUMNS,
                  ]}
                  rows={sku.data.components}
                  rowKey={(c) => c.sku}
                />
              ) : sku.data.usedInKits.length === 0 ? (
                <p className="muted">Not a component of any kit.</p>
              ) : (
                <DataTable
                  testId="used-in-kits"
                  columns={[{ header: 'Kit', className: 'mono', cell: (k) => k.sku }, ...KIT_COLUMNS]}
                  rows={sku.data.usedInKits}
                  rowKey={(k) => k.sku}
                />
              )}
            </div>
            <div>
              <h2>Listings, aliases and units</h2>
              {sku.data.listings.length === 0 ? (
                <p className="muted">Not listed on any channel.</p>
              ) : (
                <p>
                  {sku.data.listings.map((l) => (
                    <span key={l.channel} className={`chip ${l.active ? '' : 'bad'}`} style={{ marginRight: 4 }}>
                      {l.channel}: <span className="mono">{l.externalSku}</span>
                    </span>
                  ))}
                </p>
              )}
              <p className="muted">
                {sku.data.aliases.length
                  ? sku.data.aliases.map((a) => `${a.scope}: ${a.alias}`).join(' · ')
                  : 'No aliases.'}
              </p>
              <p className="muted">
                {sku.data.units.length
                  ? sku.data.units.map((u) => `1 ${u.uom} = ${u.factor} ${sku.data.baseUom}`).join(' · ')
                  : 'No other units.'}
              </p>
            </div>
          </div>
        </>
      )}
    </div>
  )
}

/** `prefill`: rows a dead letter's fix link brought (e.g. the alias to add), edited here before the dry run. */
function CsvImport({
  defaultEntity,
  prefill,
}: {
  defaultEntity: Entity
  prefill: { entity: Entity; csv: string } | null
}) {
  const qc = useQueryClient()
  const action = useAction()
  const [entity, setEntity] = useState<Entity>(prefill?.entity ?? defaultEntity)
  const [file, setFile] = useState<{ name: string; csv: string } | null>(
    prefill ? { name: 'rows from a dead letter', csv: prefill.csv } : null,
  )
  const [report, setReport] = useState<CatalogReport | null>(null)
  const [planned, setPlanned] = useState<{ entity: Entity; csv: string } | null>(null)
  const [confirm, setConfirm] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const canApply =
    planned !== null &&
    file !== null &&
    planned.csv === file.csv &&
    planned.entity === entity &&
    report?.dryRun === true &&
    report.changes.errors === 0 &&
    report.changes.created + report.changes.updated > 0

  async function onFile(f: File | undefined) {
    setReport(null)
    setPlanned(null)
    setProblem(null)
    action.setMessage(null)
    if (!f) {
      setFile(null)
      return
    }
    if (f.size > MAX_FILE_BYTES) {
      setFile(null)
      setProblem(
        `${f.name} is ${Math.round(f.size / 1024)} KiB; files above ${MAX_FILE_BYTES / 1024} KiB go through the API (POST /api/v1/catalog/<entity>/import).`,
      )
      return
    }
    setFile({ name: f.name, csv: await f.text() })
  }
  function dryRun() {
    if (!file) return
    const sent = { entity, csv: file.csv }
    action.run(
      () => importCatalogAction({ ...sent, dryRun: true }),
      () => null,
      (r) => {
        setReport(r)
        setPlanned(sent)
      },
    )
  }
  function applyIt() {
    if (!file) return
    setConfirm(false)
    action.run(
      () => importCatalogAction({ entity, csv: file.csv, dryRun: false }),
      (r) =>
        r.applied
          ? `Imported ${file.name}: ${r.changes.created} created, ${r.changes.updated} updated, ${r.changes.unchanged} unchanged.`
          : {
              tone: 'bad' as const,
              text: `Nothing was applied: ${r.changes.errors} row(s) need fixing (below); fix them and run the dry run again.`,
            },
      (r) => {
        setReport(r)
        setPlanned(null)
        if (r.applied) void qc.invalidateQueries({ queryKey: ['settings', 'catalog'] })
      },
    )
  }

  return (
    <div className="panel" data-testid="csv-import">
      <h2>Import a CSV</h2>
      <p className="muted" style={{ marginTop: 0 }}>
        First a dry run shows what each row would do; nothing changes until you apply. A file applies whole or not at
        all. Columns for {ENTITIES[entity].label.toLowerCase()}:{' '}
        <span className="mono">{ENTITIES[entity].columns}</span>.
      </p>
      <FeedbackLine message={action.message} testId="import-message" />
      <Problem text={problem} />
      <div className="form-grid">
        <SelectField
          caption="What the file holds"
          value={entity}
          options={ENTITY_OPTIONS}
          onValue={(v) => {
            setEntity(v as Entity)
            setReport(null)
            setPlanned(null)
          }}
        />
        <label>
          CSV file
          <input type="file" accept=".csv,text/csv" onChange={(e) => void onFile(e.target.files?.[0])} />
        </label>
        {prefill && file?.name === 'rows from a dead letter' && (
          <label style={{ gridColumn: '1 / -1' }}>
            Rows to import (complete the empty column, then run the dry run)
            <textarea
              aria-label="Rows to import"
              data-testid="prefilled-csv"
              rows={4}
              className="mono"
              value={file.csv}
              onChange={(e) => {
                setFile({ name: file.name, csv: e.target.value })
                setReport(null)
                setPlanned(null)
              }}
            />
          </label>
        )}
        <div className="toolbar" style={{ marginBottom: 0 }}>
          <button type="button" disabled={!file || action.pending} onClick={dryRun}>
            {action.pending && !confirm ? 'Working…' : 'Dry run'}
          </button>
          <button
            type="button"
            className="primary"
            disabled={!canApply || action.pending}
            onClick={() => setConfirm(true)}
            title={canApply ? undefined : 'Run a clean dry run of this file first'}
          >
            Apply
          </button>
        </div>
      </div>
      {confirm && report && file && (
        <ConfirmBar
          title={`Apply ${file.name}?`}
          confirmLabel="Apply"
          danger={false}
          pending={action.pending}
          onConfirm={applyIt}
          onCancel={() => setConfirm(false)}
        >
          {report.changes.created} {ENTITIES[entity].label.toLowerCase()} created and {report.changes.updated} updated,
          as the dry run showed. Each change is audited and the affected SKUs are recomputed.
        </ConfirmBar>
      )}
      {report && <ImportReport report={report} />}
    </div>
  )
}

/** An update lists from → to; a create lists only the values given (defaults would be noise). */
function describeChanges(action: string, changes: Record<string, { from: unknown; to: unknown }>): string {
  const entries = Object.entries(changes)
  if (action === 'create') {
    return entries
      .filter(([f, c]) => f !== 'isKit' && c.to !== null && c.to !== '' && !(Array.isArray(c.to) && c.to.length === 0))
      .map(([f, c]) => `${f} ${JSON.stringify(c.to)}`)
      .join(', ')
  }
  return entries.map(([f, c]) => `${f}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`).join('; ')
}

const actionTone = (action: string) =>
  action === 'error' ? 'bad' : action === 'create' ? 'ok' : action === 'update' ? 'warn' : ''
const REPORT_COLUMNS: Column<CatalogReport['items'][number]>[] = [
  { header: 'Line', className: 'num', cell: (i) => i.line ?? i.index + 1 },
  { header: 'Key', className: 'mono', cell: (i) => i.key },
  { header: 'Action', cell: (i) => <span className={`chip ${actionTone(i.action)}`}>{i.action}</span> },
  {
    header: 'Details',
    cell: (i) =>
      i.action === 'error' ? (
        <span style={{ color: 'var(--bad)' }}>{i.error}</span>
      ) : i.changes ? (
        <span className="muted">{describeChanges(i.action, i.changes)}</span>
      ) : (
        ''
      ),
  },
]

function ImportReport({ report }: { report: CatalogReport }) {
  const c = report.changes
  // Errors first: they are what to act on, and a long file would push them off the first page.
  const items = c.errors
    ? [...report.items].sort((a, b) => Number(b.action === 'error') - Number(a.action === 'error') || a.index - b.index)
    : report.items
  return (
    <div data-testid="import-report" style={{ marginTop: 12 }}>
      <p role="status">
        <strong>{report.dryRun ? 'Dry run (nothing changed):' : report.applied ? 'Applied:' : 'Not applied:'}</strong>{' '}
        <span className="chip ok">{c.created} create</span> <span className="chip warn">{c.updated} update</span>{' '}
        <span className="chip">{c.unchanged} unchanged</span>{' '}
        <span className={`chip ${c.errors ? 'bad' : ''}`}>
          {c.errors} error{c.errors === 1 ? '' : 's'}
        </span>
      </p>
      <DataTable columns={REPORT_COLUMNS} rows={items.slice(0, 500)} rowKey={(i) => String(i.index)} />
      {report.items.length > 500 && (
        <p className="muted">Showing the first 500 of {formatCount(report.items.length)} rows.</p>
      )}
    </div>
  )
}
