// Region lookup in a local MaxMind GeoIP2/GeoLite2 Country or City database (SPEC §6: never a
// third-party service). The file is read into memory once and re-read when it changes on disk,
// since geoipupdate replaces it in place every week or so.
import { readFileSync, statSync } from 'node:fs'
import { isIPv4, isIPv6 } from 'node:net'
import { normalizeRegion } from '@miniconsent/shared/regions'
import { Reader, type CityResponse } from 'maxmind'
import type { Logger } from '../logger'
import { ConfigurationError } from './errors'

const RECHECK_MS = 60_000

function openReader(file: string): Reader<CityResponse> {
  let buffer: Buffer
  try {
    buffer = readFileSync(file)
  } catch (e) {
    throw new ConfigurationError(`GEOIP_DB: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`)
  }
  try {
    return new Reader<CityResponse>(buffer)
  } catch (e) {
    throw new ConfigurationError(`GEOIP_DB: ${file} is not a MaxMind database (.mmdb): ${e instanceof Error ? e.message : String(e)}`)
  }
}

/** `::ffff:a.b.c.d` is an IPv4 client seen through a dual-stack socket; the database keys it as IPv4. */
function lookupAddress(ip: string): string | null {
  const address = ip.trim().split('%')[0] ?? ''
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped?.[1]) return mapped[1]
  return isIPv4(address) || isIPv6(address) ? address : null
}

export class GeoIpDatabase {
  private reader: Reader<CityResponse>
  private version: string
  private checkedAt: number

  constructor(
    readonly file: string,
    private readonly opts: { now: () => number; logger: Logger },
  ) {
    this.reader = openReader(file)
    this.version = this.fileVersion() ?? ''
    this.checkedAt = opts.now()
  }

  /** The database's build, for logs. */
  get description(): string {
    const m = this.reader.metadata
    return `${m.databaseType} built ${m.buildEpoch.toISOString()}`
  }

  /** `US-CA` when the database has a subdivision (City), `DE` when it has only a country, else null. */
  lookup(ip: string | null): string | null {
    if (!ip) return null
    const address = lookupAddress(ip)
    if (!address) return null
    this.reloadIfChanged()
    let found: CityResponse | null
    try {
      found = this.reader.get(address)
    } catch {
      // An IPv6 address against an IPv4-only database, for instance.
      return null
    }
    // Where the visitor is, not where the address block is registered (anycast, relays, carriers
    // and VPN egresses are registered far from their users): without a located country the region
    // is unknown, and SPEC §6 gives it the strictest mode.
    const country = normalizeRegion(found?.country?.iso_code)
    if (!country || country.length !== 2) return null
    const subdivision = found?.subdivisions?.[0]?.iso_code
    return (subdivision && normalizeRegion(`${country}-${subdivision}`)) || country
  }

  private fileVersion(): string | null {
    try {
      const info = statSync(this.file)
      return `${info.mtimeMs}:${info.size}`
    } catch {
      return null
    }
  }

  private reloadIfChanged() {
    const t = this.opts.now()
    if (t - this.checkedAt < RECHECK_MS) return
    this.checkedAt = t
    const version = this.fileVersion()
    if (version === null || version === this.version) return
    try {
      this.reader = openReader(this.file)
      this.version = version
      this.opts.logger.info('geoip database reloaded', { file: this.file, database: this.description })
    } catch (e) {
      // Half-written by an updater, perhaps: keep answering from the copy in memory.
      this.opts.logger.warn('geoip database not reloaded', { file: this.file, err: e })
    }
  }
}
