import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ZodError } from 'zod'
import { describeEnvError, parseEnv } from './env'

describe('environment', () => {
  it('has a default for everything', () => {
    const env = parseEnv({})
    expect(env).toMatchObject({ PORT: 8787, HOST: '127.0.0.1', SECURE_COOKIES: 'auto', LOG_LEVEL: 'info', SEED_DEMO: true, TRUST_PROXY: false })
    expect(env.DATABASE_URL).toMatch(/data[/\\]miniconsent\.sqlite$/)
    expect(env.MINICONSENT_ADMIN_PASSWORD).toBeUndefined()
    expect(env.TRUSTED_REGION_HEADER).toBeUndefined()
  })

  it('accepts a file: URL or a relative path and normalises the region header', () => {
    expect(parseEnv({ DATABASE_URL: 'file:///var/lib/mc/db.sqlite' }).DATABASE_URL).toBe('/var/lib/mc/db.sqlite')
    expect(isAbsolute(parseEnv({ DATABASE_URL: 'file:data/x.sqlite' }).DATABASE_URL)).toBe(true)
    expect(parseEnv({ TRUSTED_REGION_HEADER: 'CF-IPCountry', SEED_DEMO: 'false' })).toMatchObject({
      TRUSTED_REGION_HEADER: 'cf-ipcountry',
      SEED_DEMO: false,
    })
  })

  it('explains what is wrong with a bad value', () => {
    try {
      parseEnv({ PORT: 'eighty', SECURE_COOKIES: 'maybe', MINICONSENT_ADMIN_PASSWORD: 'short' })
      expect.unreachable()
    } catch (e) {
      const text = describeEnvError(e as ZodError)
      expect(text).toMatch(/PORT/)
      expect(text).toMatch(/SECURE_COOKIES/)
      expect(text).toMatch(/MINICONSENT_ADMIN_PASSWORD: use at least 8 characters/)
    }
  })

  it('takes a port only as digits, and a GeoIP database only as a file', () => {
    expect(parseEnv({ PORT: ' 8080 ' }).PORT).toBe(8080)
    expect(parseEnv({ PORT: '0' }).PORT).toBe(0)
    for (const PORT of [' ', '0x50', '1e3', '-1', '65536', '80.5']) {
      expect(() => parseEnv({ PORT }), JSON.stringify(PORT)).toThrow(/port number/)
    }
    expect(() => parseEnv({ GEOIP_DB: tmpdir() })).toThrow(/no such file/)
  })

  it('lets a CDN keep answers for CDN_CACHE_SECONDS, but never beside a GeoIP database', () => {
    expect(parseEnv({}).CDN_CACHE_SECONDS).toBe(0)
    expect(parseEnv({ CDN_CACHE_SECONDS: '600', REGION_HEADERS: 'cloudflare' }).CDN_CACHE_SECONDS).toBe(600)
    expect(() => parseEnv({ CDN_CACHE_SECONDS: 'ten' })).toThrow(/number of seconds/)
    const dir = mkdtempSync(join(tmpdir(), 'env-geoip-'))
    const file = join(dir, 'country.mmdb')
    writeFileSync(file, 'not checked before start-up')
    try {
      expect(parseEnv({ GEOIP_DB: file }).GEOIP_DB).toBe(file)
      try {
        parseEnv({ GEOIP_DB: file, CDN_CACHE_SECONDS: '600' })
        expect.unreachable()
      } catch (e) {
        expect(describeEnvError(e as ZodError)).toMatch(/CDN_CACHE_SECONDS: a CDN cannot keep answers whose region comes from GEOIP_DB/)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
