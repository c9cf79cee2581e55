// What each channel may sell of one SKU: the steps of README "Rules" as a pure function over plain
// data. Every step is recorded so the explanation always arrives at the result.
import {
  windowInForce,
  type AllocationWindow,
  type ChannelRules,
  type DegradedPolicy,
  type RuleSet,
  type SafetyStockRule,
} from '../rules/rules.schema'

export interface LocationStock {
  location: string
  sellable: number
}

/** Incoming units at a location, for sell-ahead. */
export interface InboundStock {
  location: string
  quantity: number
  /** When the units are expected; absent: already on their way (in transit), counted within any horizon. */
  expectedAt?: string
}

export interface HoldbackInput {
  id: string
  mode: 'suppress' | 'units' | 'percent'
  value: number
  reason: string
}

export interface SkuFacts {
  sku: string
  category: string
  locations: LocationStock[]
  /** Average daily units sold per channel over the rules' window (for days-of-cover safety stock). */
  dailySales?: Record<string, number>
  /** Measured lag of the channel's orders reaching us (order placed to received), in seconds. */
  orderLagSeconds?: Record<string, number>
  /** Overrides the estimate below (units the channel sold that have not reached us yet). */
  inFlightUnits?: Record<string, number>
  /** Active holdbacks per channel. */
  holdbacks?: Record<string, HoldbackInput[]>
  /** The moment decided for: allocation windows and the sell-ahead horizon are read against it (default: now). */
  at?: Date
  /** Incoming stock per location (sell-ahead counts it, up to each channel's cap and horizon). */
  inbound?: InboundStock[]
  /** What is degraded now: stale feeds (at some locations, or everywhere) and blind channels. */
  degraded?: DegradedCondition[]
}

export interface DegradedCondition {
  kind: 'feed' | 'channel'
  /** Said in the explanation, e.g. `feed erp-demo at DC-EAST silent since 2026-12-02T10:00:00.000Z`. */
  what: string
  /** A stale feed's locations (absent: every location). */
  locations?: string[]
  /** A blind channel (its breaker stays open): the others protect themselves for its unseen sales. */
  channel?: string
}

export interface Step {
  step: string
  quantity: number
  detail: string
}

export interface ChannelDecision {
  channel: string
  quantity: number
  steps: Step[]
  holdbackIds: string[]
}

export function eligibleLocations(rules: ChannelRules | undefined, all: string[]): string[] {
  const include = rules?.locations && rules.locations.length > 0 ? rules.locations.filter((l) => all.includes(l)) : all
  const exclude = new Set(rules?.excludeLocations ?? [])
  return include.filter((l) => !exclude.has(l))
}

/** Most specific rule wins: SKU+channel, SKU, category+channel, category, channel, default. */
export function resolveSafetyStock(
  ruleSet: RuleSet,
  sku: string,
  category: string,
  channel: string,
): { rule: SafetyStockRule | RuleSet['defaults']['safetyStock']; level: string } {
  const list = ruleSet.safetyStock ?? []
  const find = (pred: (r: SafetyStockRule) => boolean) => list.find(pred)
  const candidates: Array<[string, SafetyStockRule | undefined]> = [
    ['SKU + channel', find((r) => r.sku === sku && r.channel === channel)],
    ['SKU', find((r) => r.sku === sku && !r.channel)],
    ['category + channel', find((r) => !r.sku && r.category === category && r.channel === channel)],
    ['category', find((r) => !r.sku && r.category === category && !r.channel)],
    ['channel', find((r) => !r.sku && !r.category && r.channel === channel)],
  ]
  for (const [level, rule] of candidates) if (rule) return { rule, level }
  return { rule: ruleSet.defaults.safetyStock, level: 'default' }
}

function safetyUnits(rule: { units?: number; days?: number }, dailySales: number): { units: number; how: string } {
  if (rule.days !== undefined) {
    const u = Math.ceil(dailySales * rule.days)
    const fromDays = { units: u, how: `${rule.days} days of cover x ${dailySales.toFixed(2)} units/day = ${u}` }
    if (rule.units !== undefined && rule.units > u)
      return { units: rule.units, how: `${rule.units} units (more than ${fromDays.how})` }
    return fromDays
  }
  return { units: rule.units ?? 0, how: `${rule.units ?? 0} units` }
}

