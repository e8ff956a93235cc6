// dist/dialog.js: the preferences dialog and the cookie declaration. Preact comes from
// dist/banner.js (see scripts/build.mjs).
import { h, render } from 'preact'
import { Declaration } from '../ui/Declaration'
import { Preferences } from '../ui/Preferences'
import { DIALOG_CSS } from '../ui/styles'
import { enDialog } from '../ui/texts/en'
import type { DialogChunk } from './ui-chunks'

export default {
  _css: DIALOG_CSS,
  _texts: enDialog,
  _Preferences: Preferences,
  _show: (ctx, containers) => containers.forEach((el) => render(<Declaration ctx={ctx} />, el)),
} satisfies DialogChunk
