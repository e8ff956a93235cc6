// @vitest-environment happy-dom
// The record chunk against a config of revision 0 — what a site without a published catalogue
// gets, and what the dashboard's live preview runs on: a click in the banner must put the choice
// in force on the page and leave no trace, neither a stored-choice cookie nor a consent record.
import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { PublishedConfig } from '@miniconsent/shared'
import { allCategories, toState } from '../core/consent'
import { parseConsentCookie } from '@miniconsent/shared/cookie'
import type { ConsentState, Host } from '../core/types'
import { PENDING_FLAG } from '../browser/net-flag'
import { localize } from '../core/language'
import type { Ctx } from '../ui/ctx'
import { minopaConfig } from '../test/fixtures'
import record from './record'

function fakeHost(config: PublishedConfig, granted = false) {
  let state: ConsentState = toState(config, 'Zm9vYmFyYmF6cXV4cXV1eA', allCategories(config, granted), {}, null, false)
  const chunks: string[] = []
  const host: Host = {
    _config: config,
    _api: 'https://consent.example',
    _nonce: '',
    _lang: '',
    _gpc: false,
    _state: () => state,
    _choose: () => Promise.resolve(),
    _set: (_choice, next) => {
      state = next
      return true
    },
    _chunk: <T,>(name: string) => {
      chunks.push(name)
      return Promise.resolve({ _clean: () => {}, _queue: () => Promise.resolve() } as T)
    },
    _ui: () => {},
  }
  return { host, chunks }
}

/** The part of the banner's UI the record chunk reads: the language and texts shown and how it localizes the catalogue's. */
const shownIn = (lang: string) => ({ _lang: lang, _t: { bannerTitle: 'Wir verwenden Cookies' }, _loc: (text) => localize(text, lang, 'en') }) as Partial<Ctx> as Ctx

const fetchSpy = vi.fn(async (_url: string, _init?: RequestInit) => new Response(null, { status: 201 }))
/** Lets the chunk's promise chain (hash, POST, journal) run out. */
const settle = () => new Promise((r) => setTimeout(r, 20))
/** Waits for `n` posted records: their SHA-256 can take longer than settle() on a loaded machine. */
const posted = (n: number) => vi.waitFor(() => expect(fetchSpy).toHaveBeenCalledTimes(n), { timeout: 5000 })

beforeEach(() => {
  vi.stubGlobal('fetch', fetchSpy)
  fetchSpy.mockClear()
})
afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
  document.cookie = 'miniconsent=;max-age=0;path=/'
  localStorage.clear()
})