/** Orders the channel took that have not reached us: sales rate x the channel's order lag, rounded up. */
export function inFlightEstimate(facts: SkuFacts, channel: string): { units: number; how: string } {
  const override = facts.inFlightUnits?.[channel]
  if (override !== undefined) return { units: Math.max(0, Math.ceil(override)), how: 'given' }
  const perDay = facts.dailySales?.[channel] ?? 0
  const lag = Math.max(0, facts.orderLagSeconds?.[channel] ?? 0)
  const units = Math.max(0, Math.ceil((perDay * lag) / 86_400))
  return { units, how: `${perDay.toFixed(2)} units/day x ${Math.round(lag)} s order lag` }
}

/** Channels in waterfall order: priority, then code for a stable tie-break. */
export function waterfallOrder(ruleSet: RuleSet): string[] {
  return Object.entries(ruleSet.channels)
    .sort((a, b) => a[1].priority - b[1].priority || (a[0] < b[0] ? -1 : 1))
    .map(([c]) => c)
}

const DAY_MS = 86_400_000
const shareText = (s: ChannelRules['share']) =>
  s.type === 'shared' ? 'shared' : s.type === 'percent' ? `${s.percent}%` : `fixed ${s.units}`
const windowText = (w: AllocationWindow) =>
  `"${w.name}" (${w.from ? `from ${w.from}` : 'since always'} ${w.until ? `until ${w.until}` : 'with no end'})`

export interface WindowState {
  inForce?: AllocationWindow
  ended: AllocationWindow[]
  upcoming: AllocationWindow[]
}

/** The allocation windows of a channel that concern this SKU, split by where `at` falls. */
export function allocationWindows(
  rules: ChannelRules | undefined,
  sku: string,
  category: string,
  at: Date,
): WindowState {
  const t = at.getTime()
  const mine = (rules?.allocations ?? []).filter(
    (a) => (!a.sku || a.sku === sku) && (!a.category || a.category === category),
  )
  return {
    inForce: mine.find((a) => windowInForce(a, t)),
    ended: mine.filter((a) => a.until && Date.parse(a.until) <= t),
    upcoming: mine.filter((a) => a.from && Date.parse(a.from) > t),
  }
}

/**
 * The rule set as it stands at `at` for one SKU: each channel's ring-fence and share replaced by
 * those of the allocation window in force (the first one listed), if any.
 */
export function rulesInForce(
  ruleSet: RuleSet,
  sku: string,
  category: string,
  at: Date,
): { rules: RuleSet; windows: Record<string, WindowState> } {
  const windows: Record<string, WindowState> = {}
  let changed = false
  const channels: RuleSet['channels'] = {}
  for (const [code, c] of Object.entries(ruleSet.channels)) {
    if (!c.allocations?.length) {
      channels[code] = c
      continue
    }
    const w = allocationWindows(c, sku, category, at)
    windows[code] = w
    if (!w.inForce) {
      channels[code] = c
      continue
    }
    changed = true
    channels[code] = { ...c, ringFence: w.inForce.ringFence ?? c.ringFence, share: w.inForce.share ?? c.share }
  }
  return { rules: changed ? { ...ruleSet, channels } : ruleSet, windows }
}

