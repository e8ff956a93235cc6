// IndexedDB through idb-keyval, falling back to memory: storage may be blocked (private modes,
// disabled site data) and the SDK must keep working for the page view (issue 2, point 5).
import { createStore, get, set, update, type UseStore } from 'idb-keyval'

const mem: Record<string, unknown> = {}
let store: UseStore | undefined

function db(): UseStore {
  // createStore opens the database at once and throws when indexedDB is missing.
  return (store ||= createStore('miniconsent', 'kv'))
}

export function load<T>(key: string): Promise<T | undefined> {
  return Promise.resolve()
    .then(() => get<T>(key, db()))
    .catch(() => mem[key] as T | undefined)
}

export function save(key: string, value: unknown): Promise<void> {
  mem[key] = value
  return Promise.resolve()
    .then(() => set(key, value, db()))
    .catch(() => {})
}

export function change<T>(key: string, fn: (old: T | undefined) => T): Promise<void> {
  return Promise.resolve()
    .then(() => update<T>(key, fn, db()))
    .catch(() => {
      mem[key] = fn(mem[key] as T | undefined)
    })
}
