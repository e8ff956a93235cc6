import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { describe, expect, it, vi } from 'vitest'
import { EXPORT_COLUMNS } from '@miniconsent/shared'
import Database from 'better-sqlite3'
import { parse } from 'csv-parse/sync'
import { openDatabase } from '../db/client'
import { workerScript } from '../lib/worker-script'
import { seedSites } from '../seed/seed'
import { ACME } from '../test-support'
import { unescapeCell, unescapeExportCell } from '../lib/csv-formula'
import { ConsentExports, exportPlan } from './export'
import { chainHead, csvText, exportPages, GATE, inSeqOrder, linesInSeqOrder, pageSize, type ExportPlan, type Page } from './export-pages'
import type { FromWorker, ReaderData } from './export-worker'
import { csvFallbackSql, CSV_LINE, csvPageSql, NDJSON_LINE, ndjsonOrderedSql, ndjsonPageSql } from './export-sql'
import { ManifestKeys } from './manifest-keys'

/** Threads made from here on (export.ts's too), and whether the next one fails to start, as when the system has no thread to give. */
const threads = vi.hoisted(() => ({ made: [] as import('node:worker_threads').Worker[], failNext: false }))
vi.mock('node:worker_threads', async (original) => {
  const actual = await original<typeof import('node:worker_threads')>()
  class Counted extends actual.Worker {
    constructor(...args: ConstructorParameters<typeof actual.Worker>) {
      if (threads.failNext && threads.made.length > 0) {
        threads.failNext = false
        throw Object.assign(new Error('Worker initialization failure: 11'), { code: 'ERR_WORKER_INIT_FAILED' })
      }
      super(...args)
      threads.made.push(this)
    }
  }
  return { ...actual, Worker: Counted }
})

/** An in-memory log (no second connection can open it): the export reads on the server's own connection. */
function memoryLog(records: number) {
  return recordLog(records, ':memory:')
}

/** `records` records of acme in the database `file`: a consentId of two, a method of two, one URL a formula. */
function recordLog(records: number, file: string) {
  const db = openDatabase(file)
  seedSites(db, [ACME], { now: Date.UTC(2026, 10, 22) })
  db.$client
    .prepare(
      `INSERT INTO consent_records (site_id, seq, record_id, consent_id, revision, categories, services, method, mode, language, url,
         gpc, client_time, server_time, prev_hash, hash)
       SELECT 'acme', value, 'r-' || value, iif(value % 2, 'visitor-odd', 'visitor-even'), 1, '{"essential":true}', '{}',
              iif(value % 3, 'accept-all', 'reject-all'), 'opt-in', 'en', iif(value = 7, '=cmd()', 'https://acme.test/?a="b",c'),
              value % 2, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z', 'p' || value, 'h' || value
         FROM json_each(?)`,
    )
    .run(JSON.stringify(Array.from({ length: records }, (_, i) => i + 1)))
  return db
}

async function text(chunks: AsyncIterable<Uint8Array>) {
  const decoder = new TextDecoder()
  let out = ''
  for await (const chunk of chunks) out += decoder.decode(chunk, { stream: true })
  return out
}

