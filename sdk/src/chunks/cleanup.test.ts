// @vitest-environment happy-dom
// The cleanup chunk writes a cookie to delete each denied one, on the declared path and domain:
// nothing there may add an attribute of its own to what it writes.
import { afterEach, expect, it } from 'vitest'
import { allCategories, toState } from '../core/consent'
import { minopaConfig } from '../test/fixtures'
import cleanup from './cleanup'

const written: string[] = []
const cookieOf = (o: object): PropertyDescriptor => Object.getOwnPropertyDescriptor(o, 'cookie') ?? cookieOf(Object.getPrototypeOf(o) as object)
const cookie = cookieOf(document)
Object.defineProperty(document, 'cookie', {
  configurable: true,
  get: () => cookie.get!.call(document) as string,
  set: (v: string) => {
    written.push(v)
    cookie.set!.call(document, v)
  },
})
afterEach(() => {
  written.length = 0
})

it("deletes a denied cookie on its other paths and domains, but writes none with a catalogue's `;` in its path or domain", async () => {
  const config = minopaConfig()
  const entry = { kind: 'cookie' as const, category: 'analytics', provider: 'Acme', purpose: {}, expiry: '1d' }
  // As a revision published before the catalogue refused them holds them.
  config.catalogue.entries.push({ ...entry, name: 'bad_path', path: '/zz;max-age=99999' }, { ...entry, name: 'bad_domain', domain: 'localhost;max-age=99999' })
  document.cookie = 'bad_path=1'
  document.cookie = 'bad_domain=1'
  written.length = 0
  await cleanup._clean(config, toState(config, 'Zm9vYmFyYmF6cXV4cXV1eA', allCategories(config, false), {}, null, false))
  expect(written.filter((w) => w.includes('99999'))).toEqual([])
  expect(written).toContain('bad_path=;max-age=0;path=/')
  expect(written).toContain('bad_domain=;max-age=0;path=/')
})