/** What the allocation-window step says for one channel (undefined: the channel has none for this SKU). */
function windowStepDetail(base: ChannelRules | undefined, w: WindowState | undefined): string | undefined {
  if (!w || (!w.inForce && w.ended.length === 0 && w.upcoming.length === 0)) return undefined
  const parts: string[] = []
  if (w.inForce) {
    const what = [
      w.inForce.ringFence !== undefined ? `ring-fence ${w.inForce.ringFence} (own ${base?.ringFence ?? 0})` : '',
      w.inForce.share
        ? `share ${shareText(w.inForce.share)} (own ${shareText(base?.share ?? { type: 'shared' })})`
        : '',
    ]
      .filter(Boolean)
      .join(', ')
    parts.push(`allocation ${windowText(w.inForce)} in force: ${what}`)
  } else {
    parts.push(
      `no allocation window in force: own ring-fence ${base?.ringFence ?? 0}, share ${shareText(base?.share ?? { type: 'shared' })}`,
    )
  }
  const last = w.ended.at(-1)
  if (last && last !== w.inForce) parts.push(`"${last.name}" released at ${last.until}`)
  const next = w.upcoming.filter((a) => a !== w.inForce)[0]
  if (next) parts.push(`"${next.name}" starts at ${next.from}`)
  return parts.join('; ')
}

/** Incoming units a sell-ahead channel may count: within the horizon, at its eligible locations, at most the cap. */
export function sellAheadUnits(
  rules: ChannelRules | undefined,
  facts: SkuFacts,
  eligible: string[],
  at: Date,
): { units: number; incoming: number; how: string } | undefined {
  const sa = rules?.sellAhead
  if (!sa) return undefined
  const horizonEnd = at.getTime() + sa.horizonDays * DAY_MS
  let incoming = 0
  let later = 0
  for (const i of facts.inbound ?? []) {
    if (!eligible.includes(i.location) || i.quantity <= 0) continue
    if (i.expectedAt && Date.parse(i.expectedAt) > horizonEnd) later += i.quantity
    else incoming += i.quantity
  }
  const units = Math.min(sa.cap, incoming)
  return {
    units,
    incoming,
    how: `plus ${units} incoming units sold ahead (${incoming} in transit or expected within ${sa.horizonDays} days${later ? `, ${later} expected later not counted` : ''}; cap ${sa.cap})`,
  }
}

/** The conditions that put a channel in degraded mode: stale feeds of its eligible locations, other blind channels. */
export function degradedFor(facts: SkuFacts, channel: string, eligible: string[]): DegradedCondition[] {
  return (facts.degraded ?? []).filter((d) =>
    d.kind === 'feed' ? !d.locations || d.locations.some((l) => eligible.includes(l)) : d.channel !== channel,
  )
}

/** Pure: a degraded policy applied to a quantity. Never raises it. */
export function applyDegradedPolicy(
  policy: DegradedPolicy | undefined,
  q: number,
  dailySales: number,
): { quantity: number; how: string } {
  const p = policy ?? { mode: 'keep' as const }
  if (p.mode === 'keep')
    return { quantity: q, how: `policy keep${policy ? '' : ' (no degraded policy for this channel)'}` }
  if (p.mode === 'reduce') {
    const r = Math.max(0, q - Math.ceil((q * p.percent) / 100))
    return { quantity: r, how: `policy reduce by ${p.percent}%: ${q} → ${r}` }
  }
  if (p.mode === 'cap')
    return { quantity: Math.min(q, p.units), how: `policy cap at ${p.units}: ${q} → ${Math.min(q, p.units)}` }
  if (dailySales <= 0)
    return { quantity: q, how: `policy zero below ${p.days} days of cover: no sales, cover unlimited, ${q} kept` }
  const cover = q / dailySales
  return cover < p.days
    ? {
        quantity: 0,
        how: `policy zero below ${p.days} days of cover: ${q} units / ${dailySales.toFixed(2)} per day = ${cover.toFixed(1)} days → 0`,
      }
    : { quantity: q, how: `policy zero below ${p.days} days of cover: ${cover.toFixed(1)} days, ${q} kept` }
}

/**
 * Decides every channel's quantity for one (non-kit) SKU.
 * Waterfall semantics: a ring-fence protects units for its channel from lower-priority channels,
 * taken from the pool in priority order (a ring-fence takes only what is left). What remains after
 * every ring-fence goes first to fixed shares (priority order, each only what is left), then each
 * percentage share takes its percent of the rest, so together with the ring-fences they never
 * exceed the pool; a shared-pool channel may sell everything not ring-fenced by a higher-priority
 * channel.
 */
