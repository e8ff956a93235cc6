// Deleting a site, for its owners: only one that never had visitors' records (the server refuses
// the others, 409 site_has_records, and says why). The site's id is typed to confirm. Its audit log
// stays, purged by the retention the site had only if the server signed it: one it did not sign
// (perhaps edited outside MiniConsent) keeps the log until the server's operator vouches for it,
// which the dialog says, so that the owner may confirm the retention in the settings first. Until
// the settings have loaded (or when their load failed) that is not known, and the dialog says so
// rather than keep silent as for a signed one; deleting stays possible, as the server allows it.
import type { SiteSummary } from '@miniconsent/shared'
import { useState } from 'preact/hooks'
import { homePath, siteApi, useSession } from '../session'
import { RoleLoweredNotice, useRoleLowered } from './EditsNotKept'
import { errorText, useActionState } from './site-page'
import { TypedConfirm } from './TypedConfirm'

/**
 * The section for an owner; for another role, only the notice that its deletion was not made.
 * `retentionSigned`: whether the site's stored retention bears the server's signature, as the
 * settings form last learnt it (`retentionSigned` of GET …/catalogue or of a save); null while
 * that is not known (the settings loading, or failed to load).
 */
export function DeleteSite({ site, retentionSigned }: { site: SiteSummary; retentionSigned: boolean | null }) {
  const { api, me, refreshMe } = useSession()
  const [step, setStep] = useState<'idle' | 'confirm' | 'deleting'>('idle')
  const [error, setError] = useActionState<string | null>(null)
  // An owner lowered meanwhile: the server refused the deletion (403), the roles were reloaded, and
  // the section goes, with the refusal it showed ("no access to site", which is not why).
  const [notice] = useRoleLowered(site.role === 'owner', step !== 'idle', () => {
    setStep('idle')
    setError(null)
    return 'Not deleted: your role on this site no longer lets you delete it.'
  })

  async function remove() {
    setStep('deleting')
    setError(null)
    try {
      await api.request(siteApi(site.id, ''), null, { method: 'DELETE' })
    } catch (err) {
      setError(`Not deleted: ${errorText(err)}`, err)
      setStep('confirm')
      return
    }
    const next = me.sites.find((s) => s.id !== site.id)
    try {
      // The site list without it, and another site's first page (or the first-site page) with it.
      await refreshMe(next ? homePath(next) : '/')
    } catch (err) {
      setError(`${site.name} was deleted, but your list of sites could not be reloaded (${errorText(err)}). Reload the page.`)
    }
  }

  if (site.role !== 'owner') return <RoleLoweredNotice text={notice} />
  return (
    <section class="delete-site" aria-labelledby="delete-site-heading">
      <h2 id="delete-site-heading">Delete this site</h2>
      <p>
        Only a site that never had records of its visitors can be deleted: one created by mistake, or never embedded.
        Consent records are kept for the site’s retention period, so a site with any cannot be deleted before. Its audit
        log is kept, and its id cannot be given to another site.
      </p>
      {step === 'idle' ? (
        <button type="button" class="danger" onClick={() => (setStep('confirm'), setError(null))}>
          Delete this site…
        </button>
      ) : (
        <TypedConfirm
          id="delete-site-confirm"
          title={<>Delete {site.name}?</>}
          label="Site id"
          expected={site.id}
          busy={step === 'deleting'}
          action="Delete for good"
          busyAction="Deleting…"
          onConfirm={remove}
          onCancel={() => (setStep('idle'), setError(null))}
        >
          <p>
            Its catalogue, revisions, texts, settings, members and pending invitations are deleted for good, and its
            embed script stops working at once. Type the site’s id, <code>{site.id}</code>, to confirm.
          </p>
          {retentionSigned === null ? (
            <p class="notice">
              Whether its retention period is one the server signed could not be checked: the settings above have not loaded. If it is not, once the
              site is deleted its audit log is kept, never purged, until the server’s operator vouches for that retention with the command{' '}
              <code>npm run sign-unsigned -- --site {site.id} --confirm</code>. To know first, wait for the settings to load, or try loading them
              again.
            </p>
          ) : (
            !retentionSigned && (
              <p class="notice">
                Its retention period is not one the server signed (it may have been edited outside MiniConsent, or saved by an older version), so once the
                site is deleted its audit log is kept, never purged, until the server’s operator vouches for that retention with the command{' '}
                <code>npm run sign-unsigned -- --site {site.id} --confirm</code>. To have the log purged by it, confirm the retention in the settings
                above before deleting the site.
              </p>
            )
          )}
        </TypedConfirm>
      )}
      <div role="alert">{error && <p class="field-error">{error}</p>}</div>
    </section>
  )
}
