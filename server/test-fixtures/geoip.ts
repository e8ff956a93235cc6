// GeoIP2-shaped test databases over the documentation address ranges (RFC 5737, RFC 3849), so no
// test depends on where a real address happens to be.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cityRecord, writeMmdb, type MmdbValue } from './mmdb-writer'

export const TEST_CITY_NETWORKS: Array<[string, MmdbValue]> = [
  ['192.0.2.0/24', cityRecord('DE')],
  ['198.51.100.0/25', cityRecord('US', 'CA')],
  ['198.51.100.128/25', cityRecord('US', 'NY')],
  ['203.0.113.0/24', cityRecord('BR', 'SP')],
  ['2001:db8:1::/48', cityRecord('FR', 'IDF')],
  ['2001:db8:2::/48', cityRecord('US', 'TX')],
]

/** Writes a City database (country + first subdivision) into `dir`; returns its path. */
export function writeTestCityDb(dir: string, networks = TEST_CITY_NETWORKS, name = 'test-city.mmdb'): string {
  const file = join(dir, name)
  writeFileSync(file, writeMmdb(networks, { databaseType: 'GeoLite2-City' }))
  return file
}

/** A Country database has no subdivisions: US addresses resolve to `US` only. */
export function writeTestCountryDb(dir: string): string {
  const file = join(dir, 'test-country.mmdb')
  const networks: Array<[string, MmdbValue]> = [
    ['192.0.2.0/24', { country: { iso_code: 'GB' } }],
    ['198.51.100.0/24', { country: { iso_code: 'US' } }],
    // Anycast or satellite ranges carry only the registered country.
    ['203.0.113.0/24', { registered_country: { iso_code: 'CH' } }],
  ]
  writeFileSync(file, writeMmdb(networks, { databaseType: 'GeoLite2-Country' }))
  return file
}
