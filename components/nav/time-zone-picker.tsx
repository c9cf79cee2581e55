'use client'
// The user's time zone for every time on screen (default: the browser's), stored per browser.
import { useEffect, useState } from 'react'
import { browserTimeZone, setTimeZone, useTimeZone, useTimeZoneChoice, zoneAbbreviation } from '@/components/ui/time'

const COMMON = [
  'UTC',
  'America/Los_Angeles',
  'America/Chicago',
  'America/New_York',
  'Europe/London',
  'Europe/Paris',
  'Europe/Berlin',
  'Asia/Kolkata',
  'Asia/Singapore',
  'Asia/Tokyo',
  'Australia/Sydney',
]

export function TimeZonePicker() {
  const tz = useTimeZone()
  const choice = useTimeZoneChoice()
  // The option list needs the browser (its zone, Intl's list): built after mount.
  const [zones, setZones] = useState<string[] | null>(null)
  const [browser, setBrowser] = useState('UTC')
  useEffect(() => {
    const b = browserTimeZone()
    setBrowser(b)
    let all: string[] = []
    try {
      all = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? []
    } catch {
      all = []
    }
    setZones([...new Set([...COMMON, b, ...all])])
  }, [])
  return (
    <label className="tz-picker">
      <span>Time zone</span>
      <select
        aria-label="Time zone"
        data-testid="time-zone"
        value={choice ?? ''}
        onChange={(e) => setTimeZone(e.target.value || null)}
      >
        <option value="">Browser ({browser})</option>
        {(zones ?? (choice ? [choice] : [])).map((z) => (
          <option key={z} value={z}>
            {z}
          </option>
        ))}
      </select>
      <span className="muted" data-testid="time-zone-now" suppressHydrationWarning>
        {tz} ({zoneAbbreviation(tz)})
      </span>
    </label>
  )
}
