'use client'
// One search box for the whole console (press "/" anywhere to jump to it): SKU codes, aliases,
// channel listing ids and order ids, by prefix, any case. Enter opens the first hit.
import { useRouter } from 'next/navigation'
import { useEffect, useRef, useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import type { SearchHit } from '@/server/search/global-search'
import { fetchJson } from '@/components/ui/fetch-json'

export function GlobalSearch() {
  const router = useRouter()
  const input = useRef<HTMLInputElement>(null)
  const [q, setQ] = useState('')
  const [debounced, setDebounced] = useState('')
  const [openList, setOpenList] = useState(false)
  useEffect(() => {
    const t = setTimeout(() => setDebounced(q.trim()), 150)
    return () => clearTimeout(t)
  }, [q])
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null
      if (
        e.key === '/' &&
        !(
          el &&
          (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable)
        )
      ) {
        e.preventDefault()
        input.current?.focus()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
  const hits = useQuery({
    queryKey: ['search', debounced],
    queryFn: () => fetchJson<{ items: SearchHit[] }>(`/api/ui/search?q=${encodeURIComponent(debounced)}`),
    enabled: debounced.length > 0,
  })
  const items = debounced.length > 0 ? (hits.data?.items ?? []) : []
  const go = (h: SearchHit) => {
    setOpenList(false)
    setQ('')
    router.push(h.href)
  }
  return (
    <div className="global-search" role="search">
      <input
        ref={input}
        type="search"
        aria-label="Search SKUs, aliases, listings, orders"
        placeholder="Search ( / )"
        value={q}
        data-testid="global-search"
        onChange={(e) => {
          setQ(e.target.value)
          setOpenList(true)
        }}
        onFocus={() => setOpenList(true)}
        onBlur={() => setTimeout(() => setOpenList(false), 150)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && items[0]) go(items[0])
          if (e.key === 'Escape') {
            setOpenList(false)
            input.current?.blur()
          }
        }}
      />
      {openList && debounced.length > 0 && (
        <ul className="search-hits" data-testid="search-hits">
          {hits.isFetching && items.length === 0 ? (
            <li className="muted">Searching…</li>
          ) : items.length === 0 ? (
            <li className="muted">No SKU, alias, listing or order starts with “{debounced}”.</li>
          ) : (
            items.map((h) => (
              <li key={`${h.kind}:${h.label}:${h.href}`}>
                <a
                  href={h.href}
                  onMouseDown={(e) => {
                    e.preventDefault()
                    go(h)
                  }}
                >
                  <span className="chip">{h.kind}</span> <span className="mono">{h.label}</span>{' '}
                  <span className="muted">{h.detail}</span>
                </a>
              </li>
            ))
          )}
        </ul>
      )}
    </div>
  )
}