describe('record chunk', () => {
  it('on a published revision stores the choice in the cookie and posts the consent record', async () => {
    const { host, chunks } = fakeHost(minopaConfig())
    record._commit(host, 'reject-all', { analytics: false, marketing: false, functional: false }, {}, undefined)
    await posted(1)
    await settle()
    const cookie = /(?:^|; )miniconsent=([^;]*)/.exec(document.cookie)?.[1]
    expect(parseConsentCookie(cookie ?? '')).toMatchObject({ revision: 3, method: 'reject-all', granted: ['essential'] })
    expect(fetchSpy).toHaveBeenCalledTimes(1)
    expect(String(fetchSpy.mock.calls[0]![0])).toBe('https://consent.example/api/v1/consents')
    expect(chunks).toEqual(['cleanup'])
  })

  it('hashes what the visitor read into the record: the texts and each category’s label and description as shown', async () => {
    const config = minopaConfig()
    const { host } = fakeHost(config)
    record._commit(host, 'reject-all', {}, {}, shownIn('de'))
    await posted(1)
    const categories = config.catalogue.categories.map((c) => [localize(c.label, 'de', 'en'), localize(c.description, 'de', 'en')])
    expect(categories[0]).toEqual(['Notwendige Cookies', 'Needed for sign-in.'])
    const body = JSON.parse(String(fetchSpy.mock.calls[0]![1]!.body)) as { textsHash: string }
    expect(body.textsHash).toBe(createHash('sha256').update(JSON.stringify([{ bannerTitle: 'Wir verwenden Cookies' }, categories])).digest('hex'))
  })

  it('names the language of the UI the choice was made in, which knows what it could show; without one, the visitor’s', async () => {
    const { host } = fakeHost(minopaConfig())
    document.documentElement.lang = 'ar'
    try {
      // An Arabic page whose banner showed the site's English: its language chunk failed to load.
      record._commit(host, 'reject-all', {}, {}, shownIn('en'))
      record._commit(host, 'accept-all', {}, {}, undefined)
      await posted(2)
      // By method: the record with texts to hash is posted last.
      const languages = Object.fromEntries(fetchSpy.mock.calls.map((c) => JSON.parse(String(c[1]!.body)) as { method: string; language: string }).map((b) => [b.method, b.language]))
      expect(languages).toEqual({ 'reject-all': 'en', 'accept-all': 'ar' })
    } finally {
      document.documentElement.lang = ''
    }
  })

  it('grants every category for accept-all, whatever categories come with it', async () => {
    const { host } = fakeHost(minopaConfig())
    record._commit(host, 'accept-all', {}, {}, undefined)
    await settle()
    expect(host._state()).toMatchObject({ method: 'accept-all', categories: { essential: true, functional: true, analytics: true, marketing: true } })
    expect(parseConsentCookie(/(?:^|; )miniconsent=([^;]*)/.exec(document.cookie)![1]!)!.granted.sort()).toEqual(['analytics', 'essential', 'functional', 'marketing'])
  })

  it('sends the page URL without its query, cut to the 2,048 characters the server keeps, so a long native-language path still fits the body', async () => {
    const { host } = fakeHost(minopaConfig())
    history.replaceState(null, '', '/' + '中文'.repeat(500) + '?email=someone@example.com')
    try {
      record._commit(host, 'reject-all', { analytics: false, marketing: false, functional: false }, {}, undefined)
      await posted(1)
      const body = JSON.parse(String(fetchSpy.mock.calls[0]![1]!.body)) as { url: string }
      expect(body.url).toBe((location.origin + location.pathname).slice(0, 2048))
      expect(body.url).toHaveLength(2048)
      expect(body.url).not.toContain('email')
      expect(new TextEncoder().encode(JSON.stringify(body)).length).toBeLessThan(8 * 1024)
    } finally {
      history.replaceState(null, '', '/')
    }
  })

  it('on revision 0 puts the choice in force but writes no cookie, posts nothing and queues nothing', async () => {
    const { host, chunks } = fakeHost(minopaConfig({ revision: 0 }))
    record._commit(host, 'accept-all', { functional: true, analytics: true, marketing: true }, {}, shownIn('de'))
    await settle()
    expect(host._state()).toMatchObject({ method: 'accept-all', categories: { analytics: true, marketing: true } })
    expect(document.cookie).toBe('')
    expect(fetchSpy).not.toHaveBeenCalled()
    expect(localStorage.getItem(PENDING_FLAG)).toBeNull()
    expect(chunks).toEqual([])

    // A rejection too: nothing to clean up after, as nothing was stored.
    record._commit(host, 'reject-all', { functional: false, analytics: false, marketing: false }, {}, undefined)
    await settle()
    expect(host._state().categories.analytics).toBe(false)
    expect(document.cookie).toBe('')
    expect(fetchSpy).not.toHaveBeenCalled()
    expect(chunks).toEqual([])
  })

  it('sends a link again later when the server is busy or unreachable, and never once it refused it', async () => {
    // Refusals first: a link this page view still has to deliver keeps the consentId for the others.
    for (const [status, queued] of [[400, false], [422, false], [409, false], [429, true], [408, true], [503, true]] as const) {
      fetchSpy.mockResolvedValueOnce(new Response(null, { status }))
      const { host, chunks } = fakeHost(minopaConfig())
      await expect(record._identify(host, 'user-42')).resolves.toBe(false)
      expect([status, chunks.includes('store'), localStorage.getItem(PENDING_FLAG) !== null]).toEqual([status, queued, queued])
      // A refused link is not kept for the choice to come; one still to be delivered is.
      expect([status, localStorage.getItem('miniconsent-id')]).toEqual([status, queued ? 'Zm9vYmFyYmF6cXV4cXV1eA' : null])
      localStorage.clear()
    }
    fetchSpy.mockResolvedValueOnce(new Response(null, { status: 200 }))
    await expect(record._acceptDocument(fakeHost(minopaConfig()).host, 'terms', undefined)).resolves.toBe(true)
  })

  describe('after a withdrawal', () => {
    const withdraw = (host: Host) => record._commit(host, 'custom', { functional: true, analytics: false, marketing: true }, {}, undefined)

    it('reloads the page once the record is journaled and the denied cookies deleted, without waiting for a POST that hangs', async () => {
      const reload = vi.spyOn(location, 'reload').mockImplementation(() => {})
      fetchSpy.mockImplementationOnce(() => new Promise<Response>(() => {}))
      const { host, chunks } = fakeHost(minopaConfig(), true)
      withdraw(host)
      await settle()
      expect(host._state().method).toBe('withdraw')
      expect(chunks).toContain('cleanup')
      expect(reload).toHaveBeenCalledTimes(1)
      // The next page view sends what this one could not.
      expect(JSON.parse(localStorage.getItem(PENDING_FLAG)!)).toEqual([['/api/v1/consents', expect.objectContaining({ method: 'withdraw' })]])
    })

    it('waits for the POST when storage refuses the journal', async () => {
      const reload = vi.spyOn(location, 'reload').mockImplementation(() => {})
      vi.spyOn(localStorage, 'setItem').mockImplementation(() => {
        throw new DOMException('blocked', 'SecurityError')
      })
      let answer!: (r: Response) => void
      fetchSpy.mockImplementationOnce(() => new Promise<Response>((r) => (answer = r)))
      const { host } = fakeHost(minopaConfig(), true)
      withdraw(host)
      await settle()
      expect(reload).not.toHaveBeenCalled()
      answer(new Response(null, { status: 201 }))
      await settle()
      expect(reload).toHaveBeenCalledTimes(1)
    })
  })
})
