// verify's copy of a database it cannot open where it is (cli.ts copyConsistent): the file and its
// WAL must be copied as one state. A server committing between the two copies would leave a torn
// pair, which verify would read as tampering.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

const copies = vi.hoisted(() => ({ during: null as null | ((from: string) => void), count: 0 }))
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  return {
    ...fs,
    copyFileSync: (from: string, to: string) => {
      fs.copyFileSync(from, to)
      copies.count += 1
      copies.during?.(from)
    },
  }
})

const { copyConsistent } = await import('./cli')

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'miniconsent-copy-'))
  copies.count = 0
  copies.during = null
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('copyConsistent', () => {
  it('copies the file and its WAL as they are', () => {
    const file = join(dir, 'log.sqlite')
    writeFileSync(file, 'pages')
    writeFileSync(`${file}-wal`, 'frames')
    copyConsistent(file, join(dir, 'copy.sqlite'))
    expect(readFileSync(join(dir, 'copy.sqlite'), 'utf8')).toBe('pages')
    expect(readFileSync(join(dir, 'copy.sqlite-wal'), 'utf8')).toBe('frames')
    expect(copies.count).toBe(2)
  })

  it('copies again when a commit lands between the file and its WAL, until both copies are of one state', () => {
    const file = join(dir, 'log.sqlite')
    writeFileSync(file, 'pages')
    writeFileSync(`${file}-wal`, 'frames')
    // A server commits once, right after the file's first copy: the WAL the first try copies is
    // not of the file it copied just before.
    copies.during = (from) => {
      if (from === file && copies.count === 1) appendFileSync(`${file}-wal`, '+commit')
    }
    copyConsistent(file, join(dir, 'copy.sqlite'))
    expect(copies.count).toBe(4)
    expect(readFileSync(join(dir, 'copy.sqlite-wal'), 'utf8')).toBe('frames+commit')
  })

  it('drops a WAL left by an earlier try when the database has none by the end', () => {
    const file = join(dir, 'log.sqlite')
    writeFileSync(file, 'pages')
    writeFileSync(`${file}-wal`, 'frames')
    // A checkpoint on close moves the WAL into the file and deletes it, after the first try's copies.
    copies.during = (from) => {
      if (from === `${file}-wal` && copies.count === 2) {
        appendFileSync(file, '+frames')
        rmSync(`${file}-wal`)
      }
    }
    copyConsistent(file, join(dir, 'copy.sqlite'))
    expect(readFileSync(join(dir, 'copy.sqlite'), 'utf8')).toBe('pages+frames')
    expect(existsSync(join(dir, 'copy.sqlite-wal'))).toBe(false)
  })

  it('gives up with a message after five tries while a server keeps writing', () => {
    const file = join(dir, 'log.sqlite')
    writeFileSync(file, 'pages')
    writeFileSync(`${file}-wal`, 'frames')
    copies.during = () => appendFileSync(`${file}-wal`, '+commit')
    expect(() => copyConsistent(file, join(dir, 'copy.sqlite'))).toThrow(/the database kept changing while it was copied/)
    expect(copies.count).toBe(10)
  })
})
