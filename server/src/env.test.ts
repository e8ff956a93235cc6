import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ZodError } from 'zod'
import { describeEnvError, misspeltSettings, parseEnv } from './env'

describe('environment', () => {
  it('has a default for everything', () => {
    const env = parseEnv({})
    expect(env).toMatchObject({ PORT: 8787, HOST: '127.0.0.1', SECURE_COOKIES: 'auto', LOG_LEVEL: 'info', SEED_DEMO: true, TRUST_PROXY: 0 })
    expect(env.DATABASE_URL).toMatch(/data[/\\]miniconsent\.sqlite$/)
    expect(env.MINICONSENT_ADMIN_PASSWORD).toBeUndefined()
    expect(env.TRUSTED_REGION_HEADER).toBeUndefined()
  })

  it('refuses both forms of the region headers at once, which one would silently win', () => {
    expect(() => parseEnv({ REGION_HEADERS: 'cloudflare', TRUSTED_REGION_HEADER: 'X-Country' })).toThrow(/REGION_HEADERS or TRUSTED_REGION_HEADER/)
  })

  it('names a variable that looks like a misspelt setting, and the setting it probably means', () => {
    const env = { TRUST_PROXIES: 'true', LOGLEVEL: 'debug', trust_proxy: '1', PORT: '8080', PATH: '/usr/bin', HOSTNAME: 'box', NODE_ENV: 'production', TRUST_PROXY: undefined }
    expect(misspeltSettings(env)).toEqual([
      { name: 'TRUST_PROXIES', meant: 'TRUST_PROXY' },
      { name: 'LOGLEVEL', meant: 'LOG_LEVEL' },
      { name: 'trust_proxy', meant: 'TRUST_PROXY' },
    ])
    // Near a setting that is set: someone else's variable (a database client's, another tool's).
    expect(misspeltSettings({ DATABASE_URL: '/srv/mc.sqlite', DATABASE_USER: 'app', DATABASE_PORT: '5432', PORT: '80', port: '80' })).toEqual([])
  })

  it('takes TRUST_PROXY as true, false or the number of proxies in front of the server', () => {
    expect(['true', 'yes', '1', 'false', 'no', '0', '2', ' 3 '].map((v) => parseEnv({ TRUST_PROXY: v }).TRUST_PROXY)).toEqual([1, 1, 1, 0, 0, 0, 2, 3])
    for (const bad of ['maybe', '-1', '1.5', '100']) expect(() => parseEnv({ TRUST_PROXY: bad }), bad).toThrow(/number of proxies/)
  })

  it('accepts a file: URL or a relative path and normalises the region header', () => {
    expect(parseEnv({ DATABASE_URL: 'file:///var/lib/mc/db.sqlite' }).DATABASE_URL).toBe('/var/lib/mc/db.sqlite')
    expect(isAbsolute(parseEnv({ DATABASE_URL: 'file:data/x.sqlite' }).DATABASE_URL)).toBe(true)
    expect(parseEnv({ TRUSTED_REGION_HEADER: 'CF-IPCountry', SEED_DEMO: 'false' })).toMatchObject({
      TRUSTED_REGION_HEADER: 'cf-ipcountry',
      SEED_DEMO: false,
    })
  })

  it('refuses a DATABASE_URL of another scheme than file:, which it took as a relative path to a new, empty database', () => {
    for (const [value, scheme] of [
      ['sqlite://data/app.db', 'sqlite'],
      ['sqlite:data/app.db', 'sqlite'],
      ['postgres://u:secret@db:5432/mc', 'postgres'],
      ['SQLite3:///var/lib/mc/db.sqlite', 'SQLite3'],
      ['redis://cache:6379', 'redis'],
      ['jdbc:postgresql://db.internal/miniconsent', 'jdbc'],
      ['jdbc:sqlite:/var/lib/mc/db.sqlite', 'jdbc'],
    ]) {
      try {
        parseEnv({ DATABASE_URL: value })
        expect.unreachable(value)
      } catch (e) {
        const text = describeEnvError(e as ZodError)
        expect(text, value).toBe(
          `  DATABASE_URL: must be a path or a file: URL (MiniConsent keeps its data in an SQLite file), not a ${scheme}: URL; write e.g. /var/lib/miniconsent/miniconsent.sqlite or file:///var/lib/miniconsent/miniconsent.sqlite`,
        )
        // Only the scheme is told: the rest of the URL may hold a password.
        expect(text).not.toContain('secret')
      }
    }
    // SQLite's URI parameters are not applied: the file was named `app.db?mode=ro`.
    for (const value of ['file:data/app.db?mode=ro', 'file:///var/lib/mc/db.sqlite?mode=ro', 'file:data/app.db#x']) {
      expect(() => parseEnv({ DATABASE_URL: value }), value).toThrow(/a file: URL here takes no query \(\?…\) or fragment \(#…\): name the file only/)
    }
    // Paths stay paths, with a colon later in them too; a file: URL in capitals is still one.
    expect(parseEnv({ DATABASE_URL: '/var/lib/mc/db.sqlite' }).DATABASE_URL).toBe('/var/lib/mc/db.sqlite')
    expect(parseEnv({ DATABASE_URL: 'data/x.sqlite' }).DATABASE_URL).toBe(resolve('data/x.sqlite'))
    expect(parseEnv({ DATABASE_URL: './a:b.sqlite' }).DATABASE_URL).toBe(resolve('a:b.sqlite'))
    // A relative name with a colon, a backup named with its time: a file once it exists, not a
    // `copy-12:` URL; before, a URL of a scheme not listed must not start a new, empty database.
    const copy = 'copy-12:00.env-test.sqlite'
    expect(() => parseEnv({ DATABASE_URL: copy })).toThrow(/not a copy-12: URL; .* \(a new file whose name holds a colon: begin it with \.\/\)/)
    expect(() => parseEnv({ DATABASE_URL: 'duckdb:x.db' })).toThrow(/not a duckdb: URL/)
    writeFileSync(copy, '')
    try {
      expect(parseEnv({ DATABASE_URL: copy }).DATABASE_URL).toBe(resolve(copy))
    } finally {
      rmSync(copy)
    }
    expect(parseEnv({ DATABASE_URL: '/srv/backup-2026-01-01T10:00.sqlite' }).DATABASE_URL).toBe('/srv/backup-2026-01-01T10:00.sqlite')
    expect(parseEnv({ DATABASE_URL: 'FILE:///var/lib/mc/db.sqlite' }).DATABASE_URL).toBe('/var/lib/mc/db.sqlite')
    expect(parseEnv({ DATABASE_URL: 'file:data/x.sqlite' }).DATABASE_URL).toBe(resolve('data/x.sqlite'))
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

  it('takes PUBLIC_URL as an origin and refuses what is not one', () => {
    expect(parseEnv({}).PUBLIC_URL).toBeUndefined()
    expect(parseEnv({ PUBLIC_URL: 'https://Consent.Example.com/' }).PUBLIC_URL).toBe('https://consent.example.com')
    expect(parseEnv({ PUBLIC_URL: 'http://localhost:8787' }).PUBLIC_URL).toBe('http://localhost:8787')
    expect(() => parseEnv({ PUBLIC_URL: 'consent.example.com' })).toThrow(/address of the dashboard/)
    expect(() => parseEnv({ PUBLIC_URL: 'ftp://consent.example.com' })).toThrow(/http: or https:/)
    expect(() => parseEnv({ PUBLIC_URL: 'https://example.com/consent' })).toThrow(/origin only .*https:\/\/example\.com/)
    expect(() => parseEnv({ PUBLIC_URL: 'https://user:secret@example.com' })).toThrow(/origin only/)
  })

  it('gives a stop STOP_TIMEOUT_SECONDS, 30 unless set, from 1 s to an hour', () => {
    expect(parseEnv({}).STOP_TIMEOUT_SECONDS).toBe(30)
    expect(parseEnv({ STOP_TIMEOUT_SECONDS: ' 90 ' }).STOP_TIMEOUT_SECONDS).toBe(90)
    expect(() => parseEnv({ STOP_TIMEOUT_SECONDS: '0' })).toThrow(/at least 1 second/)
    expect(() => parseEnv({ STOP_TIMEOUT_SECONDS: '7200' })).toThrow(/at most 3600 seconds/)
    expect(() => parseEnv({ STOP_TIMEOUT_SECONDS: '1.5' })).toThrow(/number of seconds/)
    expect(parseEnv({ STOP_TIMEOUT_SECONDS: '' }).STOP_TIMEOUT_SECONDS).toBe(30)
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

  it('takes MANIFEST_SIGNING_KEY as base64 PKCS#8, base64 seed or PEM, and names a bad one without echoing it', () => {
    expect(parseEnv({}).MANIFEST_SIGNING_KEY).toBeUndefined()
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const der = privateKey.export({ format: 'der', type: 'pkcs8' })
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    const forms = [der.toString('base64'), der.subarray(16).toString('base64'), pem, pem.trim().replace(/\n/g, '\\n')]
    for (const form of forms) {
      const key = parseEnv({ MANIFEST_SIGNING_KEY: form }).MANIFEST_SIGNING_KEY!
      expect(verify(null, Buffer.from('m'), createPublicKey(key), sign(null, Buffer.from('m'), privateKey)), form).toBe(true)
      expect(createPublicKey(key).export({ format: 'pem', type: 'spki' })).toEqual(publicKey.export({ format: 'pem', type: 'spki' }))
    }
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    const publicOnly = publicKey.export({ format: 'der', type: 'spki' }).toString('base64')
    for (const bad of ['not-a-key', 'c2hvcnQ=', rsa, publicOnly]) {
      try {
        parseEnv({ MANIFEST_SIGNING_KEY: bad })
        expect.unreachable(bad)
      } catch (e) {
        const text = describeEnvError(e as ZodError)
        expect(text).toMatch(/^  MANIFEST_SIGNING_KEY: not an Ed25519 private key: give the base64 of its PKCS#8 DER form \(openssl genpkey .*\), the base64 of its 32-byte seed, or its PEM$/m)
        expect(text).not.toContain(bad.slice(0, 20))
      }
    }
  })
})
