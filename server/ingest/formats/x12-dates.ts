// X12 dates and times (DTM, BIA04/BIA05) to ISO-8601 instants with an offset. X12 times are UTC
// unless a time code (DTM04) says otherwise.

export type Dated =
  { ok: true; iso: string; segmentIndex: number } | { ok: false; segmentIndex: number; reason: string }

/** DTM: DTM02 date (+ DTM03 time, DTM04 time code), or DTM05 format D8/DT with DTM06. `el(n)` is DTMnn. */
export function parseDtm(el: (n: number) => string, segmentIndex: number): Dated {
  const date = el(2)
  if (date) return toIso(date, el(3), el(4), segmentIndex)
  const format = el(5)
  const period = el(6)
  if (format === 'D8' && /^\d{8}$/.test(period)) return toIso(period, '', el(4), segmentIndex)
  if (format === 'DT' && /^\d{12}(\d{2})?$/.test(period))
    return toIso(period.slice(0, 8), period.slice(8), el(4), segmentIndex)
  if (format || period)
    return {
      ok: false,
      segmentIndex,
      reason: `DTM05 format ${JSON.stringify(format)} with DTM06 ${JSON.stringify(period)} is not a single date; use DTM02 (CCYYMMDD) or DTM05 D8/DT.`,
    }
  return { ok: false, segmentIndex, reason: 'DTM has no date; send DTM02 as CCYYMMDD.' }
}
// DTM04 time codes with a fixed offset from UTC, in minutes. 01-12 are ISO P01-P12, 13-24 are
// M12-M01 ("+" is restricted in X12, hence P/M and these numbers).
const FIXED_OFFSETS: Record<string, number> = {
  UT: 0,
  GM: 0,
  ED: -240,
  ES: -300,
  CD: -300,
  CS: -360,
  MD: -360,
  MS: -420,
  PD: -420,
  PS: -480,
  ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [String(i + 1).padStart(2, '0'), (i + 1) * 60])),
  ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [String(i + 13), -(12 - i) * 60])),
}
// ET/CT/MT/PT follow daylight saving, so the offset depends on the date.
const ZONES: Record<string, string> = {
  ET: 'America/New_York',
  CT: 'America/Chicago',
  MT: 'America/Denver',
  PT: 'America/Los_Angeles',
}

/**
 * X12 date (CCYYMMDD, or YYMMDD in old versions) and time (HHMM[SS[D[D]]]) to an ISO-8601 instant
 * with an offset. Without a time code the time is UTC.
 */
export function toIso(date: string, time: string, timeCode: string, segmentIndex: number): Dated {
  const bad = (reason: string): Dated => ({ ok: false, segmentIndex, reason })
  let y: number, mo: number, d: number
  if (/^\d{8}$/.test(date)) [y, mo, d] = [+date.slice(0, 4), +date.slice(4, 6), +date.slice(6, 8)]
  else if (/^\d{6}$/.test(date)) [y, mo, d] = [2000 + +date.slice(0, 2), +date.slice(2, 4), +date.slice(4, 6)]
  else return bad(`date ${JSON.stringify(date)} is not CCYYMMDD.`)
  let h = 0,
    mi = 0,
    s = 0,
    cs = 0
  if (time) {
    if (!/^\d{4}(\d{2}(\d{1,2})?)?$/.test(time))
      return bad(`time ${JSON.stringify(time)} is not HHMM, HHMMSS or HHMMSSDD.`)
    h = +time.slice(0, 2)
    mi = +time.slice(2, 4)
    s = time.length >= 6 ? +time.slice(4, 6) : 0
    cs = time.length > 6 ? +time.slice(6).padEnd(2, '0') : 0
  }
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, cs * 10)
  const check = new Date(wall)
  if (
    check.getUTCFullYear() !== y ||
    check.getUTCMonth() !== mo - 1 ||
    check.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59
  ) {
    return bad(`${date}${time ? ` ${time}` : ''} is not a real date and time.`)
  }
  let offset: number
  const code = timeCode.trim()
  if (!code) offset = 0
  else if (Object.hasOwn(FIXED_OFFSETS, code)) offset = FIXED_OFFSETS[code]
  else if (Object.hasOwn(ZONES, code)) offset = zoneOffsetAt(ZONES[code], wall)
  else if (code === 'LT')
    return bad(
      'time code LT (local time) gives no offset from UTC; send UT or an offset code (01-24, ES, ED, CS, ...).',
    )
  else
    return bad(`time code ${JSON.stringify(code)} is not a known X12 time code (UT, GM, ET, ES, ED, CT, ..., 01-24).`)
  const instant = wall - offset * 60_000
  return { ok: true, segmentIndex, iso: formatIso(instant, offset) }
}

/** Offset (minutes) of an IANA zone for a wall-clock time given as if it were UTC. */
function zoneOffsetAt(zone: string, wallAsUtc: number): number {
  const offsetAtInstant = (instant: number): number => {
    const name =
      new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
        .formatToParts(new Date(instant))
        .find((p) => p.type === 'timeZoneName')?.value ?? 'GMT'
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name)
    return m ? (m[1] === '-' ? -1 : 1) * (+m[2] * 60 + +m[3]) : 0
  }
  // Two passes settle the offset for wall times near a daylight-saving change.
  const first = offsetAtInstant(wallAsUtc)
  return offsetAtInstant(wallAsUtc - first * 60_000)
}

function formatIso(instant: number, offsetMinutes: number): string {
  const local = new Date(instant + offsetMinutes * 60_000).toISOString().replace(/\.000Z$|Z$/, '')
  if (offsetMinutes === 0) return `${local}Z`
  const sign = offsetMinutes < 0 ? '-' : '+'
  const abs = Math.abs(offsetMinutes)
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
}
