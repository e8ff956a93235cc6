// The default exports of the UI chunks the banner chunk loads.
import type { ComponentType } from 'preact'
import type { GatedElement } from '../browser/gate'
import type { Ctx } from '../ui/ctx'
import type { Texts } from '../ui/texts'

export interface UiChunk {
  _css: string
  /** English defaults of the texts this chunk shows. */
  _texts: Partial<Texts>
  /** Set by the banner chunk once the CSS and texts are in place. */
  _ready?: number
}

/** dist/dialog.js */
export interface DialogChunk extends UiChunk {
  _Preferences: ComponentType<{ ctx: Ctx; onClose(): void }>
  _Declaration: ComponentType<{ ctx: Ctx }>
}

/** dist/placeholder.js */
export interface PlaceholderChunk extends UiChunk {
  /** Puts a click-to-load placeholder before a blocked iframe and hides the iframe. */
  _placeholder(ctx: Ctx, frame: HTMLIFrameElement & GatedElement): void
}
