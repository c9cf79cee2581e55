import Link from 'next/link'

export default function SkuNotFound() {
  return (
    <div className="panel">
      <h1>Unknown SKU</h1>
      <p className="muted">No SKU with this code exists in the catalogue. Check the code, or search for it.</p>
      <Link href="/skus">Search SKUs</Link>
    </div>
  )
}
