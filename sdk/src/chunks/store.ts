// dist/store.js: IndexedDB (idb-keyval) — the last config, for when the server did not embed it,
// and the queue of records a POST could not deliver. Loaded only when one of them is needed.
import type { StoreChunk } from '../core/types'
import { fetchConfig } from '../browser/config'
import { post, type Item } from '../browser/post'
import { clearJournal, journal, journaled } from '../browser/net-flag'
import { change, load } from '../browser/store'

const QUEUE = 'q'

export default {
  _fetchConfig: fetchConfig,
  _queue: (path, body) => change<Item[]>(QUEUE, (q = []) => [...q.filter((i) => i[1].recordId !== body.recordId), [path, body as Item[1]]]),
  _flush(api) {
    load<Item[]>(QUEUE).then((q = []) => {
      // The queue and the journal, each record once: the journal also holds records whose page
      // was left before their first attempt ended.
      const items = new Map<string, Item>()
      for (const item of [...q, ...journaled()]) items.set(item[1].recordId, item)
      if (!items.size) return clearJournal()
      for (const item of items.values())
        post(api, item).then((done) => {
          if (done) {
            journal(item, false)
            change<Item[]>(QUEUE, (left = []) => left.filter((i) => i[1].recordId !== item[1].recordId))
          }
        })
    })
  },
} satisfies StoreChunk
