import { h, type VNode } from 'preact'
import type { Service, StorageEntry } from '@miniconsent/shared'
import { formatExpiry } from '../core/expiry'
import { safeUrl } from './Banner'
import type { Ctx } from './ctx'

/**
 * A catalogue text, as props of the element that shows it: the text, and when it is not in the
 * language the UI is marked with (a fallback: an Arabic visitor reads the site's English
 * descriptions), that language and the direction of its own letters. Else, laid out in the UI's
 * direction, English punctuation lands on the wrong side of English text (`.These cookies…`).
 */
export const loc = (ctx: Ctx, text: Record<string, string> | undefined) => {
  const children = ctx._loc(text)
  const lang = text && Object.keys(text).find((k) => text[k] == children)
  // The UI's language however either spells its case (a site's pt-BR text in a pt-br UI).
  return lang?.toLowerCase() == ctx._lang.toLowerCase() ? { children } : { lang, dir: 'auto' as const, children }
}

/**
 * One category's services (name, provider, purpose, policy link) and its cookie and storage
 * entries; in the preferences dialog each service has its own switch (`toggle`).
 */
export function CategoryDetails({ ctx, category, toggle }: { ctx: Ctx; category: string; toggle?: (s: Service) => VNode }) {
  const t = ctx._t
  const { services, entries } = ctx._config.catalogue
  const rows = entries.filter((e) => e.category === category)
  return (
    <div>
      <ul aria-label={t.services}>
        {services
          .filter((s) => s.category === category)
          .map((s) => (
            <li>
              {toggle && toggle(s)}
              {/* Names, as written in any language: each in the direction of its own letters (<bdi>, like dir=auto). */}
              <b dir="auto">{s.name}</b> (<bdi>{s.provider}</bdi>) <span {...loc(ctx, s.purpose)} /> {safeUrl(s.privacyPolicyUrl) && <a href={s.privacyPolicyUrl}>{t.privacyPolicy}</a>}
            </li>
          ))}
      </ul>
      {rows[0] && (
        <table>
          <tr>
            {[t.name, t.provider, t.purpose, t.expiry].map((x) => (
              <th scope="col">{x}</th>
            ))}
          </tr>
          {rows.map((e: StorageEntry) => (
            <tr>
              {/* Identifiers, left to right as declared, also in a right-to-left UI: `_ga`, never `ga_`. */}
              <td>
                <bdi dir="ltr">{e.name}</bdi>
                <Where entry={e} />
              </td>
              <td>
                <bdi>{e.provider}</bdi>
              </td>
              <td {...loc(ctx, e.purpose)} />
              <td>{formatExpiry(e.expiry, ctx._lang, t.session, t.persistent)}</td>
            </tr>
          ))}
        </table>
      )}
    </div>
  )
}

/**
 * Under an entry's name: its kind unless a cookie, and its domain and path when the catalogue
 * gives them, as written (API and host names, the same in every language): `localStorage`,
 * `.example.com /shop`. Two entries of one name (a `session` cookie of the site and another on
 * /shop) are then told apart.
 */
function Where({ entry: e }: { entry: StorageEntry }) {
  const where = [e.kind != 'cookie' && e.kind, e.domain, e.path].filter(Boolean).join(' ')
  return where ? (
    <small>
      <bdi dir="ltr">{where}</bdi>
    </small>
  ) : null
}

/** `<div data-consent-table>`: the cookie declaration, every category with its entries. */
export function Declaration({ ctx }: { ctx: Ctx }) {
  return (
    <div class="mc" lang={ctx._lang} dir={ctx._dir}>
      {ctx._config.catalogue.categories.map((c) => (
        <section>
          <h3 {...loc(ctx, c.label)} />
          <p {...loc(ctx, c.description)} />
          <CategoryDetails ctx={ctx} category={c.id} />
        </section>
      ))}
      <button onClick={ctx._open}>
        {ctx._t.changeSettings}
      </button>
    </div>
  )
}