export function computeSkuAvailability(baseRules: RuleSet, facts: SkuFacts, channels: string[]): ChannelDecision[] {
  const at = facts.at ?? new Date()
  // Allocation windows in force at `at` replace their channels' ring-fence and share everywhere
  // below (a higher-priority campaign fence comes off lower channels only while it is in force).
  const { rules: ruleSet, windows } = rulesInForce(baseRules, facts.sku, facts.category, at)
  const order = waterfallOrder(ruleSet).filter((c) => channels.includes(c))
  // Channels listed but without rules come last, sharing the pool with no extras.
  for (const c of channels) if (!order.includes(c)) order.push(c)
  const w: Waterfall = {
    baseRules,
    ruleSet,
    windows,
    facts,
    order,
    allLocations: facts.locations.map((l) => l.location),
  }

  // Pools and safety stock first: the waterfall runs on each channel's own pool.
  const prep = new Map(order.map((channel) => [channel, channelPool(w, channel, at)]))
  return order.map((channel) => {
    const rules = ruleSet.channels[channel]
    const { afterSafety, steps } = prep.get(channel)!
    const fences = ringFences(w, channel, afterSafety)
    let q = afterSafety - fences.higherFenced
    steps.push({
      step: 'waterfall',
      quantity: q,
      detail: fences.fenced.length
        ? `minus ring-fenced for higher-priority channels: ${fences.fenced.join(', ')}`
        : 'no higher-priority ring-fences',
    })
    const inFlight = inFlightEstimate(facts, channel)
    const buffer = rules?.inFlightBuffer ? inFlight.units : 0
    q = Math.max(0, q - buffer)
    steps.push({
      step: 'in_flight_buffer',
      quantity: q,
      detail: rules?.inFlightBuffer
        ? `minus ${buffer} units the channel has probably sold but we have not received yet (${inFlight.how})`
        : 'in-flight buffer off for this channel',
    })
    q = applyShare(w, channel, q, afterSafety, fences, steps)
    const holdbackIds: string[] = []
    q = applyHoldbacks(facts.holdbacks?.[channel] ?? [], q, steps, holdbackIds)
    q = applyLimits(w, channel, q, steps)
    return { channel, quantity: q, steps, holdbackIds }
  })
}

/** What one SKU's decision for every channel reads: the rules in force, the facts, the priority order. */
interface Waterfall {
  baseRules: RuleSet
  ruleSet: RuleSet
  windows: ReturnType<typeof rulesInForce>['windows']
  facts: SkuFacts
  order: string[]
  allLocations: string[]
}

/** A channel's own pool (sellable at its eligible locations), minus safety stock, plus sell-ahead. */
function channelPool(w: Waterfall, channel: string, at: Date): { pool: number; afterSafety: number; steps: Step[] } {
  const { ruleSet, facts } = w
  const rules = ruleSet.channels[channel]
  const steps: Step[] = []
  const eligible = eligibleLocations(rules, w.allLocations)
  const pool = facts.locations
    .filter((l) => eligible.includes(l.location))
    .reduce((s, l) => s + Math.max(0, l.sellable), 0)
  const parts = facts.locations
    .filter((l) => eligible.includes(l.location))
    .map((l) => `${l.location} ${Math.max(0, l.sellable)}`)
  steps.push({
    step: 'pool',
    quantity: pool,
    detail: eligible.length ? `sellable at eligible locations: ${parts.join(' + ')}` : 'no eligible locations',
  })
  const { rule, level } = resolveSafetyStock(ruleSet, facts.sku, facts.category, channel)
  const ss = safetyUnits(rule, facts.dailySales?.[channel] ?? 0)
  let afterSafety = Math.max(0, pool - ss.units)
  steps.push({
    step: 'safety_stock',
    quantity: afterSafety,
    detail: `minus safety stock ${ss.units} (${level} rule: ${ss.how})`,
  })
  // Sell-ahead comes after safety stock: safety stock protects units on the shelf, not incoming ones.
  const ahead = sellAheadUnits(rules, facts, eligible, at)
  if (ahead) {
    afterSafety += ahead.units
    steps.push({ step: 'sell_ahead', quantity: afterSafety, detail: ahead.how })
  }
  const windowDetail = windowStepDetail(w.baseRules.channels[channel], w.windows[channel])
  if (windowDetail) steps.push({ step: 'allocation_window', quantity: afterSafety, detail: windowDetail })
  return { pool, afterSafety, steps }
}

