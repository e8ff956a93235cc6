import { h, type VNode } from 'preact'
import type { Service, StorageEntry } from '@miniconsent/shared'
import { formatExpiry } from '../core/expiry'
import { safeUrl } from './Banner'
import type { Ctx } from './ctx'

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
              <b>{s.name}</b> ({s.provider}) {ctx._loc(s.purpose)} {safeUrl(s.privacyPolicyUrl) && <a href={s.privacyPolicyUrl}>{t.privacyPolicy}</a>}
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
              <td>
                {e.name}
                <Where entry={e} />
              </td>
              <td>{e.provider}</td>
              <td>{ctx._loc(e.purpose)}</td>
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
  return where ? <small>{where}</small> : null
}

/** `<div data-consent-table>`: the cookie declaration, every category with its entries. */
export function Declaration({ ctx }: { ctx: Ctx }) {
  return (
    <div class="mc" lang={ctx._lang} dir={ctx._dir}>
      {ctx._config.catalogue.categories.map((c) => (
        <section>
          <h3>{ctx._loc(c.label)}</h3>
          <p>{ctx._loc(c.description)}</p>
          <CategoryDetails ctx={ctx} category={c.id} />
        </section>
      ))}
      <button onClick={ctx._open}>
        {ctx._t.changeSettings}
      </button>
    </div>
  )
}
