// The built, minified dist/miniconsent.js in a fresh happy-dom window per test (bundle-harness.ts):
// the languages it speaks and marks (its own chunks, the site's texts, right to left), and what it
// records of them. Run `pnpm build` first. The bundle's tests are split over four files, which
// vitest runs side by side: most of their time is waiting for chunks and timers.
import type { PublishedConfig } from '@miniconsent/shared'
import { afterEach, describe, expect, it } from 'vitest'
import { minopaConfig } from '../test/fixtures'
import { en } from '../ui/texts/en'
import { boot, chunk, closeWindows, pageIn, settle } from './bundle-harness'

afterEach(closeWindows)

describe('dist/miniconsent.js: languages', () => {
  it('speaks the page language from its own chunk, right to left for Arabic', async () => {
    const de = await boot({ html: pageIn('de') })
    expect(de.chunkRequests).toContain('lang-de.js')
    const banner = de.w.document.querySelector('[role="region"]')!
    expect(banner.textContent).toContain('Wir verwenden Cookies')
    expect(Array.from(banner.querySelectorAll('button')).map((b) => b.textContent)).toEqual(['Alle akzeptieren', 'Alle ablehnen', 'Einstellungen'])
    expect(de.w.document.getElementById('miniconsent')!.firstElementChild!.getAttribute('lang')).toBe('de')
    const ar = await boot({ html: pageIn('ar') })
    const root = ar.w.document.getElementById('miniconsent')!.firstElementChild!
    expect(root.getAttribute('dir')).toBe('rtl')
    expect(root.textContent).toContain('قبول الكل')
  })

  it('records the language the visitor was shown: their own when there are texts in it, else the site default', async () => {
    const language = async (pageLang: string, defaultLanguage = 'en') => {
      const config = minopaConfig()
      config.site.defaultLanguage = defaultLanguage
      config.catalogue.texts = { ...config.catalogue.texts, sv: { bannerTitle: 'Vi använder kakor' } }
      const { w, posted } = await boot({ config, html: pageIn(pageLang) })
      ;(w.document.querySelector('#miniconsent button') as unknown as HTMLElement).click()
      await settle()
      return posted[0]!.body.language
    }
    // Built-in texts (German, Portuguese), or the site's own (Swedish): the visitor's language.
    expect(await language('de')).toBe('de')
    expect(await language('pt-BR')).toBe('pt-BR')
    expect(await language('sv')).toBe('sv')
    // Japanese has neither: the visitor read the default's texts.
    expect(await language('ja')).toBe('en')
    expect(await language('ja', 'de')).toBe('de')
  })

  it('marks the banner and the declaration with the language of the texts they show, which is the visitor’s only when there are texts in it', async () => {
    const shown = async (pageLang: string, defaultLanguage: string, texts: PublishedConfig['catalogue']['texts']) => {
      const config = minopaConfig()
      config.site.defaultLanguage = defaultLanguage
      config.catalogue.texts = texts
      const html = pageIn(pageLang).replace('</body>', '<div data-consent-table></div></body>')
      const { w, intersect } = await boot({ config, html })
      const table = w.document.querySelector('[data-consent-table]')!
      intersect(table)
      await settle()
      const root = w.document.getElementById('miniconsent')!.firstElementChild!
      const declaration = table.firstElementChild!
      return {
        banner: [root.getAttribute('lang'), root.getAttribute('dir'), root.querySelector('h2')!.textContent],
        declaration: [declaration.getAttribute('lang'), declaration.getAttribute('dir')],
        expiry: table.querySelector('td:last-child')!.textContent,
      }
    }
    // A German site without Japanese texts: a Japanese visitor reads German, and the expiries are in German too.
    expect(await shown('ja', 'de', { de: { bannerTitle: 'Cookies bei Minopa' } })).toEqual({
      banner: ['de', 'ltr', 'Cookies bei Minopa'],
      declaration: ['de', 'ltr'],
      expiry: '30 Tage',
    })
    // Neither the site nor the SDK has Hebrew: English, left to right.
    expect((await shown('he', 'en', { en: { bannerTitle: 'Cookies at Minopa' } })).banner).toEqual(['en', 'ltr', 'Cookies at Minopa'])
    // The site's own Hebrew, or Arabic: right to left.
    expect((await shown('he', 'en', { he: { bannerTitle: 'עוגיות במינופה' } })).banner).toEqual(['he', 'rtl', 'עוגיות במינופה'])
    const arabic = await shown('ar', 'en', { en: { bannerTitle: 'Cookies at Minopa' }, ar: { bannerTitle: 'ملفات تعريف الارتباط في مينوبا' } })
    expect(arabic.banner).toEqual(['ar', 'rtl', 'ملفات تعريف الارتباط في مينوبا'])
    expect(arabic.declaration).toEqual(['ar', 'rtl'])
  })

  it('matches the site’s texts to the page’s language tag in any case: a pt-br page reads the site’s pt-BR texts', async () => {
    const brazil = async (pageLang: string, siteTag: string) => {
      const config = minopaConfig()
      config.catalogue.texts = { [siteTag]: { bannerTitle: 'Usamos cookies no Brasil' } }
      config.catalogue.categories[2]!.label = { en: 'Analytics Cookies', [siteTag]: 'Cookies de análise do Brasil' }
      const { w, api, posted, intersect } = await boot({ config, html: pageIn(pageLang).replace('</body>', '<div data-consent-table></div></body>') })
      intersect(w.document.querySelector('[data-consent-table]'))
      const root = w.document.getElementById('miniconsent')!.firstElementChild!
      const title = root.querySelector('h2')!.textContent
      api.open()
      await settle()
      const label = w.document.querySelector('dialog input[aria-label^="Cookies de análise"]')?.getAttribute('aria-label') ?? null
      // The site's text in the visitor's language is marked with nothing of its own: it is the UI's.
      const heading = Array.from(w.document.querySelectorAll('[data-consent-table] h3')).find((e) => e.textContent === 'Cookies de análise do Brasil')
      expect(heading?.hasAttribute('lang')).toBe(false)
      ;(Array.from(w.document.querySelectorAll('dialog button')).find((b) => b.textContent === 'Aceitar todos') as unknown as HTMLElement).click()
      await settle()
      return { title, label, recorded: posted[0]?.body.language }
    }
    const read = { title: 'Usamos cookies no Brasil', label: 'Cookies de análise do Brasil' }
    expect(await brazil('pt-br', 'pt-BR')).toEqual({ ...read, recorded: 'pt-br' })
    expect(await brazil('pt-BR', 'pt-br')).toEqual({ ...read, recorded: 'pt-BR' })
  })

  it('marks an iframe placeholder with the language of its texts, which is the banner’s, not the page’s', async () => {
    const placeholder = async (pageLang: string, defaultLanguage: string) => {
      const config = minopaConfig()
      config.site.defaultLanguage = defaultLanguage
      const { w } = await boot({ config, html: pageIn(pageLang) })
      const ph = w.document.querySelector('.mc-ph')!
      return [ph.getAttribute('lang'), ph.getAttribute('dir'), ph.querySelector('button')!.textContent]
    }
    // Arabic texts, right to left on a page that sets no direction.
    expect(await placeholder('ar', 'en')).toEqual(['ar', 'rtl', 'تحميل المحتوى من example.com'])
    // A Japanese page of a German site: German texts, marked German.
    expect(await placeholder('ja', 'de')).toEqual(['de', 'ltr', 'Inhalt von example.com laden'])
  })

  it('marks what it shows, and records, the site’s language when the visitor’s built-in texts fail to load', async () => {
    const shown = async (pageLang: string, texts: PublishedConfig['catalogue']['texts'] = {}, siteDefault = 'en') => {
      const config = minopaConfig()
      config.catalogue.texts = texts
      config.site.defaultLanguage = siteDefault
      const { w, posted } = await boot({ config, html: pageIn(pageLang), unavailable: [`lang-${pageLang}.js`] })
      const root = w.document.getElementById('miniconsent')!.firstElementChild!
      const ph = w.document.querySelector('.mc-ph')!
      const marks = [root.getAttribute('lang'), root.getAttribute('dir'), ph.getAttribute('lang'), ph.getAttribute('dir')]
      const title = root.querySelector('h2')!.textContent
      ;(w.document.querySelector('#miniconsent button') as unknown as HTMLElement).click()
      await settle()
      return { marks, title, recorded: posted[0]!.body.language }
    }
    // English texts (the site's default), not Arabic ones: left to right, and recorded as English.
    expect(await shown('ar')).toEqual({ marks: ['en', 'ltr', 'en', 'ltr'], title: en.bannerTitle, recorded: 'en' })
    // The site's own German texts still show: German.
    expect(await shown('de', { de: { bannerTitle: 'Cookies bei Minopa' } })).toEqual({ marks: ['de', 'ltr', 'de', 'ltr'], title: 'Cookies bei Minopa', recorded: 'de' })
    // A German site with no texts of its own, whose French visitor's chunk failed: the banner falls
    // back to English (the SDK's German is in a chunk not loaded), and says so.
    expect(await shown('fr', {}, 'de')).toEqual({ marks: ['en', 'ltr', 'en', 'ltr'], title: en.bannerTitle, recorded: 'en' })
  })

  it('lays out cookie names left to right in a right-to-left UI, and the site’s English texts shown to an Arabic visitor as English', async () => {
    const config = minopaConfig()
    config.catalogue.categories[0]!.label = { en: 'Essential Cookies', ar: 'ملفات تعريف الارتباط الضرورية' }
    const html = pageIn('ar').replace('</body>', '<div data-consent-table></div></body>')
    const { w, intersect } = await boot({ config, html })
    const table = w.document.querySelector('[data-consent-table]')!
    intersect(table)
    await settle()
    /** The innermost element showing exactly `text`, and the direction and language it is laid out in. */
    const marks = (root: { querySelectorAll(s: string): ArrayLike<Element> }, text: string) => {
      const el = Array.from(root.querySelectorAll('*')).filter((e) => e.textContent === text).pop()
      if (!el) throw new Error('not shown: ' + text)
      // <bdi> is dir=auto unless it says otherwise.
      const dir = el.closest('[dir],bdi')!
      return [dir.getAttribute('dir') ?? 'auto', el.closest('[lang]')!.getAttribute('lang')]
    }
    const check = (root: { querySelectorAll(s: string): ArrayLike<Element> }) => {
      // Identifiers, as declared: `_ga`, never `ga_`; `sentry-*`, never `*-sentry`; `sessionStorage`.
      for (const name of ['_ga', '_ga_*', 'sentry-*', 'next-auth.session-token', 'sessionStorage']) expect(marks(root, name)[0]).toBe('ltr')
      // The site's English, where it has no Arabic: marked English, in its own direction (`Sign-in.`, not `.Sign-in`).
      expect(marks(root, 'Needed for sign-in.')).toEqual(['auto', 'en'])
      expect(marks(root, 'Tells visitors apart')).toEqual(['auto', 'en'])
      // Names of services and providers, in any script: each in the direction of its own letters.
      expect(marks(root, 'Google Analytics')[0]).toBe('auto')
      expect(marks(root, 'Google')[0]).toBe('auto')
      // The site's own Arabic: the UI's language and direction.
      expect(marks(root, 'ملفات تعريف الارتباط الضرورية')).toEqual(['rtl', 'ar'])
    }
    check(table)
    // The preferences show the same lists.
    ;(Array.from(w.document.querySelectorAll('#miniconsent button')).find((b) => b.textContent === 'التفضيلات') as unknown as HTMLElement).click()
    await settle()
    const dialog = w.document.querySelector('dialog[aria-modal]')!
    for (const b of Array.from(dialog.querySelectorAll('.mc-exp'))) {
      ;(b as unknown as HTMLElement).click()
      await settle()
    }
    check(dialog)
  })
})
