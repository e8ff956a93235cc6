import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cityRecord } from '../../test-fixtures/mmdb-writer'
import { writeTestCityDb, writeTestCountryDb } from '../../test-fixtures/geoip'
import { silentLogger } from '../logger'
import { GeoIpDatabase } from './geoip'

let dir: string
const clock = { now: 0 }
const open = (file: string) => new GeoIpDatabase(file, { now: () => clock.now, logger: silentLogger })

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'miniconsent-geoip-'))
  clock.now = 1_000_000
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('GeoIpDatabase with a City database', () => {
  it('answers country and first subdivision as an ISO 3166-2 code', () => {
    const db = open(writeTestCityDb(dir))
    expect(db.lookup('198.51.100.7')).toBe('US-CA')
    expect(db.lookup('198.51.100.200')).toBe('US-NY')
    expect(db.lookup('203.0.113.9')).toBe('BR-SP')
    expect(db.lookup('192.0.2.1')).toBe('DE')
    expect(db.description).toMatch(/^GeoLite2-City built /)
  })

  it('looks up IPv6 and IPv4-mapped addresses as a dual-stack socket reports them', () => {
    const db = open(writeTestCityDb(dir))
    expect(db.lookup('2001:db8:2::1')).toBe('US-TX')
    expect(db.lookup('2001:db8:1:ffff::9%eth0')).toBe('FR-IDF')
    expect(db.lookup('::ffff:198.51.100.7')).toBe('US-CA')
  })

  it('answers null for addresses it does not know and for things that are not addresses', () => {
    const db = open(writeTestCityDb(dir))
    expect(db.lookup('8.8.8.8')).toBeNull()
    expect(db.lookup('2001:db8:9::1')).toBeNull()
    expect(db.lookup(null)).toBeNull()
    expect(db.lookup('not-an-ip')).toBeNull()
  })

  it('picks up a replaced file on the next lookup a minute later', () => {
    const file = writeTestCityDb(dir)
    const db = open(file)
    expect(db.lookup('192.0.2.1')).toBe('DE')
    writeTestCityDb(dir, [['192.0.2.0/24', cityRecord('AT')]])
    utimesSync(file, new Date(), new Date(Date.now() + 5_000))
    expect(db.lookup('192.0.2.1')).toBe('DE')
    clock.now += 61_000
    expect(db.lookup('192.0.2.1')).toBe('AT')
  })

  it('keeps the copy in memory when the replacement is not a database', () => {
    const file = writeTestCityDb(dir)
    const db = open(file)
    writeFileSync(file, 'half-written')
    clock.now += 61_000
    expect(db.lookup('192.0.2.1')).toBe('DE')
  })
})

describe('GeoIpDatabase with a Country database', () => {
  it('answers the country only, and no region where the database knows only where the block is registered', () => {
    const db = open(writeTestCountryDb(dir))
    expect(db.lookup('198.51.100.7')).toBe('US')
    expect(db.lookup('192.0.2.1')).toBe('GB')
    // A block registered in Switzerland says nothing of where its visitor is: unknown, the strictest mode.
    expect(db.lookup('203.0.113.1')).toBeNull()
  })
})

describe('opening', () => {
  it('says which file is wrong and why', () => {
    const file = join(dir, 'not.mmdb')
    writeFileSync(file, 'hello')
    expect(() => open(file)).toThrow(/GEOIP_DB: .*not\.mmdb is not a MaxMind database/)
    expect(() => open(join(dir, 'missing.mmdb'))).toThrow(/GEOIP_DB: cannot read/)
  })
})
