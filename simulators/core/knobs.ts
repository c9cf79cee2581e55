// The fault and pacing knobs every marketplace simulator shares. They are set at construction and
// changed at runtime through `POST /_sim/config`, so demos and tests can break a channel on purpose
// (outage, 5xx, slow responses, lost updates) and watch Stocktower cope.
import { z } from 'zod'

export type SimulatorPlanName = 'demo' | 'realistic'

export interface CommonKnobs {
  /** Added to every marketplace API response (not to `/_sim/*`). */
  latencyMs: number
  /** Fraction (0..1) of API requests answered with a 5xx before doing anything. */
  errorRate: number
  /** true: every API request gets 503; a number: 503 until that epoch-ms time; false: up. */
  outage: boolean | number
  /** Fraction (0..1) of asynchronously accepted updates that are silently never applied. */
  acceptedNeverAppliedRate: number
  /** How long an accepted update takes to show in read-back (channels that apply asynchronously). */
  applyDelayMs: number
  /** Uniform random extra delay (0..applyJitterMs) added to applyDelayMs. */
  applyJitterMs: number
  /** Whether writing to an unknown SKU creates the listing (else it is refused as unknown). */
  autoCreateListings: boolean
}

export interface SimulatorKnobs<Throttle> extends CommonKnobs {
  /** The channel's rate plan; null turns throttling off. */
  throttle: Throttle | null
}

/** No injected faults, updates visible at once, unknown SKUs created: a plan spreads it and states what differs. */
export const NO_FAULT_KNOBS = {
  errorRate: 0,
  outage: false,
  acceptedNeverAppliedRate: 0,
  applyDelayMs: 0,
  applyJitterMs: 0,
  autoCreateListings: true,
} as const satisfies Omit<CommonKnobs, 'latencyMs'>

/** Accepts `true`/`false`, an epoch-ms number or an ISO date-time ("down until"), stored as boolean | epoch ms. */
const outageSchema = z
  .union([z.boolean(), z.number().int().nonnegative(), z.iso.datetime({ offset: true })])
  .transform((value) => (typeof value === 'string' ? Date.parse(value) : value))

export const commonKnobsPatchSchema = z.object({
  latencyMs: z.number().int().min(0).max(120_000).optional(),
  errorRate: z.number().min(0).max(1).optional(),
  outage: outageSchema.optional(),
  acceptedNeverAppliedRate: z.number().min(0).max(1).optional(),
  applyDelayMs: z.number().int().min(0).max(86_400_000).optional(),
  applyJitterMs: z.number().int().min(0).max(86_400_000).optional(),
  autoCreateListings: z.boolean().optional(),
})

export type KnobsPatch<Throttle> = Partial<Omit<CommonKnobs, 'outage'>> & {
  /** Resets every knob to the named plan before applying the rest of the patch. */
  plan?: SimulatorPlanName
  outage?: boolean | number | string
  throttle?: Partial<Throttle> | null
}

export const KNOB_NAMES = [
  'plan',
  'latencyMs',
  'errorRate',
  'outage',
  'acceptedNeverAppliedRate',
  'applyDelayMs',
  'applyJitterMs',
  'autoCreateListings',
  'throttle',
] as const

/** Builds the strict runtime schema for one simulator's knobs patch (unknown keys are a 400, so typos show). */
export function knobsPatchSchema<Throttle extends Record<string, number>>(
  throttleSchema: z.ZodType<Partial<Throttle>>,
) {
  return commonKnobsPatchSchema
    .extend({
      plan: z.enum(['demo', 'realistic']).optional(),
      throttle: throttleSchema.nullable().optional(),
    })
    .strict()
}

/**
 * The patch schema of a throttle plan whose every field is a positive number (a rate or a burst): the
 * fields the plans themselves set, each optional, nothing else.
 */
export function positiveThrottleSchema<Throttle extends Record<string, number>>(
  plans: Record<SimulatorPlanName, SimulatorKnobs<Throttle>>,
): z.ZodType<Partial<Throttle>> {
  const fields = new Set(Object.values(plans).flatMap((plan) => Object.keys(plan.throttle ?? {})))
  const shape = Object.fromEntries([...fields].map((field) => [field, z.number().positive()]))
  return z.object(shape).partial().strict() as unknown as z.ZodType<Partial<Throttle>>
}

export function isOutageActive(outage: boolean | number, nowMs: number): boolean {
  return typeof outage === 'number' ? nowMs < outage : outage
}

/** Picks the knob keys out of a simulator's construction options. */
export function knobsFromOptions(options: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {}
  for (const name of KNOB_NAMES) if (options[name] !== undefined) patch[name] = options[name]
  return patch
}
