// The default exports of the UI chunks the banner chunk loads.
import type { ComponentType } from 'preact'
import type { Ctx } from '../ui/ctx'
import type { Texts } from '../ui/texts'

export interface UiChunk {
  _css: string
  /** English defaults of the texts this chunk shows. */
  _texts: Partial<Texts>
  /** Set by the banner chunk once the CSS and texts are in place. */
  _ready?: number
  /** Renders what this chunk shows into or beside each element the core found. */
  _show(ctx: Ctx, elements: Element[]): void
}

/** dist/dialog.js: `_show` renders the cookie declaration into each `data-consent-table` container. */
export interface DialogChunk extends UiChunk {
  _Preferences: ComponentType<{ ctx: Ctx; onClose(): void }>
}

/** dist/placeholder.js: `_show` puts a click-to-load placeholder before each blocked iframe and hides the iframe. */
export type PlaceholderChunk = UiChunk
