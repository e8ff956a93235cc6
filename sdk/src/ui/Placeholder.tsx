import type { Ctx } from './Declaration'
import { loc } from './Declaration'
import { fill } from './texts'

/** Stands in for a blocked iframe and can allow just its service (or category) on click. */
export function Placeholder({ ctx, service, category, src, onLoad }: { ctx: Ctx; service: string | null; category: string; src: string; onLoad(): void }) {
  const { services, categories } = ctx._config.catalogue
  const s = services.find((x) => x.id === service)
  const c = categories.find((x) => x.id === (s ? s.category : category))
  let name = s ? s.name : src
  try {
    if (!s) name = new URL(src, location.href).hostname
  } catch {}
  return (
    <div class="mc mc-ph">
      <button type="button" class="mc-btn" onClick={onLoad}>
        {fill(ctx._t.loadContent, name)}
      </button>
      <p>{fill(ctx._t.loadNote, c ? loc(ctx, c.label) : category)}</p>
    </div>
  )
}
