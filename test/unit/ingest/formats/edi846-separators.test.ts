// Property: whatever separators an ISA declares (single- or multi-byte), and whatever layout the
// sender adds (BOM, CR LF, indentation, 80-column wrapping), the same 846 document reads to the
// same lines and the same events. Thousands of seeded cases per run; a failure names its seed.
import { describe, expect, it } from 'vitest'
import { parseEdi846, resolveEdi846Line, type Edi846Catalog } from '../../../../server/ingest/formats/edi846'
import { body846, interchange, type X12Style } from '../../../support/x12'
import { Prng, seedFromEnv } from '../../../support/prng'

const DOC = [
  [
    body846('20261122', [
      'DTM*405*20261122*0700*ES',
      'N1*SU*Acme Supply*92*ACME',
      'N1*WH*Dallas DC*92*DC-EAST',
      'LIN*1*SK*SKU-1*UP*012345678905*VN*AC-1',
      'PID*F****Widget blue',
      'QTY*17*140*EA',
      'QTY*33*120*EA',
      'LIN*2*VN*AC-2',
      'N1*WH*Reno DC*92*DC-WEST',
      'UIT*CA',
      'QTY*17*2.5',
      'LIN*3*SK*SKU-3',
      'QTY*33*30*EA',
      'SDQ*EA*92*EAST1*10*WEST1*20',
      'DTM*405*20261123',
      'LIN*4*SK*SKU-4',
      'QTY*17*9*EA>1',
      'SCH*4*EA*WH*DC-EAST',
      'SCH*5*EA*WH*DC-WEST',
      'SCH*7*EA***018*20261201',
    ]),
    body846('20261122', ['N1*WH*Dallas DC*92*DC-EAST', 'LIN*1*SK*SKU-5', 'QTY*17*0'], 'ADV-2'),
  ],
]

// Punctuation a sender may declare, including characters that take 2, 3 and 4 bytes in UTF-8.
const POOL = [
  '*',
  '~',
  '|',
  '^',
  '}',
  '{',
  '!',
  '>',
  '<',
  '+',
  ':',
  "'",
  '`',
  '@',
  '#',
  '$',
  '%',
  '&',
  '=',
  '?',
  ';',
  '/',
  '\\',
  '§',
  '¶',
  '¦',
  '¤',
  '…',
  '•',
  '→',
  '■',
  '🙂',
  '𝄞',
]
const AFTER = ['', '\n', '\r\n', '\n    ', '\r\n\t', '  \n']

const catalog: Edi846Catalog = {
  sku: (id) =>
    /^(SKU-\d|AC-2)$/.test(id)
      ? {
          code: id,
          baseUom: 'EA',
          factors: new Map([
            ['EA', 1],
            ['CA', 12],
          ]),
        }
      : undefined,
}

function snapshot(text: string) {
  const p = parseEdi846(text)
  return {
    refusal: p.refusal,
    envelopeErrors: p.envelopeErrors,
    lineErrors: p.lineErrors,
    lines: p.lines,
    events: p.lines.map((l) =>
      resolveEdi846Line(l, { quantityQualifiers: ['17', '33'], defaultLocation: 'HOME' }, catalog, 'acme'),
    ),
  }
}

describe('EDI 846 separators (property)', { timeout: 180_000 }, () => {
  const reference = snapshot(interchange(DOC))

  it('the reference document reads cleanly', () => {
    expect(reference.refusal).toBeNull()
    expect(reference.envelopeErrors).toEqual([])
    expect(reference.lineErrors).toEqual([])
    expect(reference.events.filter((e) => e.ok)).toHaveLength(7)
  })

  it('gives the same lines and events for any declared separators and layout', () => {
    const seed = seedFromEnv(84_620_216)
    const rng = new Prng(seed)
    for (let i = 0; i < 2000; i++) {
      const [element, component, segment] = rng.sample(POOL, 3)
      const newlineTerminator = rng.chance(0.1)
      const style: X12Style = newlineTerminator
        ? { element, component, segment: rng.pick(['\n', '\r']), after: '', bom: rng.chance(0.3) }
        : {
            element,
            component,
            segment,
            after: rng.pick(AFTER),
            bom: rng.chance(0.3),
            wrap: rng.chance(0.25) ? rng.pick([80, 72, 64, 7]) : undefined,
          }
      if (style.segment === '\r') style.after = '\n'
      const got = snapshot(interchange(DOC, style))
      expect(got, `seed ${seed}, case ${i}: ${JSON.stringify(style)} (rerun with FUZZ_SEED=${seed})`).toEqual(reference)
    }
  })
})
