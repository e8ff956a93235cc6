// A three-way merge of catalogue drafts, for when someone else saved the draft while this editor
// had it open: `base` is the draft as this editor loaded it, `mine` the edited one, `theirs` the
// one saved meanwhile. Categories, services and storage entries are matched by their identity
// (id; kind and name), not by position, and merged field by field; texts and appearance key by key.
// A field both sides changed differently is a conflict, settled per field by the editor's choice.
import type { Catalogue } from '@miniconsent/shared'

export type Side = 'mine' | 'theirs'

export interface DraftChange {
  /** `services[hotjar].purpose.en`, `entries[cookie:_ga]`, `texts.de.bannerTitle`, `categories (order)`. */
  path: string
  before: unknown
  after: unknown
}

export interface DraftConflict {
  path: string
  base: unknown
  mine: unknown
  theirs: unknown
}

export interface MergeResult {
  merged: Catalogue
  conflicts: DraftConflict[]
}

type Obj = Record<string, unknown>
type ListName = 'categories' | 'services' | 'entries'

/** How each list's items are told apart (the server's diff names them the same way). */
const ITEM_KEY: Record<ListName, (item: Obj) => string> = {
  categories: (c) => String(c.id),
  services: (s) => String(s.id),
  entries: (e) => `${String(e.kind ?? 'cookie')}:${String(e.name)}`,
}
const LISTS = Object.keys(ITEM_KEY) as ListName[]

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Deep equality of JSON values; object key order does not matter. */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]))
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    for (const k of keys) if (!same(a[k], b[k])) return false
    return true
  }
  return false
}

const byKey = (list: ListName, items: readonly unknown[]) => new Map(items.map((i) => [ITEM_KEY[list](i as Obj), i as Obj]))

/** What changed from `a` to `b`: per field, items added or removed whole, and a list's new order. */
export function draftChanges(a: Catalogue, b: Catalogue): DraftChange[] {
  const out: DraftChange[] = []
  const walk = (path: string, x: unknown, y: unknown) => {
    if (same(x, y)) return
    if (isObj(x) && isObj(y)) {
      for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) walk(path ? `${path}.${k}` : k, x[k], y[k])
    } else out.push({ path, before: x, after: y })
  }
  for (const list of LISTS) {
    const xs = byKey(list, a[list])
    const ys = byKey(list, b[list])
    for (const k of new Set([...xs.keys(), ...ys.keys()])) walk(`${list}[${k}]`, xs.get(k), ys.get(k))
    const common = (m: Map<string, Obj>, other: Map<string, Obj>) => [...m.keys()].filter((k) => other.has(k))
    if (!same(common(xs, ys), common(ys, xs))) out.push({ path: `${list} (order)`, before: common(xs, ys), after: common(ys, xs) })
  }
  walk('texts', a.texts, b.texts)
  walk('appearance', a.appearance, b.appearance)
  return out
}

/**
 * Merges `mine` and `theirs` over `base`. Where only one side changed a field, that change is
 * kept; where both changed it differently, `resolve[path]` decides (mine by default: the editor is
 * looking at their own work) and the field is listed in `conflicts`. An item one side removed and
 * the other changed is one conflict on the whole item.
 */
export function mergeDrafts(base: Catalogue, mine: Catalogue, theirs: Catalogue, resolve: Record<string, Side> = {}): MergeResult {
  const conflicts: DraftConflict[] = []
  const pick = (path: string, b: unknown, m: unknown, t: unknown): unknown => {
    conflicts.push({ path, base: b, mine: m, theirs: t })
    return resolve[path] === 'theirs' ? t : m
  }
  const merge = (path: string, b: unknown, m: unknown, t: unknown): unknown => {
    if (same(m, t)) return m
    if (same(m, b)) return t
    if (same(t, b)) return m
    if (isObj(m) && isObj(t)) {
      const bo = isObj(b) ? b : {}
      const out: Obj = {}
      for (const k of new Set([...Object.keys(m), ...Object.keys(t)])) {
        const v = merge(path ? `${path}.${k}` : k, bo[k], m[k], t[k])
        if (v !== undefined) out[k] = v
      }
      return out
    }
    return pick(path, b, m, t)
  }

  const merged = { ...mine } as Obj
  for (const list of LISTS) {
    const [bs, ms, ts] = [base, mine, theirs].map((c) => byKey(list, c[list]))
    const items: Obj[] = []
    for (const k of order([...bs!.keys()], [...ms!.keys()], [...ts!.keys()])) {
      const path = `${list}[${k}]`
      const [b, m, t] = [bs!.get(k), ms!.get(k), ts!.get(k)]
      // Removed on one side: gone if the other left it as it was, else a conflict on the whole item.
      const v = m && t ? merge(path, b, m, t) : !m && !t ? undefined : b === undefined ? (m ?? t) : same(m ?? t, b) ? undefined : pick(path, b, m, t)
      if (v !== undefined) items.push(v as Obj)
    }
    merged[list] = items
  }
  merged.texts = merge('texts', base.texts, mine.texts, theirs.texts) ?? {}
  merged.appearance = merge('appearance', base.appearance, mine.appearance, theirs.appearance)
  return { merged: merged as unknown as Catalogue, conflicts }
}

/**
 * The merged list's order: a side's reordering is kept when the other side kept the base order
 * (theirs wins if both reordered); items only one side has go before the item that follows them
 * there, or last.
 */
function order(base: string[], mine: string[], theirs: string[]): string[] {
  const inBase = (list: string[]) => list.filter((k) => base.includes(k))
  const mineMoved = !same(inBase(mine), base.filter((k) => mine.includes(k)))
  const theirsMoved = !same(inBase(theirs), base.filter((k) => theirs.includes(k)))
  const [first, second] = mineMoved && !theirsMoved ? [mine, theirs] : [theirs, mine]
  const out = [...first]
  // Keys removed by the first side but still on the other are kept here; mergeDrafts decides on them.
  for (const list of [second, base]) {
    list.forEach((k, i) => {
      if (out.includes(k)) return
      const next = list.slice(i + 1).find((n) => out.includes(n))
      out.splice(next === undefined ? out.length : out.indexOf(next), 0, k)
    })
  }
  return out
}