interface Fences {
  higherFenced: number
  ownFence: number
  allFenced: number
  fenced: string[]
}

/** Ring-fences in priority order, each taking only what is left of this channel's pool. */
function ringFences(w: Waterfall, channel: string, afterSafety: number): Fences {
  const myRank = w.order.indexOf(channel)
  let unfenced = afterSafety
  const f: Fences = { higherFenced: 0, ownFence: 0, allFenced: 0, fenced: [] }
  w.order.forEach((other, rank) => {
    const taken = Math.min(w.ruleSet.channels[other]?.ringFence ?? 0, unfenced)
    unfenced -= taken
    f.allFenced += taken
    if (other === channel) f.ownFence = taken
    else if (rank < myRank && taken > 0) {
      f.higherFenced += taken
      const win = w.windows[other]?.inForce
      f.fenced.push(
        `${other} ${taken}${win?.ringFence !== undefined ? ` (allocation "${win.name}"${win.until ? ` until ${win.until}` : ''})` : ''}`,
      )
    }
  })
  return f
}

/** The channel's share: a shared pool sells all that remains; fixed and percentage shares take their part. */
function applyShare(
  w: Waterfall,
  channel: string,
  q: number,
  afterSafety: number,
  fences: Fences,
  steps: Step[],
): number {
  const share = w.ruleSet.channels[channel]?.share ?? { type: 'shared' as const }
  if (share.type === 'shared') {
    steps.push({ step: 'share', quantity: q, detail: 'shared pool: may sell all of what remains' })
    return q
  }
  // What remains after every ring-fence: fixed shares are served first, in priority order,
  // then each percentage takes its part of what is left. Both steps only grow with the pool,
  // so less stock (or more safety stock) never gives any channel more.
  const remainder = Math.max(0, afterSafety - fences.allFenced)
  let left = remainder
  let mine = 0
  for (const other of w.order) {
    const s = w.ruleSet.channels[other]?.share
    if (s?.type !== 'fixed') continue
    const got = Math.min(s.units, left)
    left -= got
    if (other === channel) mine = got
  }
  const fixedTotal = remainder - left
  if (share.type === 'percent') mine = Math.floor((left * share.percent) / 100)
  const before = q
  const { ownFence } = fences
  q = Math.min(q, ownFence + mine)
  const what =
    share.type === 'percent'
      ? `${share.percent}% of ${left} remaining after ring-fences${fixedTotal ? ` and fixed shares (${fixedTotal})` : ''} = ${mine}`
      : `fixed ${share.units} units: ${mine} of ${remainder} remaining after ring-fences`
  steps.push({
    step: 'share',
    quantity: q,
    detail: `${what}${ownFence ? ` plus own ring-fence ${ownFence}` : ''} (from ${before})`,
  })
  return q
}

/** What is left of `q` after one holdback: suppressed, a number of units, or a percentage (rounded up). */
function heldBack(h: HoldbackInput, q: number): number {
  if (h.mode === 'suppress') return 0
  if (h.mode === 'units') return Math.max(0, q - h.value)
  return Math.max(0, q - Math.ceil((q * h.value) / 100))
}

function applyHoldbacks(holdbacks: HoldbackInput[], q: number, steps: Step[], holdbackIds: string[]): number {
  for (const h of holdbacks) {
    holdbackIds.push(h.id)
    const before = q
    q = heldBack(h, q)
    const what =
      h.mode === 'suppress' ? 'suppressed' : h.mode === 'units' ? `hold back ${h.value} units` : `hold back ${h.value}%`
    steps.push({ step: 'holdback', quantity: q, detail: `${what} (${h.reason}) from ${before}` })
  }
  return q
}

