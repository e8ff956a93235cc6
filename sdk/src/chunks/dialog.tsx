// dist/dialog.js: the preferences dialog and the cookie declaration. Preact comes from
// dist/banner.js (see scripts/build.mjs).
import { h, render } from 'preact'
import { Declaration } from '../ui/Declaration'
import { Preferences } from '../ui/Preferences'
import { DIALOG_CSS } from '../ui/styles'
import { enDialog } from '../ui/texts/en'
import type { GatedElement } from '../browser/gate'
import type { DialogChunk } from './ui-chunks'

export default {
  _css: DIALOG_CSS,
  _texts: enDialog,
  _Preferences: Preferences,
  // Marked as drawn here, not by the core when it asks: a container whose chunk failed to load is asked for again.
  _show: (ctx, containers) => (containers as GatedElement[]).forEach((el) => el._ph || render(<Declaration ctx={ctx} />, (el._ph = el))),
} satisfies DialogChunk
