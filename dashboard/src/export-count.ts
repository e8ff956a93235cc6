// Counts an export's records as its bytes arrive, for the progress shown while it streams; the
// manifest's rowCount is the count that holds once it is there.
import type { ExportFormat } from '@miniconsent/shared'

const LINE_FEED = 10
const QUOTE = 34

export interface RecordCounter {
  /** Takes the next chunk of the file; a chunk may end anywhere, inside a quoted cell too. */
  add(chunk: Uint8Array): void
  /** Records in the bytes so far: lines ended, less a CSV's header. */
  readonly records: number
}

/**
 * A CSV cell in quotes may hold a line break (a URL or user agent stored with one): such a line
 * end is not a record's (RFC 4180, 2.6). A quote opens or closes a quoted cell, and a doubled
 * quote inside one (2.7) closes and opens it again, so reading quotes one byte at a time keeps the
 * state right across chunks. Both bytes are ASCII and never part of a multi-byte UTF-8 character.
 * NDJSON needs none of this: JSON writes a line break inside a string as `\n`.
 */
export function recordCounter(format: ExportFormat): RecordCounter {
  let lineEnds = 0
  let quoted = false
  return {
    add(chunk) {
      if (format === 'ndjson') {
        for (let i = chunk.indexOf(LINE_FEED); i !== -1; i = chunk.indexOf(LINE_FEED, i + 1)) lineEnds++
        return
      }
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i]
        if (byte === QUOTE) quoted = !quoted
        else if (byte === LINE_FEED && !quoted) lineEnds++
      }
    },
    get records() {
      // A CSV's first line is its header, not a record.
      return format === 'csv' ? Math.max(0, lineEnds - 1) : lineEnds
    },
  }
}
