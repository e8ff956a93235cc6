import { h } from 'preact'
import type { Ctx } from './ctx'
import { fill } from './texts'

/** Stands in for a blocked iframe; its button allows just that service (or its category). */
export function Placeholder({ ctx, frame, onLoad }: { ctx: Ctx; frame: HTMLIFrameElement; onLoad(): void }) {
  const { services, categories } = ctx._config.catalogue
  const s = services.find((x) => x.id === frame.getAttribute('data-service'))
  const category = s ? s.category : frame.getAttribute('data-category')
  const c = categories.find((x) => x.id === category)
  let name = s && s.name
  try {
    name ||= new URL(frame.getAttribute('data-src')!, location.href).hostname
  } catch {}
  // Its texts are the banner's, in the language shown there: not necessarily the page's, which it would inherit.
  return (
    <div class="mc mc-ph" lang={ctx._lang} dir={ctx._dir}>
      <button onClick={onLoad}>
        {fill(ctx._t.loadContent, name || '')}
      </button>
      <p>{fill(ctx._t.loadNote, c ? ctx._loc(c.label) : category || '')}</p>
    </div>
  )
}
