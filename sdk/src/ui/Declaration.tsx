import type { PublishedConfig } from '../core/types'
import type { StorageEntry } from '@miniconsent/shared'
import { formatExpiry } from '../core/expiry'
import { localize } from '../core/language'
import type { Texts } from './texts'

export interface Ctx {
  _config: PublishedConfig
  _lang: string
  _t: Texts
}

export const loc = (ctx: Ctx, text: Record<string, string> | undefined) => localize(text, ctx._lang, ctx._config.site.defaultLanguage)

export function EntryTable({ ctx, entries }: { ctx: Ctx; entries: StorageEntry[] }) {
  const t = ctx._t
  if (!entries.length) return null
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t.name}</th>
          <th scope="col">{t.provider}</th>
          <th scope="col">{t.purpose}</th>
          <th scope="col">{t.expiry}</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.name + e.kind}>
            <td>
              <code>{e.name}</code>
            </td>
            <td>{e.provider}</td>
            <td>{loc(ctx, e.purpose)}</td>
            <td>{formatExpiry(e.expiry, ctx._lang, t.session, t.persistent)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** The services of one category: name, provider, purpose and privacy policy link. */
export function ServiceList({ ctx, category }: { ctx: Ctx; category: string }) {
  const services = ctx._config.catalogue.services.filter((s) => s.category === category)
  if (!services.length) return null
  return (
    <ul class="mc-svc" aria-label={ctx._t.services}>
      {services.map((s) => (
        <li key={s.id}>
          <b>{s.name}</b> ({s.provider}) {loc(ctx, s.purpose)}{' '}
          {s.privacyPolicyUrl && <a href={s.privacyPolicyUrl} target="_blank" rel="noopener">{ctx._t.privacyPolicy}</a>}
        </li>
      ))}
    </ul>
  )
}

/** `<div data-consent-table>`: the cookie declaration, every category with its entries. */
export function Declaration({ ctx, onOpen }: { ctx: Ctx; onOpen: () => void }) {
  const { catalogue } = ctx._config
  return (
    <div class="mc mc-decl">
      {catalogue.categories.map((c) => (
        <section key={c.id}>
          <h3>{loc(ctx, c.label)}</h3>
          <p>{loc(ctx, c.description)}</p>
          <ServiceList ctx={ctx} category={c.id} />
          <EntryTable ctx={ctx} entries={catalogue.entries.filter((e) => e.category === c.id)} />
        </section>
      ))}
      <button type="button" class="mc-btn" onClick={onOpen}>
        {ctx._t.changeSettings}
      </button>
    </div>
  )
}