/** Degraded mode, cap, zero-out threshold, then never negative and rounded down. */
function applyLimits(w: Waterfall, channel: string, q: number, steps: Step[]): number {
  const rules = w.ruleSet.channels[channel]
  // Degraded mode: decided while a feed is stale or a channel is blind, and saying so.
  const degraded = degradedFor(w.facts, channel, eligibleLocations(rules, w.allLocations))
  if (degraded.length > 0) {
    const d = applyDegradedPolicy(rules?.degraded, q, w.facts.dailySales?.[channel] ?? 0)
    q = Math.min(q, d.quantity)
    steps.push({
      step: 'degraded',
      quantity: q,
      detail: `degraded mode (${degraded.map((x) => x.what).join('; ')}): ${d.how}`,
    })
  }
  return applyCapAndFloor(rules, q, steps)
}

/** The channel's cap and zero-out threshold, then never negative and rounded down: the last steps of every decision. */
function applyCapAndFloor(rules: ChannelRules | undefined, q: number, steps: Step[]): number {
  if (rules?.cap !== undefined && rules.cap !== null && q > rules.cap) {
    steps.push({ step: 'cap', quantity: rules.cap, detail: `capped at ${rules.cap} (from ${q})` })
    q = rules.cap
  }
  if (rules?.zeroBelow && q > 0 && q < rules.zeroBelow) {
    steps.push({ step: 'zero_out', quantity: 0, detail: `${q} is below the zero-out threshold ${rules.zeroBelow}` })
    q = 0
  }
  q = Math.max(0, Math.floor(q))
  steps.push({ step: 'result', quantity: q, detail: 'never negative, rounded down' })
  return q
}

export interface KitComponentFacts {
  sku: string
  quantityPerKit: number
  decisions: ChannelDecision[]
}

/** available(kit) = min over components of floor(available(component) / qty per kit), per channel. */
export function computeKitAvailability(
  ruleSet: RuleSet,
  kit: { sku: string; holdbacks?: Record<string, HoldbackInput[]> },
  components: KitComponentFacts[],
  channels: string[],
): ChannelDecision[] {
  return channels.map((channel) => {
    const steps: Step[] = []
    let q = components.length === 0 ? 0 : Number.POSITIVE_INFINITY
    if (components.length === 0) steps.push({ step: 'kit', quantity: 0, detail: 'kit has no components' })
    for (const c of components) {
      const d = c.decisions.find((x) => x.channel === channel)
      const avail = d?.quantity ?? 0
      const fits = Math.floor(avail / c.quantityPerKit)
      steps.push({
        step: 'kit_component',
        quantity: fits,
        detail: d
          ? `${c.sku}: ${avail} available / ${c.quantityPerKit} per kit = ${fits}`
          : `${c.sku}: not available on ${channel}`,
      })
      q = Math.min(q, fits)
    }
    if (!Number.isFinite(q)) q = 0
    steps.push({ step: 'kit', quantity: q, detail: 'the scarcest component decides' })
    // A kit decided from components decided in degraded mode says so too.
    const degradedParts = components.flatMap(
      (c) =>
        c.decisions
          .find((x) => x.channel === channel)
          ?.steps.filter((st) => st.step === 'degraded')
          .map((st) => `${c.sku}: ${st.detail}`) ?? [],
    )
    if (degradedParts.length > 0)
      steps.push({
        step: 'degraded',
        quantity: q,
        detail: `components decided in degraded mode (${degradedParts.join('; ')})`,
      })
    const holdbackIds: string[] = []
    for (const h of kit.holdbacks?.[channel] ?? []) {
      holdbackIds.push(h.id)
      const before = q
      q = heldBack(h, q)
      steps.push({ step: 'holdback', quantity: q, detail: `${h.mode} ${h.value} (${h.reason}) from ${before}` })
    }
    q = applyCapAndFloor(ruleSet.channels[channel], q, steps)
    return { channel, quantity: q, steps, holdbackIds }
  })
}
