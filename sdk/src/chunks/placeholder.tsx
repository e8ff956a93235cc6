// dist/placeholder.js: click-to-load placeholders for blocked iframes. Preact comes from dist/banner.js.
import { h, render } from 'preact'
import { own, serviceExceptions } from '../core/consent'
import { Placeholder } from '../ui/Placeholder'
import { PLACEHOLDER_CSS } from '../ui/styles'
import { enPlaceholder } from '../ui/texts/en'
import type { GatedElement } from '../browser/gate'
import type { PlaceholderChunk } from './ui-chunks'

export default {
  _css: PLACEHOLDER_CSS,
  _texts: enPlaceholder,
  _show: (ctx, frames) => (frames as (HTMLIFrameElement & GatedElement)[]).forEach((frame) => {
    // A frame with its src was released while this chunk was on its way: nothing to hold back.
    if (frame._ph || frame.hasAttribute('src')) return
    const ph = (frame._ph = document.createElement('div'))
    frame.before(ph)
    frame.hidden = true
    // Allows just this frame's service when the catalogue knows it, else its category.
    const onLoad = () => {
      // Released, the frame takes the focus from its placeholder's button, which the release removes
      // (the change event comes after it): not lost to <body>.
      addEventListener('miniconsent:change', () => ph.isConnected || frame.focus(), { once: true })
      const s = ctx._host._state()
      const service = frame.getAttribute('data-service')!
      own(s.services, service) !== undefined
        ? ctx._choose('custom', s.categories, { ...serviceExceptions(ctx._config, s), [service]: true })
        : ctx._choose('custom', { ...s.categories, [frame.getAttribute('data-category')!]: true }, serviceExceptions(ctx._config, s))
    }
    render(<Placeholder ctx={ctx} frame={frame} onLoad={onLoad} />, ph)
  }),
} satisfies PlaceholderChunk