describe('ConsentExports on an in-memory database', () => {
  // Several pages and a partial last one: the keyset must neither skip nor repeat a record.
  const records = pageSize('ndjson') * 2 + 5

  it('writes every record once, in seq order, as CSV and as NDJSON', async () => {
    const db = memoryLog(records)
    const now = () => Date.UTC(2026, 10, 22)
    const exports = new ConsentExports(db, now, new ManifestKeys(db, now))

    const csvJob = await exports.begin({ siteId: 'acme', format: 'csv', filters: {}, userId: null })
    const rows = parse(await text(csvJob.chunks), { columns: true }) as Record<string, string>[]
    expect(Object.keys(rows[0]!)).toEqual([...EXPORT_COLUMNS])
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: records }, (_, i) => i + 1))
    expect(csvJob.rowCount()).toBe(records)
    expect(rows[6]!.url).toBe("'=cmd()")
    expect(unescapeCell(rows[6]!.url!)).toBe('=cmd()')
    expect(rows[0]).toMatchObject({ url: 'https://acme.test/?a="b",c', gpc: 'true', erasedAt: '', categories: '{"essential":true}' })

    const ndjsonJob = await exports.begin({ siteId: 'acme', format: 'ndjson', filters: { method: 'reject-all' }, userId: null })
    const lines = (await text(ndjsonJob.chunks)).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: records }, (_, i) => i + 1).filter((seq) => seq % 3 === 0))
    expect(lines[0]).toMatchObject({ seq: 3, gpc: true, categories: { essential: true }, erasedAt: null, url: 'https://acme.test/?a="b",c' })
    expect(ndjsonJob.rowCount()).toBe(lines.length)

    const allJob = await exports.begin({ siteId: 'acme', format: 'ndjson', filters: {}, userId: null })
    const all = (await text(allJob.chunks)).split('\n')
    expect(all.pop()).toBe('')
    expect(all.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual(Array.from({ length: records }, (_, i) => i + 1))
    db.$client.close()
  })

  it('escapes a formula after a semicolon, a tab or a line break in what a visitor wrote, so a spreadsheet that splits there runs nothing, and reads back exactly', async () => {
    const db = memoryLog(4)
    const hostile = ["Mozilla/5.0;=cmd|' /C calc'!A0", "a;'b;;=c\t\t@d", "\t=x;'=y", "';@SUM(1)", 'Mozilla/5.0 (X11; Linux x86_64)']
    db.$client.prepare(`UPDATE consent_records SET url = 'https://acme.test/p;=1+1', user_agent = ? WHERE seq = 1`).run(hostile[0])
    db.$client.prepare(`UPDATE consent_records SET user_agent = ?, consent_id = ? WHERE seq = 2`).run(hostile[1], hostile[2])
    db.$client.prepare(`UPDATE consent_records SET user_agent = ?, url = ? WHERE seq = 3`).run(hostile[3], hostile[4])
    // A page URL that is no URL is stored as sent: a line break in it ends the row for a spreadsheet
    // that splits at semicolons, whatever quotes are around it, and the next line starts a cell.
    const broken = "no url\n=1+1;x\r\n@y\n'=z"
    db.$client.prepare(`UPDATE consent_records SET url = ? WHERE seq = 4`).run(broken)
    const now = () => Date.UTC(2026, 10, 22)
    const job = await new ConsentExports(db, now, new ManifestKeys(db, now)).begin({ siteId: 'acme', format: 'csv', filters: {}, userId: null })
    const file = await text(job.chunks)
    // As a German spreadsheet reads a .csv (split at semicolons), then one that splits at tabs: no cell is a formula.
    for (const delimiter of [';', '\t']) {
      const cells = (parse(file, { delimiter, relax_column_count: true, relax_quotes: true }) as string[][]).flat()
      expect(cells.filter((c) => /^[=+\-@]/.test(c)), delimiter).toEqual([])
    }
    // As CSV, every visitor value reads back as stored.
    const rows = parse(file, { columns: true }) as Record<string, string>[]
    expect(rows.slice(0, 4).map((r) => [r.consentId, r.url, r.userAgent].map((v) => unescapeExportCell(v!)))).toEqual([
      ['visitor-odd', 'https://acme.test/p;=1+1', hostile[0]],
      [hostile[2], 'https://acme.test/?a="b",c', hostile[1]],
      ['visitor-odd', hostile[4], hostile[3]],
      ['visitor-even', broken, ''],
    ])
    expect(rows[3]!.url).toBe("no url\n'=1+1;x\r\n'@y\n''=z")
    // A value with nothing to escape is written as it is.
    expect(rows[2]!.url).toBe(hostile[4])
    db.$client.close()
  })

  it('escapes a visitor value that starts with a NUL before a formula, which spreadsheets drop and then run', async () => {
    const db = memoryLog(3)
    db.$client.prepare(`UPDATE consent_records SET user_agent = char(0) || '=1+1', url = char(0) || '@SUM(1)' WHERE seq = 2`).run()
    const now = () => Date.UTC(2026, 10, 22)
    const job = await new ConsentExports(db, now, new ManifestKeys(db, now)).begin({ siteId: 'acme', format: 'csv', filters: {}, userId: null })
    const rows = parse(await text(job.chunks), { columns: true }) as Record<string, string>[]
    expect([rows[1]!.userAgent, rows[1]!.url]).toEqual(["'\0=1+1", "'\0@SUM(1)"])
    expect([unescapeCell(rows[1]!.userAgent!), unescapeCell(rows[1]!.url!)]).toEqual(['\0=1+1', '\0@SUM(1)'])
    db.$client.close()
  })

  it('exports exactly a record whose values hold the separators the CSV pages are read with, and the pages around it', async () => {
    const db = memoryLog(pageSize('csv') * 2 + 3)
    const seq = pageSize('csv') + 5
    // Only an edited row can hold them: a value with char(31) (between values) and one with char(30) (between records).
    const values = { url: 'https://acme.test/a\x1fb,"c"', userAgent: 'agent\x1e=1+1', categories: '{"x\x1f":true}' }
    db.$client.prepare('UPDATE consent_records SET url = ?, user_agent = ?, categories = ?, region = NULL WHERE seq = ?').run(values.url, values.userAgent, values.categories, seq)
    const now = () => Date.UTC(2026, 10, 22)
    const job = await new ConsentExports(db, now, new ManifestKeys(db, now)).begin({ siteId: 'acme', format: 'csv', filters: {}, userId: null })
    const rows = parse(await text(job.chunks), { columns: true }) as Record<string, string>[]
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: pageSize('csv') * 2 + 3 }, (_, i) => i + 1))
    const edited = rows[seq - 1]!
    expect({ url: edited.url, userAgent: unescapeExportCell(edited.userAgent!), categories: edited.categories }).toEqual(values)
    expect(edited).toMatchObject({ region: '', consentId: 'visitor-odd', method: 'accept-all', hash: `h${seq}` })
    // Its neighbours, read in the same page, are whole.
    expect(rows[seq]).toMatchObject({ seq: String(seq + 1), url: 'https://acme.test/?a="b",c', categories: '{"essential":true}', hash: `h${seq + 1}` })
    db.$client.close()
  })

  it('writes a CSV page in seq order even when its values come out of order', () => {
    const record = (seq: number) => [String(seq), ...Array.from({ length: EXPORT_COLUMNS.length - 1 }, (_, i) => (i === 0 ? `r${seq}` : ''))].join('\x1f')
    const lines = csvText([record(10), record(9), record(11)].join('\x1e')).split('\n')
    expect(lines.map((l) => l.split(',').slice(0, 2).join())).toEqual(['9,r9', '10,r10', '11,r11', ''])
    const ordered = [[1, 'a'], [2, 'b']]
    expect(inSeqOrder(ordered)).toBe(ordered)
  })

  it('takes an NDJSON page as it comes only when its lines are in seq order, else reads it sorted', () => {
    const page = (...lines: string[]) => Buffer.from(lines.map((l) => l + '\n').join(''))
    expect(linesInSeqOrder(page('{"seq":9,"a":1}', '{"seq":10,"a":"x"}'), 2)).toBe(true)
    expect(linesInSeqOrder(page('{"seq":10,"a":1}', '{"seq":9,"a":1}'), 2)).toBe(false)
    expect(linesInSeqOrder(page('{"seq":9,"a":1}', '{"seq":9,"a":1}'), 2)).toBe(false)
    expect(linesInSeqOrder(page('{"seq":9,"a":1}', '{"seq":10,"a":1}'), 3)).toBe(false)
    for (const seq of ['9.5', '"10"', '{"blob":"0A"}', '', '-1']) expect(linesInSeqOrder(page('{"seq":1,"a":1}', `{"seq":${seq},"a":1}`), 2)).toBe(false)
    expect(linesInSeqOrder(Buffer.from('{"seq":1,"a":1}'), 1)).toBe(false)
    // A seq that is no integer (an edited row): the page comes from the sorted query, the same bytes.
    const db = memoryLog(5)
    db.$client.prepare('UPDATE consent_records SET seq = 3.5 WHERE seq = 3').run()
    const sql = ndjsonPageSql(`SELECT seq, ${NDJSON_LINE} AS line FROM consent_records WHERE site_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ${pageSize('ndjson')}`)
    const plan = (fallbackSql: string | null): ExportPlan => ({ siteId: 'acme', format: 'ndjson', sql, fallbackSql, params: ['acme', null, null], afterAt: 1, headAt: 2, boundsSql: null, boundsParams: [], skip: exportPlan(db, 'acme', 'ndjson', {}).skip })
    const head = { seq: 5, hash: 'h5' }
    const bytes = (p: ExportPlan) => [...exportPages(db.$client, p, head)].map((c) => Buffer.from((c as { bytes: Uint8Array }).bytes).toString()).join('')
    const sorted = bytes(plan(ndjsonOrderedSql(sql)))
    expect(sorted).toBe(bytes(plan(null)))
    expect(sorted.split('\n').slice(0, 5).map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([1, 2, 3.5, 4, 5])
    // Lines SQLite joins out of seq order (a page query yielding them backwards): the page is read
    // again sorted, and comes out in seq order, as the in-order page would.
    db.$client.prepare('UPDATE consent_records SET seq = 3 WHERE seq = 3.5').run()
    const backwards = ndjsonPageSql(`SELECT seq, line FROM (SELECT seq, ${NDJSON_LINE} AS line FROM consent_records WHERE site_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ${pageSize('ndjson')}) ORDER BY seq DESC`)
    const seqs = (text: string) => text.split('\n').slice(0, 5).map((l) => (JSON.parse(l) as { seq: number }).seq)
    expect(seqs(bytes({ ...plan(null), sql: backwards }))).toEqual([5, 4, 3, 2, 1])
    expect(bytes({ ...plan(null), sql: backwards, fallbackSql: ndjsonOrderedSql(backwards) })).toBe(bytes(plan(null)))
    expect(seqs(bytes(plan(null)))).toEqual([1, 2, 3, 4, 5])
    db.$client.close()
  })

  it('formats a CSV page the same from its values on another thread as where it was read', () => {
    const db = memoryLog(3)
    // Values a formatter could get wrong: broken JSON, NULLs, non-ASCII, control characters, quotes.
    db.$client
      .prepare(
        `UPDATE consent_records SET categories = '{"a":tru', services = '{ "x" : [1, 2.5, "y"] }', region = NULL, user_agent = ?,
           texts_hash = NULL, erased_at = '2026-11-23T00:00:00.000Z', url = '+1 "quoted", ' || char(9) || 'tab' WHERE seq = 2`,
      )
      .run('Ünïcødé \u2028 agent\n"x"')
    // Spaces at either end (kept without quotes, as CSV readers keep them) and a formula in a consentId.
    // …and a space inside a key, which is no space between tokens: the object still.
    db.$client.prepare(`UPDATE consent_records SET user_agent = '  spaced agent ', consent_id = '@SUM(1)', services = '{"a b":true}' WHERE seq = 3`).run()
    const ndjsonSql = ndjsonPageSql(`SELECT seq, ${NDJSON_LINE} AS line FROM consent_records WHERE site_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ${pageSize('ndjson')}`)
    const csvSql = csvPageSql(`SELECT seq, ${CSV_LINE} AS line FROM consent_records WHERE site_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ${pageSize('csv')}`)
    // Broken JSON is no strict JSON object: the plain NDJSON query takes the page, the value as a string (export-sql.ts).
    expect(() => db.$client.prepare(ndjsonSql).get('acme', 0, 3)).not.toThrow()
    const plan = (format: 'csv' | 'ndjson'): ExportPlan => ({
      siteId: 'acme',
      format,
      sql:
        format === 'csv'
          ? csvSql
          : ndjsonSql,
      fallbackSql: format === 'csv' ? csvFallbackSql(csvSql) : null,
      params: ['acme', null, null],
      afterAt: 1,
      headAt: 2,
      boundsSql: null,
      boundsParams: [],
      skip: exportPlan(db, 'acme', format, {}).skip,
    })
    const head = { seq: 3, hash: 'h3' }
    const [here] = [...exportPages(db.$client, plan('csv'), head, () => true)]
    const [handed] = [...exportPages(db.$client, plan('csv'), head, () => false)]
    expect(here && 'bytes' in here && handed && 'values' in handed).toBe(true)
    const text = Buffer.from((here as { bytes: Uint8Array }).bytes).toString()
    expect(csvText((handed as { values: string }).values)).toBe(text)
    expect(text).toContain("\"'+1 \"\"quoted\"\", \ttab\"")
    // The formula gets its leading ', and the cell needs no quotes for it.
    expect(text).toContain(",'@SUM(1),")
    const [, edited2, spaced] = parse(text) as string[][]
    expect(edited2![EXPORT_COLUMNS.indexOf('userAgent')]).toBe('Ünïcødé \u2028 agent\n"x"')
    expect(spaced![EXPORT_COLUMNS.indexOf('userAgent')]).toBe('  spaced agent ')
    expect(unescapeCell(spaced![EXPORT_COLUMNS.indexOf('consentId')]!)).toBe('@SUM(1)')
    const [ndjson] = [...exportPages(db.$client, plan('ndjson'), head)]
    const [, edited, spacedKey] = Buffer.from((ndjson as { bytes: Uint8Array }).bytes).toString().split('\n').map((l) => (l ? (JSON.parse(l) as Record<string, unknown>) : null))
    // Neither as json() would write it (broken JSON, spaces between tokens): each as its SQL literal, a string.
    expect(edited).toMatchObject({ categories: `'{"a":tru'`, services: `'{ "x" : [1, 2.5, "y"] }'`, region: null, textsHash: null })
    expect(spacedKey).toMatchObject({ services: { 'a b': true } })
    db.$client.close()
  })
})

