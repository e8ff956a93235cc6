// Streaming exports of the consent log (SPEC §7) as CSV or NDJSON, with a manifest.
//
// Rows are read in keyset pages (seq > last) on a connection of their own inside one read
// transaction: the file is a consistent snapshot even while ingestion appends (WAL), and memory
// stays at one page whatever the log's size. The caller hashes the bytes as they go out and
// completes the manifest with the digest and the row count.
import { randomUUID } from 'node:crypto'
import {
  EXPORT_COLUMNS,
  type ConsentLogFilters,
  type ExportFormat,
  type ExportManifest,
} from '@miniconsent/shared'
import Database from 'better-sqlite3'
import { stringify } from 'csv-stringify/sync'
import { and, asc, desc, eq, fillPlaceholders, gt, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { consentRecords, exportManifests, users } from '../db/schema'
import { GENESIS_HASH } from './consent-chain'
import { activeFilters, filterConditions } from './consent-filters'

const PAGE = 2000

/**
 * Spreadsheets run a cell that starts with = + - @ (or tab/CR) as a formula, and URL and user
 * agent come from visitors: such cells get a leading `'` (OWASP "CSV injection"). A value that
 * itself starts with `'` gets one too, so reading back (drop one leading `'`) is exact and the
 * hashes still verify.
 */
export function escapeCell(value: string): string {
  return /^['=+\-@\t\r]/.test(value) ? `'${value}` : value
}

export function unescapeCell(value: string): string {
  return value.startsWith("'") ? value.slice(1) : value
}

type RawRow = [
  seq: number,
  recordId: string,
  consentId: string,
  serverTime: string,
  clientTime: string,
  method: string,
  revision: number,
  textsHash: string | null,
  region: string | null,
  mode: string,
  language: string,
  url: string,
  ip: string | null,
  userAgent: string | null,
  gpc: number,
  categories: string,
  services: string,
  prevHash: string,
  hash: string,
  erasedAt: string | null,
]

const GPC = 14
const CATEGORIES = 15
const SERVICES = 16

function parseOrKeep(text: string): unknown {
  // An edited row may hold broken JSON: export it as text and let verification report it.
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function csvPage(rows: RawRow[]): string {
  const cells = rows.map((r) => r.map((v, i) => (i === GPC ? (v ? 'true' : 'false') : typeof v === 'string' ? escapeCell(v) : v)))
  return stringify(cells, { eof: true, record_delimiter: 'unix' })
}

function ndjsonPage(rows: RawRow[]): string {
  let out = ''
  for (const r of rows) {
    const obj: Record<string, unknown> = {}
    EXPORT_COLUMNS.forEach((name, i) => {
      obj[name] = i === GPC ? Boolean(r[i]) : i === CATEGORIES || i === SERVICES ? parseOrKeep(r[i] as string) : r[i]
    })
    out += JSON.stringify(obj) + '\n'
  }
  return out
}

export interface ExportJob {
  id: string
  filename: string
  contentType: string
  /** The file as text chunks, one page of rows each; closes its connection when done or abandoned. */
  chunks: Generator<string, void, undefined>
  rowCount: () => number
  /** Writes the digest of what was sent; the manifest is served from then on. */
  complete: (sha256: string) => void
}

export class ConsentExports {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  begin(o: { siteId: string; format: ExportFormat; filters: ConsentLogFilters; userId: number | null }): ExportJob {
    const id = randomUUID()
    const filters = activeFilters(o.filters)
    // The page query is built by drizzle (same filters as the listing) and run on the snapshot connection.
    const query = this.db
      .select({
        seq: consentRecords.seq,
        recordId: consentRecords.recordId,
        consentId: consentRecords.consentId,
        serverTime: consentRecords.serverTime,
        clientTime: consentRecords.clientTime,
        method: consentRecords.method,
        revision: consentRecords.revision,
        textsHash: consentRecords.textsHash,
        region: consentRecords.region,
        mode: consentRecords.mode,
        language: consentRecords.language,
        url: consentRecords.url,
        ip: consentRecords.ip,
        userAgent: consentRecords.userAgent,
        gpc: consentRecords.gpc,
        categories: consentRecords.categories,
        services: consentRecords.services,
        prevHash: consentRecords.prevHash,
        hash: consentRecords.hash,
        erasedAt: consentRecords.erasedAt,
      })
      .from(consentRecords)
      .where(and(filterConditions(o.siteId, filters), gt(consentRecords.seq, sql.placeholder('after'))))
      .orderBy(asc(consentRecords.seq))
      .limit(PAGE)
      .toSQL()

    const main = this.db.$client
    const own = main.memory ? null : new Database(main.name, { readonly: true, fileMustExist: true })
    const conn = own ?? main
    if (own) {
      own.pragma('busy_timeout = 5000')
      own.prepare('BEGIN').run()
    }
    const close = () => {
      if (!own?.open) return
      if (own.inTransaction) own.prepare('COMMIT').run()
      own.close()
    }
    let head: { seq: number; hash: string }
    try {
      // The first read fixes the snapshot: the head is the newest record the file can contain.
      head = (conn
        .prepare('SELECT seq, hash FROM consent_records WHERE site_id = ? ORDER BY seq DESC LIMIT 1')
        .get(o.siteId) as { seq: number; hash: string } | undefined) ??
        (conn.prepare('SELECT seq, hash FROM chain_anchors WHERE site_id = ?').get(o.siteId) as { seq: number; hash: string } | undefined) ?? {
          seq: 0,
          hash: GENESIS_HASH,
        }
    } catch (e) {
      close()
      throw e
    }

    this.db
      .insert(exportManifests)
      .values({
        id,
        siteId: o.siteId,
        format: o.format,
        filters: JSON.stringify(filters),
        chainHeadSeq: head.seq,
        chainHeadHash: head.hash,
        createdAt: new Date(this.now()),
        createdBy: o.userId,
      })
      .run()

    const page = conn.prepare(query.sql).raw(true)
    let rowCount = 0
    const encode = o.format === 'csv' ? csvPage : ndjsonPage
    const chunks = function* (): Generator<string, void, undefined> {
      try {
        if (o.format === 'csv') yield EXPORT_COLUMNS.join(',') + '\n'
        let after = 0
        for (;;) {
          const rows: RawRow[] = []
          for (const r of page.iterate(...fillPlaceholders(query.params, { after }))) rows.push(r as RawRow)
          if (rows.length === 0) return
          // Rows added after the snapshot's head never appear (only matters without a snapshot connection).
          const kept = own ? rows : rows.filter((r) => r[0] <= head.seq)
          rowCount += kept.length
          if (kept.length) yield encode(kept)
          if (rows.length < PAGE || kept.length < rows.length) return
          after = rows[rows.length - 1]![0]
        }
      } finally {
        close()
      }
    }

    const day = new Date(this.now()).toISOString().slice(0, 10)
    return {
      id,
      filename: `consents-${o.siteId}-${day}-${id.slice(0, 8)}.${o.format}`,
      contentType: o.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      chunks: chunks(),
      rowCount: () => rowCount,
      complete: (sha256) => {
        this.db
          .update(exportManifests)
          .set({ rowCount, sha256, completedAt: new Date(this.now()) })
          .where(eq(exportManifests.id, id))
          .run()
      },
    }
  }

  /** The manifest of a completed export of that site, or null. */
  manifest(siteId: string, exportId: string): ExportManifest | null {
    const row = this.db
      .select({ m: exportManifests, email: users.email })
      .from(exportManifests)
      .leftJoin(users, eq(users.id, exportManifests.createdBy))
      .where(and(eq(exportManifests.id, exportId), eq(exportManifests.siteId, siteId)))
      .orderBy(desc(exportManifests.createdAt))
      .get()
    if (!row || row.m.completedAt === null || row.m.sha256 === null || row.m.rowCount === null) return null
    return {
      exportId: row.m.id,
      siteId: row.m.siteId,
      format: row.m.format,
      filters: JSON.parse(row.m.filters) as ConsentLogFilters,
      rowCount: row.m.rowCount,
      sha256: row.m.sha256,
      chainHead: { seq: row.m.chainHeadSeq ?? 0, hash: row.m.chainHeadHash ?? GENESIS_HASH },
      createdAt: row.m.createdAt.toISOString(),
      createdBy: row.email,
    }
  }
}
