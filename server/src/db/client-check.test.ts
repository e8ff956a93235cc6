// The start-up check (db/client.ts withCheckingConnection) of a database copied by hand with its
// -wal and no -shm, as operators are told to copy one: read where it is, never copied. A copy of
// the whole database in the temp folder made every start slow (5.2 s instead of 1.06 s at 1 GB),
// needed that much space free there, failed the start when it could not be made, and was left
// behind when it failed (review).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

const copies = vi.hoisted(() => ({ sources: [] as string[], during: null as null | ((from: string) => void) }))
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  return {
    ...fs,
    copyFileSync: (from: string, to: string) => {
      copies.sources.push(String(from))
      copies.during?.(String(from))
      fs.copyFileSync(from, to)
    },
  }
})

const { openConnection, openDatabase } = await import('./client')

let root: string
let temp: string
const tmpdirBefore = process.env.TMPDIR
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'miniconsent-check-test-'))
  // The temp folder the check would copy into (os.tmpdir() reads TMPDIR at each call): what is left there is seen.
  temp = join(root, 'tmp')
  mkdirSync(temp)
  process.env.TMPDIR = temp
  copies.sources = []
  copies.during = null
})
afterEach(() => {
  if (tmpdirBefore === undefined) delete process.env.TMPDIR
  else process.env.TMPDIR = tmpdirBefore
  rmSync(root, { recursive: true, force: true })
})

/** A MiniConsent database and its -wal copied while the server ran, its last site in the -wal only: no -shm beside the copy. */
function copiedPair(): string {
  const dir = mkdtempSync(join(root, 'db-'))
  const file = join(dir, 'live.sqlite')
  openDatabase(file).$client.close()
  const live = openConnection(file)
  live.pragma('wal_autocheckpoint = 0')
  live.exec(`INSERT INTO sites (id, settings, created_at) VALUES ('acme', '{}', 0)`)
  const copy = join(dir, 'copy.sqlite')
  writeFileSync(copy, readFileSync(file))
  writeFileSync(`${copy}-wal`, readFileSync(`${file}-wal`))
  live.close()
  return copy
}

const siteIds = (copy: string) => {
  const db = openDatabase(copy)
  try {
    return db.$client.prepare('SELECT id FROM sites').pluck().all()
  } finally {
    db.$client.close()
  }
}

describe("the start-up check of a database copied with its -wal and no -shm", () => {
  it('reads it where it is, with the commits only its -wal holds, copying nothing', () => {
    const copy = copiedPair()
    copies.sources = []
    expect(siteIds(copy)).toEqual(['acme'])
    expect(copies.sources).toEqual([])
    expect(readdirSync(temp)).toEqual([])
  })

  it('starts where no copy could be made (a full temp folder, a file changing under the copy), leaving nothing in the temp folder', () => {
    let touches = 0
    const failures: [string, (from: string) => void][] = [
      [
        'a full temp folder',
        () => {
          throw Object.assign(new Error('ENOSPC: no space left on device, copyfile'), { code: 'ENOSPC' })
        },
      ],
      // Each try of the copy finds the -wal changed: the copy's "kept changing" error, with its advice for the command line.
      ['a file changing under the copy', (from) => from.endsWith('-wal') && utimesSync(from, new Date(), new Date(Date.now() + ++touches * 1000))],
    ]
    for (const [what, during] of failures) {
      const copy = copiedPair()
      copies.during = during
      expect(siteIds(copy), what).toEqual(['acme'])
      expect(readdirSync(temp), what).toEqual([])
      copies.during = null
    }
  })
})
