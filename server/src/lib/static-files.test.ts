// The built files kept in memory: one copy per file however its path is spelled, and a file
// replaced on disk is served within a second even when a deploy keeps its size and mtime.
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StaticFiles } from './static-files'

let root: string
let clock: number
let files: StaticFiles

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'miniconsent-static-'))
  mkdirSync(join(root, 'assets'))
  writeFileSync(join(root, 'assets', 'index-AAAAAAAA.js'), 'console.log("a")')
  writeFileSync(join(root, 'index.html'), '<script src="/assets/index-AAAAAAAA.js"></script>')
  clock = 1_000_000
  files = new StaticFiles(() => clock)
})
afterEach(() => rmSync(root, { recursive: true, force: true }))

describe('StaticFiles', () => {
  it('keeps one copy of a file however a client spells its path', async () => {
    const plain = await files.read(root, '/assets/index-AAAAAAAA.js')
    expect(plain?.body.toString()).toBe('console.log("a")')
    for (const spelling of ['//assets/index-AAAAAAAA.js', '/assets//index-AAAAAAAA.js', '/assets%2Findex-AAAAAAAA.js', '/assets/./index-AAAAAAAA.js']) {
      expect(await files.read(root, spelling), spelling).toBe(plain)
    }
    expect(await files.read(root, '/../etc/passwd')).toBeNull()
    expect(await files.read(root, '/assets%2F..%2F..%2Fetc%2Fpasswd')).toBeNull()
  })

  it('serves a file a deploy replaced with the same size and mtime within a second', async () => {
    const html = join(root, 'index.html')
    const before = statSync(html)
    expect((await files.read(root, '/index.html'))?.body.toString()).toContain('AAAAAAAA')
    // A deploy that keeps mtimes (a tarball, cp -p): same size, same mtime, new content and inode.
    writeFileSync(join(root, 'next.html'), '<script src="/assets/index-BBBBBBBB.js"></script>')
    renameSync(join(root, 'next.html'), html)
    utimesSync(html, before.atime, before.mtime)
    expect(statSync(html).size).toBe(before.size)
    expect((await files.read(root, '/index.html'))?.body.toString()).toContain('AAAAAAAA')
    clock += 1_000
    expect((await files.read(root, '/index.html'))?.body.toString()).toContain('BBBBBBBB')
  })
})
