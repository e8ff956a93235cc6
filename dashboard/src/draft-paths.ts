// A draft problem's place in words, for the problem lists of the two pages that edit a site's draft:
// the Catalogue page (categories, services, cookies and storage) and Texts & appearance (texts,
// appearance). Each page checks, and the server saves, the whole draft, so a page can list a
// problem in the part the other page edits (a label stored with pt-br beside pt-BR, on the texts
// page): such a problem is named with the page that fixes it, as nothing on this one can.
import type { Appearance, Catalogue, UiTextKey } from '@miniconsent/shared'
import { TEXT_LABELS } from './default-texts'
import { sitePath, type SitePageSlug } from './session'

/** The two pages that edit a draft, each its own part of it. */
export type DraftPage = Extract<SitePageSlug, 'catalogue' | 'texts'>

/** The pages' names, as the site's navigation gives them. */
const PAGE_NAMES: Record<DraftPage, string> = { catalogue: 'the Catalogue page', texts: 'Texts & appearance' }

/** The appearance settings, as Texts & appearance labels them. */
const APPEARANCE_LABELS: Record<keyof Appearance, string> = {
  layout: 'Layout',
  theme: 'Theme',
  accentColor: 'Accent colour',
  radius: 'Corner radius',
  floatingButton: 'Floating button to reopen the cookie settings',
}

/** The page that edits the draft at `path`: texts and appearance on Texts & appearance, the rest on the Catalogue page. */
export function pageOf(path: string): DraftPage {
  const section = path.split('.')[0]
  return section === 'texts' || section === 'appearance' ? 'texts' : 'catalogue'
}

/** The address of the page that fixes a problem at `path` when it is not `on`, the page listing it; else undefined. */
export function pageToFix(path: string, on: DraftPage, siteId: string): string | undefined {
  const page = pageOf(path)
  return page === on ? undefined : sitePath(siteId, page)
}

/**
 * "Cookies and storage, row 3 (_ga): expiry", "Banner title (de)", "Texts in pt-br" (a language's
 * own problem: spelt twice) for a problem at `path` in `c`, listed on the page `on`. One in the part
 * the other page edits ends with that page: "Texts in pt-br — fix it on Texts & appearance".
 */
export function describeDraftPath(path: string, c: Catalogue, on: DraftPage): string {
  const page = pageOf(path)
  const words = page === 'texts' ? describeTextsPath(path) : describeCataloguePath(path, c)
  return page === on ? words : `${words} — fix it on ${PAGE_NAMES[page]}`
}

function describeTextsPath(path: string): string {
  const [section, key, textKey] = path.split('.')
  if (section === 'appearance') return (key && APPEARANCE_LABELS[key as keyof Appearance]) || 'Appearance'
  if (!key) return 'Texts'
  if (!textKey) return `Texts in ${key}`
  return `${Object.hasOwn(TEXT_LABELS, textKey) ? TEXT_LABELS[textKey as UiTextKey] : textKey} (${key})`
}

function describeCataloguePath(path: string, c: Catalogue): string {
  const [section, index, ...rest] = path.split('.')
  // A problem of a whole list (`categories`: no essential one; `services`: too many ids) names the list.
  if (index === undefined) return { categories: 'Categories', services: 'Services', entries: 'Cookies and storage' }[section ?? ''] ?? path
  const i = Number(index)
  const field = rest.join(' ') || 'entry'
  if (section === 'categories') return `Category ${i + 1}${c.categories[i]?.id ? ` (${c.categories[i]?.id})` : ''}: ${field}`
  if (section === 'services') return `Service ${i + 1}${c.services[i]?.id ? ` (${c.services[i]?.id})` : ''}: ${field}`
  if (section === 'entries') return `Cookies and storage, row ${i + 1}${c.entries[i]?.name ? ` (${c.entries[i]?.name})` : ''}: ${field}`
  return path
}