describe('an export read by several threads', () => {
  /** The pages of the readers taken in turn, page i from reader i mod their number, until the reader of the next has none. */
  function* inTurn(readers: Generator<Page, void, undefined>[]): Generator<Page, void, undefined> {
    for (let i = 0; ; i = (i + 1) % readers.length) {
      const next = readers[i]!.next()
      if (next.done) return
      yield next.value
    }
  }
  const file = (pages: Iterable<Page>) => [...pages].map((p) => Buffer.from((p as { bytes: Uint8Array }).bytes).toString()).join('')

  it('splits the pages between the readers so that, taken in turn, they are the file one reader makes, wherever the last page ends', () => {
    for (const format of ['ndjson', 'csv'] as const) {
      const size = pageSize(format)
      for (const records of [0, 1, size - 1, size, size + 1, 2 * size - 1, 2 * size, 2 * size + 1, 3 * size, 5 * size + 7]) {
        const db = memoryLog(records)
        // Unfiltered; through the consentId's or the period's index (bounds); and one a third of the records match anywhere.
        for (const filters of [{}, { consentId: 'visitor-even' }, { from: '2026-11-22', method: 'reject-all' as const }, { method: 'reject-all' as const }]) {
          const plan = exportPlan(db, 'acme', format, filters)
          const head = chainHead(db.$client, 'acme')
          const whole = file(exportPages(db.$client, plan, head))
          expect(whole.split('\n').length - 1, `${format}, ${records} records, ${JSON.stringify(filters)}`).toBe(
            Object.keys(filters).length === 0 ? records : Array.from({ length: records }, (_, i) => i + 1).filter((seq) => ('consentId' in filters ? seq % 2 === 0 : seq % 3 === 0)).length,
          )
          for (const of of [2, 3]) {
            const readers = Array.from({ length: of }, (_, index) => exportPages(db.$client, plan, head, () => true, { index, of }))
            expect(file(inTurn(readers)), `${format}, ${records} records, ${JSON.stringify(filters)}, ${of} readers`).toBe(whole)
          }
        }
        db.$client.close()
      }
    }
  })

  describe('on a database file', () => {
    /** Reader 0 of two in its thread, on a log of 3 records; the test is reader 1, through the gate. */
    function firstReader() {
      const dir = mkdtempSync(join(tmpdir(), 'miniconsent-export-'))
      const path = join(dir, 'log.sqlite')
      const db = recordLog(3, path)
      const gate = new Int32Array(new SharedArrayBuffer(GATE.SLOTS * Int32Array.BYTES_PER_ELEMENT))
      const [entry, options] = workerScript(import.meta.url, 'export-worker')
      const workerData: ReaderData = { file: path, plan: exportPlan(db, 'acme', 'ndjson', {}), credit: 4, part: { index: 0, of: 2 }, gate: gate.buffer as SharedArrayBuffer }
      const thread = new Worker(entry, { ...options, workerData })
      const messages: FromWorker[] = []
      thread.on('message', (m: FromWorker) => messages.push(m))
      const exited = new Promise<number>((resolve) => thread.once('exit', resolve))
      // Another process's connection, which writes.
      const writer = new Database(path)
      writer.pragma('busy_timeout = 0')
      const append = () =>
        writer
          .prepare(
            `INSERT INTO consent_records (site_id, seq, record_id, consent_id, revision, categories, services, method, mode, language, url, gpc, client_time, server_time, prev_hash, hash)
             SELECT site_id, seq + 1, 'r-' || (seq + 1), consent_id, revision, categories, services, method, mode, language, url, gpc, client_time, server_time, hash, 'h' || (seq + 1)
               FROM consent_records WHERE site_id = 'acme' ORDER BY seq DESC LIMIT 1`,
          )
          .run()
      const signal = (slot: number) => {
        Atomics.add(gate, slot, 1)
        Atomics.notify(gate, slot)
      }
      const close = () => {
        writer.close()
        db.$client.close()
        rmSync(dir, { recursive: true, force: true })
      }
      return { path, gate, thread, messages, exited, append, signal, close }
    }

    it('opens every reader\'s snapshot while it holds the write lock: a commit attempted between the first reads waits, and no reader sees it', async () => {
      const r = firstReader()
      try {
        r.signal(GATE.READY)
        await expect.poll(() => Atomics.load(r.gate, GATE.PHASE)).toBe(GATE.OPEN)
        // Reader 0 has its snapshot, or is taking it; this one has not: a commit now would be in one and not the other.
        expect(r.append).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }))
        const mine = new Database(r.path, { readonly: true })
        mine.prepare('BEGIN').run()
        const head = chainHead(mine, 'acme')
        r.signal(GATE.OPENED)
        await expect.poll(() => r.messages.map((m) => Object.keys(m)[0])).toEqual(['head', 'rows', 'done'])
        expect(r.messages[0]).toEqual({ head: { seq: 3, hash: 'h3' } })
        expect(head).toEqual({ seq: 3, hash: 'h3' })
        // The lock is let go once both have read: the commit lands after both snapshots.
        expect(r.append().changes).toBe(1)
        expect(r.messages[1]).toMatchObject({ rows: 3 })
        expect(chainHead(mine, 'acme')).toEqual(head)
        mine.close()
        expect(await r.exited).toBe(0)
      } finally {
        r.close()
      }
    })

    it('fails an export whose second reader cannot be started, leaving no thread behind', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'miniconsent-export-'))
      const db = recordLog(3, join(dir, 'log.sqlite'))
      const now = () => Date.UTC(2026, 10, 22)
      threads.made.length = 0
      threads.failNext = true
      try {
        await expect(new ConsentExports(db, now, new ManifestKeys(db, now)).begin({ siteId: 'acme', format: 'ndjson', filters: {}, userId: null })).rejects.toThrow('Worker initialization failure')
        expect(threads.made).toHaveLength(1)
        // The first reader, waiting for the second to be ready, is stopped: it ends (threadId -1) and lets go of its connection.
        await expect.poll(() => threads.made[0]!.threadId, { timeout: 5_000 }).toBe(-1)
      } finally {
        threads.failNext = false
        db.$client.close()
        rmSync(dir, { recursive: true, force: true })
      }
    })

    it('lets the write lock go at once, without being told, when another reader fails to take its snapshot', async () => {
      const r = firstReader()
      // Reader 1 in a thread too, on a database without the log: its first read, made under the lock, fails.
      const empty = join(r.path, '..', 'empty.sqlite')
      new Database(empty).close()
      const [entry, options] = workerScript(import.meta.url, 'export-worker')
      const workerData: ReaderData = { file: empty, plan: exportPlan(openDatabase(':memory:'), 'acme', 'ndjson', {}), credit: 4, part: { index: 1, of: 2 }, gate: r.gate.buffer as SharedArrayBuffer }
      const second = new Worker(entry, { ...options, workerData })
      const failed = new Promise<FromWorker>((resolve) => second.once('message', resolve))
      try {
        expect(await failed).toMatchObject({ error: expect.stringContaining('no such table') })
        // Nobody relays the failure to reader 0 (the main thread may be the one waiting for the lock, in a write): the ingestion commits all the same.
        await expect.poll(() => { try { return r.append().changes } catch { return 0 } }, { timeout: 2_000 }).toBe(1)
      } finally {
        r.thread.postMessage({ stop: true })
        await r.exited
        await second.terminate()
        r.close()
      }
    })

    it('lets the write lock and the other readers go when it is stopped while the snapshots open', async () => {
      for (const when of ['before the others are ready', 'while it holds the lock']) {
        const r = firstReader()
        try {
          if (when === 'while it holds the lock') {
            r.signal(GATE.READY)
            await expect.poll(() => Atomics.load(r.gate, GATE.PHASE)).toBe(GATE.OPEN)
            expect(r.append).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }))
          }
          r.thread.postMessage({ stop: true })
          expect(await r.exited, when).toBe(0)
          expect(r.messages, when).toEqual([])
          // Nothing holds the lock; a reader still waiting to open its snapshot is told there will be none.
          expect(r.append().changes, when).toBe(1)
          if (when === 'before the others are ready') expect(Atomics.load(r.gate, GATE.PHASE)).toBe(GATE.ABANDONED)
        } finally {
          r.close()
        }
      }
    })
  })
})
