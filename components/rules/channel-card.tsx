'use client'
// One channel's place in the allocation waterfall, as a card whose fields wrap (priority, ring-fence,
// share, cap, zero-out threshold, eligible and excluded locations, publish priority, in-flight
// buffer). The numeric and location-list fields are described once in the tables below.
import type { ReactNode } from 'react'
import type { ChannelRules, RuleSet } from '@/server/rules/rules.schema'
import { FlagCell, NumberCell, RemoveButton, TextCell } from './editable-cells'

type NumberKey = 'priority' | 'ringFence' | 'cap' | 'zeroBelow' | 'publishPriority'
interface NumberField {
  name: string
  key: NumberKey
  min: number
  max?: number
  width: number
  placeholder?: string
  title?: string
  /** What a cleared input stores (the rule's "unset"). */
  cleared?: 0 | null
  /** What a viewer reads when the rule is unset. */
  unset?: ReactNode
}
const PRIORITY: NumberField = { name: 'Priority', key: 'priority', min: 0, max: 1000, width: 64, cleared: 0 }
const RING_FENCE: NumberField = { name: 'Ring-fence', key: 'ringFence', min: 0, width: 64 }
const CAP: NumberField = { name: 'Cap', key: 'cap', min: 0, width: 70, placeholder: 'none', cleared: null }
const ZERO_BELOW: NumberField = { name: 'Zero below', key: 'zeroBelow', min: 0, width: 60 }
const PUBLISH_PRIORITY: NumberField = {
  name: 'Publish priority',
  key: 'publishPriority',
  min: -1000,
  max: 1000,
  width: 64,
  placeholder: '0',
  title: 'Under congestion, lower numbers publish first (default 0)',
  unset: 0,
}

interface ListField {
  name: string
  label: string
  key: 'locations' | 'excludeLocations'
  placeholder: string
  size: number
  /** What a viewer reads when the list is empty. */
  unset: string
}
const LOCATIONS: ListField = {
  name: 'Locations (in order)',
  label: 'Locations',
  key: 'locations',
  placeholder: 'all',
  size: 16,
  unset: 'all',
}
const EXCLUDE: ListField = {
  name: 'Exclude locations',
  label: 'Exclude locations',
  key: 'excludeLocations',
  placeholder: 'none',
  size: 10,
  unset: '—',
}

const list = (v: string): string[] | undefined => {
  const xs = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  return xs.length ? xs : undefined
}

export function ChannelCard({
  code,
  rules: c,
  canEdit,
  edit,
}: {
  code: string
  rules: ChannelRules
  canEdit: boolean
  edit: (fn: (r: RuleSet) => void) => void
}) {
  const set = (fn: (c: ChannelRules) => void) => edit((r) => fn(r.channels[code]))
  const label = (what: string) => `${what} for ${code}`
  const numberField = (f: NumberField) => (
    <RuleField name={f.name}>
      <NumberCell
        canEdit={canEdit}
        label={label(f.name)}
        min={f.min}
        max={f.max}
        title={f.title}
        placeholder={f.placeholder}
        value={c[f.key]}
        unset={f.unset}
        onChange={(v) =>
          set((x) => {
            ;(x as Record<NumberKey, number | null | undefined>)[f.key] = v ?? f.cleared
          })
        }
        width={f.width}
      />
    </RuleField>
  )
  const listField = (f: ListField) => {
    const text = (c[f.key] ?? []).join(', ')
    return (
      <RuleField name={f.name}>
        <TextCell
          canEdit={canEdit}
          label={label(f.label)}
          placeholder={f.placeholder}
          value={text}
          shown={text || f.unset}
          onChange={(v) =>
            set((x) => {
              x[f.key] = list(v)
            })
          }
          size={f.size}
        />
      </RuleField>
    )
  }
  return (
    <div className="rule-card" data-testid={`channel-rule-${code}`}>
      <div className="rule-card-head">
        <strong>{code}</strong>
        {canEdit && (
          <RemoveButton
            label={`Remove rules for ${code}`}
            onRemove={() =>
              edit((r) => {
                delete r.channels[code]
              })
            }
          />
        )}
      </div>
      <div className="rule-fields">
        {numberField(PRIORITY)}
        {numberField(RING_FENCE)}
        <RuleField name="Share">{canEdit ? <ShareInput rules={c} label={label} set={set} /> : shareText(c)}</RuleField>
        {numberField(CAP)}
        {numberField(ZERO_BELOW)}
        {listField(LOCATIONS)}
        {listField(EXCLUDE)}
        {numberField(PUBLISH_PRIORITY)}
        <RuleField name="In-flight buffer">
          <FlagCell
            canEdit={canEdit}
            label={label('In-flight buffer')}
            checked={!!c.inFlightBuffer}
            yes="on"
            no="off"
            onChange={(on) =>
              set((x) => {
                x.inFlightBuffer = on || undefined
              })
            }
          />
        </RuleField>
      </div>
    </div>
  )
}

/** shared pool / percent of what remains / fixed units, with the percent or the units. */
function ShareInput({
  rules: c,
  label,
  set,
}: {
  rules: ChannelRules
  label: (what: string) => string
  set: (fn: (c: ChannelRules) => void) => void
}) {
  return (
    <span style={{ display: 'inline-flex', gap: 4, flexWrap: 'wrap' }}>
      <select
        aria-label={label('Share')}
        value={c.share.type}
        onChange={(e) =>
          set((x) => {
            const t = e.target.value
            x.share =
              t === 'percent'
                ? { type: 'percent', percent: 50 }
                : t === 'fixed'
                  ? { type: 'fixed', units: 10 }
                  : { type: 'shared' }
          })
        }
      >
        <option value="shared">shared pool</option>
        <option value="percent">percent of what remains</option>
        <option value="fixed">fixed units</option>
      </select>
      {c.share.type !== 'shared' && (
        <NumberCell
          canEdit
          label={label(c.share.type === 'percent' ? 'Share percent' : 'Share units')}
          min={0}
          max={c.share.type === 'percent' ? 100 : undefined}
          value={c.share.type === 'percent' ? c.share.percent : c.share.units}
          onChange={(v) =>
            set((x) => {
              x.share =
                c.share.type === 'percent' ? { type: 'percent', percent: v ?? 0 } : { type: 'fixed', units: v ?? 0 }
            })
          }
          width={c.share.type === 'percent' ? 60 : 70}
        />
      )}
    </span>
  )
}

function RuleField({ name, children }: { name: string; children: ReactNode }) {
  return (
    <div className="rule-field">
      <span className="rule-field-name">{name}</span>
      <span>{children}</span>
    </div>
  )
}

function shareText(c: ChannelRules): string {
  return c.share.type === 'percent'
    ? `${c.share.percent}% of what remains`
    : c.share.type === 'fixed'
      ? `${c.share.units} units fixed`
      : 'shared pool'
}
