import { describe, expect, it } from 'vitest'
import { recordCounter } from './export-count'

// As the server's d3-dsv writes them: a cell with a line break, comma or quote goes in quotes,
// its quotes doubled.
const CSV = [
  'seq,url,userAgent',
  '1,https://minopa.com/,Firefox',
  '2,"https://minopa.com/?q=a\nb",Firefox',
  '3,"https://minopa.com/""x""\r\n/y","Mozilla ""5.0"", KHTML"',
  '4,https://minopa.com/,',
  '',
].join('\n')

function count(format: 'csv' | 'ndjson', text: string, cuts: number[] = []): number {
  const bytes = new TextEncoder().encode(text)
  const counter = recordCounter(format)
  let start = 0
  for (const cut of [...cuts, bytes.length]) {
    counter.add(bytes.slice(start, cut))
    start = cut
  }
  return counter.records
}

describe('export record count', () => {
  it('counts a CSV record whose quoted cells hold line breaks and doubled quotes once', () => {
    expect(count('csv', CSV)).toBe(4)
  })

  it('gives the same count wherever the network splits the file, inside a quoted cell or between two doubled quotes', () => {
    const length = new TextEncoder().encode(CSV).length
    for (let cut = 0; cut <= length; cut++) expect(count('csv', CSV, [cut])).toBe(4)
    // One byte a chunk: every quote of a doubled pair arrives alone.
    expect(count('csv', CSV, Array.from({ length }, (_, i) => i))).toBe(4)
  })

  it('counts no record for a CSV of its header alone, or before the header has ended', () => {
    expect(count('csv', 'seq,url\n')).toBe(0)
    expect(count('csv', 'seq,u')).toBe(0)
  })

  it('counts NDJSON lines, whose line breaks inside values JSON has escaped', () => {
    const lines = [{ seq: 1, url: 'https://minopa.com/?q=a\nb' }, { seq: 2 }].map((r) => JSON.stringify(r) + '\n').join('')
    expect(count('ndjson', lines, [5, 30])).toBe(2)
  })
})
