// Writes the test City database to a file, for trying GEOIP_DB by hand or in browser tests:
//   npx tsx test-fixtures/write-test-geoip.ts /tmp/test-city.mmdb
// Addresses: 192.0.2.x → DE, 198.51.100.0–127 → US-CA, 198.51.100.128–255 → US-NY,
// 203.0.113.x → BR-SP, 2001:db8:1::/48 → FR-IDF, 2001:db8:2::/48 → US-TX.
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { writeMmdb } from './mmdb-writer'
import { TEST_CITY_NETWORKS } from './geoip'

const out = process.argv[2]
if (!out) {
  process.stderr.write('usage: write-test-geoip.ts <file.mmdb>\n')
  process.exit(2)
}
writeFileSync(resolve(out), writeMmdb(TEST_CITY_NETWORKS, { databaseType: 'GeoLite2-City' }))
process.stdout.write(`wrote ${resolve(out)}\n`)
