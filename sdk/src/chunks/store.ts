// dist/store.js: IndexedDB (idb-keyval) — the last config, for when the server did not embed it,
// and the queue of records a POST could not deliver. Loaded only when one of them is needed.
import type { StoreChunk } from '../core/types'
import { fetchConfig } from '../browser/config'
import { post, type Item } from '../browser/post'
import { PENDING_FLAG } from '../browser/net-flag'
import { change, load } from '../browser/store'

const QUEUE = 'q'

/** The core script checks this flag, without opening IndexedDB, to know when to load this chunk. */
function flag(on: boolean): void {
  try {
    on ? localStorage.setItem(PENDING_FLAG, '1') : localStorage.removeItem(PENDING_FLAG)
  } catch {}
}

export default {
  _fetchConfig: fetchConfig,
  _queue(path, body) {
    flag(true)
    return change<Item[]>(QUEUE, (q = []) => [...q.filter((i) => i[1].recordId !== body.recordId), [path, body as Item[1]]])
  },
  _flush(api) {
    load<Item[]>(QUEUE).then((q = []) => {
      if (!q.length) return flag(false)
      for (const item of q)
        post(api, item).then((done) => {
          if (done)
            change<Item[]>(QUEUE, (left = []) => {
              left = left.filter((i) => i[1].recordId !== item[1].recordId)
              if (!left.length) flag(false)
              return left
            })
        })
    })
  },
} satisfies StoreChunk
