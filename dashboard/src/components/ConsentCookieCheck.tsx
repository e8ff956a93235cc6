// The catalogue's declaration of MiniConsent's own cookie against Site settings (shared
// own-storage.ts). The SDK writes the cookie under the settings' name and lifetime, which change
// apart from the catalogue: after a rename or a new lifetime there, the declaration visitors read
// names another cookie or another expiry, and nothing else would say so. A warning, never a
// refusal: the catalogue stays valid and publishing stays the admin's call.
import type { ConsentCookieMismatch } from '@miniconsent/shared'
import type { ComponentChildren } from 'preact'
import { sitePath } from '../session'

/**
 * The mismatch in words, with `action` (a fix, a link) under it; `done` once it is put right.
 * Always in the page, so that a screen reader hears the warning come and go.
 */
export function ConsentCookieWarning({
  mismatch,
  action,
  done,
}: {
  mismatch: ConsentCookieMismatch | null
  action?: (m: ConsentCookieMismatch) => ComponentChildren
  done?: string
}) {
  return (
    <div role="status" class="consent-cookie-check">
      {mismatch ? (
        <div class="finding is-warning">
          <strong>The catalogue does not declare the consent cookie as Site settings set it.</strong>
          <p>{mismatch.message}</p>
          {action?.(mismatch)}
        </div>
      ) : (
        done && <p class="ok-text">{done}</p>
      )}
    </div>
  )
}

/** The way to the catalogue editor, where the declaration is put right (and then published). */
export function FixInEditor({ siteId, editable }: { siteId: string; editable: boolean }) {
  return (
    <p>
      {editable ? (
        <>
          <a href={sitePath(siteId, 'catalogue')}>Update the declaration in the catalogue editor</a>, then publish it.
        </>
      ) : (
        <a href={sitePath(siteId, 'catalogue')}>See the catalogue</a>
      )}
    </p>
  )
}
