'use client'
import { useRouter } from 'next/navigation'
import { useState, type FormEvent } from 'react'
import { TextInput } from '@/components/ui/fields'

/** "Why does channel X show N for this SKU?" starts here: type a code, open its page. */
export function SkuJump() {
  const router = useRouter()
  const [code, setCode] = useState('')
  function onSubmit(e: FormEvent) {
    e.preventDefault()
    const c = code.trim()
    if (c) router.push(`/skus/${encodeURIComponent(c)}`)
  }
  return (
    <form onSubmit={onSubmit} role="search" style={{ display: 'flex', gap: 6 }}>
      <TextInput type="search" label="Open SKU" placeholder="SKU code, e.g. SKU-00001" value={code} onValue={setCode} />
      <button type="submit">Open</button>
    </form>
  )
}
