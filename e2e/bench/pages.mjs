// The one bench page, dressed for each consent manager. The body, the styles and the four gated
// scripts are the same everywhere; only the consent manager's own tags (and the gating markup its
// docs ask for) differ. The other managers get the catalogue of the MiniConsent site being
// measured (categories, services, cookies), so that every banner and dialog has the same content.

/** Stand-ins for the gated vendor tags: each marks that it ran, nothing leaves 127.0.0.1. */
const GATED = [
  { category: 'functional', service: null, code: "document.cookie='theme=light; path=/; max-age=31536000; SameSite=Lax';__benchRan('functional')" },
  { category: 'analytics', service: 'google-analytics', code: "document.cookie='_ga=GA1.1.'+Date.now()+'; path=/; max-age=63072000; SameSite=Lax';__benchRan('google-analytics')" },
  { category: 'analytics', service: 'microsoft-clarity', src: '/stand-in/clarity.js' },
  { category: 'analytics', service: 'sentry', code: "document.cookie='sentry-session=1; path=/; SameSite=Lax';__benchRan('sentry')" },
]
export const GATED_COUNT = GATED.length
export const CLARITY_STAND_IN = "document.cookie='_clck=1; path=/; max-age=31536000; SameSite=Lax';__benchRan('microsoft-clarity')\n"

const STYLE = `
  body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: #1d2330; background: #fafafa }
  .wrap { max-width: 60rem; margin: 0 auto; padding: 0 1rem }
  header { background: #fff; border-bottom: 1px solid #ddd; padding: .75rem 0 }
  h1 { font-size: 2.2rem; line-height: 1.2; margin: 2rem 0 1rem }
  .features { display: grid; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); gap: 1rem; padding: 0; list-style: none }
  .features li { background: #fff; border: 1px solid #ddd; border-radius: .5rem; padding: 1rem }
  footer { margin-top: 3rem; padding: 1rem 0; border-top: 1px solid #ddd }`

const BODY = `
<header><div class="wrap"><strong>Minopa</strong> · <a href="#features">Features</a> · <a href="#privacy">Privacy</a></div></header>
<main class="wrap">
  <h1>Plan, create and publish everywhere at once.</h1>
  <p>Minopa schedules your posts to Instagram, Facebook, LinkedIn, X, Threads, TikTok, Pinterest and YouTube from
    one calendar, with your whole team. Drag posts between days, approve them before they go out and see what
    performs across platforms without switching tabs.</p>
  <ul class="features" id="features">
    <li><h3>One calendar</h3><p>Drag posts between days and see every network at a glance.</p></li>
    <li><h3>Workspaces</h3><p>Invite your team, set roles and approve posts before they go out.</p></li>
    <li><h3>Canva &amp; Drive</h3><p>Import designs and videos straight into your media library.</p></li>
    <li><h3>Insights</h3><p>See what performs across platforms without switching tabs.</p></li>
  </ul>
  <section id="privacy"><h2>Cookies</h2><p>We use cookies and similar technologies to improve your experience.
    You can change your choice at any time in the cookie settings.</p></section>
</main>
<footer><div class="wrap">© Minopa, Köln</div></footer>`

const page = ({ title, head = '', gated = '', bodyEnd = '' }) => `<!doctype html>
<html lang="en">
<head>
${head}
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${STYLE}</style>
${gated}
</head>
<body>${BODY}
${bodyEnd}
</body>
</html>
`

/** The convention MiniConsent shares with vanilla-cookieconsent: inert `type="text/plain"` tags. */
const textPlainTags = () =>
  GATED.map(({ category, service, code, src }) => {
    const attrs = `type="text/plain" data-category="${category}"${service ? ` data-service="${service}"` : ''}`
    return src ? `<script ${attrs} data-src="${src}"></script>` : `<script ${attrs}>${code}</script>`
  }).join('\n')

const en = (text) => (text && typeof text === 'object' ? (text.en ?? Object.values(text)[0] ?? '') : (text ?? ''))

