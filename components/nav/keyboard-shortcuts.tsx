'use client'
// Keyboard shortcuts for the whole console: "g" then a letter opens a screen (only the screens the
// role may open), j / k move through the rows of the page's main table and Enter opens the row's
// first link, "?" shows the sheet, Escape closes it. "/" (search) lives in global-search.tsx.
// Never while typing: a key pressed in an input, a select, a text area or an editable element (or
// with Ctrl, Alt or Meta held) belongs to that element or to the browser.
import { usePathname, useRouter } from 'next/navigation'
import { useEffect, useRef, useState } from 'react'
import type { NavItem } from './app-nav'

/** Second key after "g" -> screen path. */
export const GO_KEYS: ReadonlyArray<{ key: string; path: string; label: string }> = [
  { key: 'd', path: '/', label: 'Dashboard' },
  { key: 's', path: '/skus', label: 'SKUs' },
  { key: 'k', path: '/kpis', label: 'KPIs' },
  { key: 'c', path: '/channels', label: 'Channels' },
  { key: 'f', path: '/findings', label: 'Drift & oversells' },
  { key: 'l', path: '/dead-letters', label: 'Dead letters' },
  { key: 'r', path: '/rules', label: 'Rules' },
  { key: 'h', path: '/holdbacks', label: 'Holdbacks' },
  { key: 'o', path: '/cutover', label: 'Cutover (ownership)' },
  { key: 'a', path: '/audit', label: 'Audit' },
]

const GO_WINDOW_MS = 1_500

function typing(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false
  return (
    el.isContentEditable ||
    el.tagName === 'INPUT' ||
    el.tagName === 'TEXTAREA' ||
    el.tagName === 'SELECT' ||
    !!el.closest('[contenteditable="true"]')
  )
}

/** The rows j / k walk: the first visible data table's body rows in the page's main area. */
function tableRows(): HTMLTableRowElement[] {
  const table = [...document.querySelectorAll<HTMLTableElement>('main table.data')].find((t) => t.offsetParent !== null)
  return table
    ? [...table.querySelectorAll<HTMLTableRowElement>(':scope > tbody > tr')].filter((r) => r.offsetParent !== null)
    : []
}

export function KeyboardShortcuts({ items }: { items: NavItem[] }) {
  const router = useRouter()
  const pathname = usePathname()
  const [sheet, setSheet] = useState(false)
  const goAt = useRef(0)
  const row = useRef(-1)
  const allowed = GO_KEYS.filter((g) => items.some((i) => i.href.split('?')[0] === g.path))
  const hrefOf = (path: string) => items.find((i) => i.href.split('?')[0] === path)?.href ?? path

  // A new page starts with no row picked.
  useEffect(() => {
    row.current = -1
  }, [pathname])

  useEffect(() => {
    const mark = (i: number) => {
      const rows = tableRows()
      if (rows.length === 0) return
      for (const r of document.querySelectorAll('tr.kbd-current')) r.classList.remove('kbd-current')
      row.current = Math.max(0, Math.min(rows.length - 1, i))
      const r = rows[row.current]
      r.classList.add('kbd-current')
      r.scrollIntoView({ block: 'nearest' })
    }
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || typing(e.target)) return
      if (e.key === 'Escape') {
        setSheet(false)
        goAt.current = 0
        return
      }
      if (e.key === '?') {
        e.preventDefault()
        setSheet((s) => !s)
        return
      }
      const now = Date.now()
      if (goAt.current && now - goAt.current <= GO_WINDOW_MS) {
        goAt.current = 0
        const target = allowed.find((g) => g.key === e.key)
        if (target) {
          e.preventDefault()
          setSheet(false)
          router.push(hrefOf(target.path))
        }
        return
      }
      if (e.key === 'g') {
        goAt.current = now
        return
      }
      if (e.key === 'j' || e.key === 'k') {
        const current = document.querySelector('tr.kbd-current') ? row.current : -1
        e.preventDefault()
        mark(e.key === 'j' ? current + 1 : Math.max(0, current - 1))
        return
      }
      if (e.key === 'Enter' && row.current >= 0) {
        const r = document.querySelector<HTMLTableRowElement>('tr.kbd-current')
        const link = r?.querySelector<HTMLAnchorElement>('a[href]')
        if (link) {
          e.preventDefault()
          link.click()
        }
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  })

  if (!sheet) return null
  return (
    <div className="kbd-sheet-backdrop" onClick={() => setSheet(false)}>
      <div
        className="kbd-sheet panel"
        role="dialog"
        aria-modal="true"
        aria-labelledby="kbd-sheet-title"
        data-testid="shortcut-sheet"
        onClick={(e) => e.stopPropagation()}
      >
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
          <h2 id="kbd-sheet-title" style={{ margin: 0 }}>
            Keyboard shortcuts
          </h2>
          <button type="button" onClick={() => setSheet(false)} aria-label="Close the shortcut sheet" autoFocus>
            Close
          </button>
        </div>
        <table className="data" style={{ marginTop: 8 }}>
          <tbody>
            <tr>
              <td>
                <kbd>/</kbd>
              </td>
              <td>Search SKUs, aliases, listings, orders</td>
            </tr>
            {allowed.map((g) => (
              <tr key={g.key}>
                <td style={{ whiteSpace: 'nowrap' }}>
                  <kbd>g</kbd> then <kbd>{g.key}</kbd>
                </td>
                <td>{g.label}</td>
              </tr>
            ))}
            <tr>
              <td>
                <kbd>j</kbd> / <kbd>k</kbd>
              </td>
              <td>Next / previous row of the table</td>
            </tr>
            <tr>
              <td>
                <kbd>Enter</kbd>
              </td>
              <td>Open the chosen row</td>
            </tr>
            <tr>
              <td>
                <kbd>?</kbd>
              </td>
              <td>Show or hide this sheet</td>
            </tr>
            <tr>
              <td>
                <kbd>Esc</kbd>
              </td>
              <td>Close</td>
            </tr>
          </tbody>
        </table>
        <div className="muted" style={{ fontSize: 12 }}>
          Shortcuts do nothing while you type in a field.
        </div>
      </div>
    </div>
  )
}
