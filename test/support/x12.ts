// Builds X12 interchanges for tests: segments are written with `*` between elements and `>` between
// components, then rewritten with the separators under test. SE01, GE01 and IEA01 are counted here.

export interface X12Style {
  element?: string
  component?: string
  segment?: string
  /** Written after each terminator: '\n', '\r\n', '' (one line), '\n    ' (indented)... */
  after?: string
  control?: string
  sender?: string
  usage?: 'P' | 'T'
  /** Wrap the finished text at this many columns with CR LF. */
  wrap?: number
  bom?: boolean
}

/** A fixed-width ISA (106 characters when the separators are one UTF-16 unit each). */
export function isa(s: X12Style = {}): string {
  const el = s.element ?? '*'
  return (
    [
      'ISA',
      '00',
      ' '.repeat(10),
      '00',
      ' '.repeat(10),
      'ZZ',
      (s.sender ?? 'ACME3PL').padEnd(15),
      'ZZ',
      'STOCKTOWER'.padEnd(15),
      '261122',
      '0615',
      'U',
      '00401',
      (s.control ?? '000000101').padStart(9, '0'),
      '0',
      s.usage ?? 'P',
      s.component ?? '>',
    ].join(el) + (s.segment ?? '~')
  )
}

/**
 * One interchange: `groups` -> transaction sets -> segments (without ST/SE, which are added with
 * ST01 846 unless the first segment is an ST). GS06 is 1, 2, ... per group.
 */
export function interchange(groups: string[][][], s: X12Style = {}): string {
  const el = s.element ?? '*'
  const comp = s.component ?? '>'
  const term = s.segment ?? '~'
  const after = s.after ?? '\n'
  const control = (s.control ?? '000000101').padStart(9, '0')
  const segs: string[] = []
  groups.forEach((sets, g) => {
    segs.push(`GS*IB*ACME3PL*STOCKTOWER*20261122*0615*${g + 1}*X*004010`)
    sets.forEach((body, i) => {
      const st02 = String(i + 1).padStart(4, '0')
      const withSt = body[0]?.startsWith('ST*') ? body : [`ST*846*${st02}`, ...body]
      segs.push(...withSt)
      if (!withSt.some((x) => x.startsWith('SE*'))) segs.push(`SE*${withSt.length + 1}*${withSt[0].split('*')[2]}`)
    })
    segs.push(`GE*${sets.length}*${g + 1}`)
  })
  segs.push(`IEA*${groups.length}*${control}`)
  let text =
    isa(s) + after + segs.map((x) => x.replace(/[*>]/g, (c) => (c === '*' ? el : comp)) + term).join(after) + after
  if (s.wrap) text = wrap(text.replaceAll('\n', '').replaceAll('\r', ''), s.wrap)
  return (s.bom ? '\uFEFF' : '') + text
}

/** Wraps at `columns` characters (code points: a wrapping tool never splits a character). */
export function wrap(text: string, columns: number): string {
  const chars = Array.from(text)
  const out: string[] = []
  for (let i = 0; i < chars.length; i += columns) out.push(chars.slice(i, i + columns).join(''))
  return out.join('\r\n')
}

/** An 846 body (between ST and SE) with a BIA dated `ymd`. */
export function body846(ymd: string, segments: string[], reference = 'ADV-1'): string[] {
  return [
    `BIA*00*MM*${reference}*${ymd}*0600`,
    ...segments,
    `CTT*${segments.filter((s) => s.startsWith('LIN*')).length}`,
  ]
}