/** Cookie names of a category (wildcards as regular expressions), for the managers that clear them. */
function cookiesOf(catalogue, category) {
  return catalogue.entries
    .filter((e) => e.category === category && e.kind === 'cookie')
    .map((e) => (e.name.includes('*') ? new RegExp('^' + e.name.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$') : e.name))
}

// Regular expressions survive into the page as literals.
const toSource = (value) =>
  JSON.stringify(value, (_k, v) => (v instanceof RegExp ? `@@RE${v.source}@@RE` : v)).replace(/"@@RE(.*?)@@RE"/g, (_m, s) => `/${s.replace(/\\\\/g, '\\')}/`)

const BANNER = {
  title: 'We use cookies',
  text: 'We use essential cookies to run this site and, with your consent, others to remember settings, measure use and personalise ads. You can change your choice at any time.',
}

function vanillaConfig(catalogue, privacyPolicyUrl) {
  const categories = {}
  for (const c of catalogue.categories) {
    const services = Object.fromEntries(catalogue.services.filter((s) => s.category === c.id).map((s) => [s.id, { label: s.name }]))
    categories[c.id] = {
      ...(c.required ? { enabled: true, readOnly: true } : {}),
      ...(Object.keys(services).length ? { services } : {}),
      ...(c.required ? {} : { autoClear: { cookies: cookiesOf(catalogue, c.id).map((name) => ({ name })) } }),
    }
  }
  return {
    // It shows nothing when navigator.webdriver is set, as it is under Playwright.
    hideFromBots: false,
    categories,
    language: {
      default: 'en',
      translations: {
        en: {
          consentModal: {
            title: BANNER.title,
            description: BANNER.text,
            acceptAllBtn: 'Accept all',
            acceptNecessaryBtn: 'Reject all',
            showPreferencesBtn: 'Preferences',
            footer: `<a href="${privacyPolicyUrl}">Privacy policy</a>`,
          },
          preferencesModal: {
            title: 'Cookie preferences',
            acceptAllBtn: 'Accept all',
            acceptNecessaryBtn: 'Reject all',
            savePreferencesBtn: 'Save choices',
            closeIconLabel: 'Close',
            sections: [
              { description: 'Choose which cookies we may use. Essential ones are always on.' },
              ...catalogue.categories.map((c) => ({
                title: en(c.label),
                description: en(c.description),
                linkedCategory: c.id,
                cookieTable: {
                  headers: { name: 'Name', domain: 'Provider', desc: 'Purpose', exp: 'Expiry' },
                  body: catalogue.entries
                    .filter((e) => e.category === c.id)
                    .map((e) => ({ name: e.name, domain: e.provider ?? '', desc: en(e.purpose), exp: e.expiry ?? '' })),
                },
              })),
            ],
          },
        },
      },
    },
  }
}

function orejimeConfig(catalogue, privacyPolicyUrl) {
  const purposes = catalogue.categories.map((c) => {
    const services = catalogue.services.filter((s) => s.category === c.id && !c.required)
    const base = { id: c.id, title: en(c.label), description: en(c.description), ...(c.required ? { isMandatory: true } : {}) }
    const cookies = cookiesOf(catalogue, c.id)
    if (!services.length) return { ...base, cookies }
    // A group: one switch per service, as in MiniConsent's dialog.
    const names = (id) => catalogue.entries.filter((e) => e.service === id && e.kind === 'cookie').map((e) => e.name)
    return { ...base, purposes: services.map((s) => ({ id: s.id, title: s.name, description: en(s.purpose), cookies: names(s.id) })) }
  })
  return { privacyPolicyUrl, purposes, cookie: { name: 'orejime' } }
}

/**
 * Every variant of the page. `banner`: the first layer the probe waits for; `accept`: the text of
 * its Accept all button; `owns`: path prefixes of the manager's files (its time is counted by URL);
 * `config`: the other managers' configuration, served as /bench-config/<key>.js so that it is
 * counted as theirs, as MiniConsent's embedded config is.
 */
export function variants({ catalogue, privacyPolicyUrl, siteId }) {
  return {
    miniconsent: {
      label: 'MiniConsent',
      banner: '.mc-banner',
      accept: /^Accept all$/,
      owns: ['/sdk/'],
      html: page({ title: 'Bench: MiniConsent', head: `<script src="/sdk/${siteId}.js"></script>`, gated: textPlainTags() }),
    },
    'vanilla-cookieconsent': {
      label: 'vanilla-cookieconsent 3.1.0',
      banner: '#cc-main .cm',
      accept: /^Accept all$/,
      owns: ['/vendor/vanilla-cookieconsent/', '/bench-config/vanilla-cookieconsent.js'],
      // Its docs: the stylesheet in <head>, the script and `CookieConsent.run()` at the end of <body>
      // (run() needs document.body; in <head> it shows nothing).
      html: page({
        title: 'Bench: vanilla-cookieconsent',
        head: `<link rel="stylesheet" href="/vendor/vanilla-cookieconsent/dist/cookieconsent.css">`,
        gated: textPlainTags(),
        bodyEnd: `<script src="/vendor/vanilla-cookieconsent/dist/cookieconsent.umd.js"></script>
<script src="/bench-config/vanilla-cookieconsent.js"></script>`,
      }),
      config: `CookieConsent.run(${toSource(vanillaConfig(catalogue, privacyPolicyUrl))})\n`,
    },
    orejime: {
      label: 'Orejime 3.2.1',
      banner: '.orejime-Banner',
      accept: /^Accept/,
      owns: ['/vendor/orejime/', '/bench-config/orejime.js'],
      // Its docs: the config as window.orejimeConfig, then the bundle and stylesheet; gated markup in
      // <template data-purpose>.
      html: page({
        title: 'Bench: Orejime',
        head: `<script src="/bench-config/orejime.js"></script>
<script src="/vendor/orejime/dist/orejime-standard-en.js"></script>
<link rel="stylesheet" href="/vendor/orejime/dist/orejime-standard.css">`,
        gated: GATED.map(({ category, service, code, src }) => {
          const tag = src ? `<script src="${src}"></script>` : `<script>${code}</script>`
          return `<template data-purpose="${service ?? category}">${tag}</template>`
        }).join('\n'),
      }),
      config: `window.orejimeConfig = ${toSource(orejimeConfig(catalogue, privacyPolicyUrl))}\n`,
    },
  }
}
