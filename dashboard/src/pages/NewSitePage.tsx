// A new site (POST /sites): its name, id, domains and default language. The server's administrator
// and the owners of a site may create one (`me.canCreateSites`) and become its owner; the draft
// starts with the essential category, and nothing is served to visitors until the owner publishes
// it. Also the landing of an account with no site.
import { newSiteInput, siteCreated, type SiteSummary } from '@miniconsent/shared'
import { useRef, useState } from 'preact/hooks'
import { ApiRequestError } from '../api'
import { Field, issuesByPath, TextField, type Issues } from '../components/fields'
import { errorText } from '../components/site-page'
import { sitePath, useSession } from '../session'
import { useUnsavedChanges } from '../unsaved-changes'
import { useDocumentTitle } from '../use-document-title'

/** `/new-site`, reached from the header. */
export function NewSitePage() {
  const { me } = useSession()
  useDocumentTitle('New site')
  return (
    <div class="narrow">
      <h1>New site</h1>
      {me.canCreateSites ? (
        <NewSiteForm />
      ) : (
        <p>
          Only the server’s administrator and the owners of a site can add a site. Ask one of them to create it and
          invite you to it.
        </p>
      )}
    </div>
  )
}

/** The title of FirstSitePage, which `/` gives too. */
export const firstSiteTitle = (me: { canCreateSites: boolean }) => (me.canCreateSites ? 'Create your first site' : 'No site yet')

/** `/` for an account that is a member of no site yet. */
export function FirstSitePage() {
  const { me } = useSession()
  useDocumentTitle(firstSiteTitle(me))
  if (!me.canCreateSites) {
    return (
      <div class="narrow">
        <h1>{firstSiteTitle(me)}</h1>
        <p>
          Your account is not a member of any site. Ask the owner of a site in MiniConsent to invite you to it; the
          invitation’s link adds the site to this account.
        </p>
      </div>
    )
  }
  return (
    <div class="narrow">
      <h1>{firstSiteTitle(me)}</h1>
      <p>
        Your account is not a member of any site yet. Add your website here, or ask the owner of a site in MiniConsent to
        invite you to it.
      </p>
      <NewSiteForm />
    </div>
  )
}

interface Form {
  name: string
  id: string
  domains: string
  defaultLanguage: string
}

const LABELS: Record<keyof Form, string> = {
  name: 'Site name',
  id: 'Site ID',
  domains: 'Domains',
  defaultLanguage: 'Default language',
}

/** A site id from its name, until the admin writes one: `Bücher & Co.` → `bucher-co`. */
export function idFromName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 64)
    .replace(/^-+|-+$/g, '')
}

function toInput(f: Form) {
  return {
    id: f.id.trim(),
    name: f.name.trim(),
    domains: f.domains
      .split('\n')
      .map((d) => d.trim())
      .filter(Boolean),
    defaultLanguage: f.defaultLanguage.trim(),
  }
}

/** Issues keyed by the form's fields: `domains.2` belongs to the domains box; what the form does not show, to none. */
function formIssues(list: Array<{ path: ReadonlyArray<PropertyKey> | string; message: string }>): { fields: Issues; other: string[] } {
  const fields: Issues = {}
  const other: string[] = []
  for (const [path, message] of Object.entries(issuesByPath(list))) {
    const top = path.split('.')[0]!
    if (top in LABELS) fields[top] ??= message
    else other.push(path ? `${path}: ${message}` : message)
  }
  return { fields, other }
}

function NewSiteForm() {
  const { api, refreshMe } = useSession()
  const [form, setForm] = useState<Form>({ name: '', id: '', domains: '', defaultLanguage: 'en' })
  /** Once the admin edits the id, the name no longer suggests it. */
  const [idTouched, setIdTouched] = useState(false)
  const [issues, setIssues] = useState<Issues>({})
  const [status, setStatus] = useState<{ creating?: boolean; error?: string }>({})
  const formRef = useRef<HTMLFormElement>(null)
  useUnsavedChanges(!status.creating && (form.name.trim() !== '' || form.domains.trim() !== ''))

  function set(key: keyof Form, value: string) {
    setForm((f) => ({ ...f, [key]: value, ...(key === 'name' && !idTouched ? { id: idFromName(value) } : {}) }))
    setIssues((prev) => {
      const next = { ...prev }
      delete next[key]
      if (key === 'name' && !idTouched) delete next.id
      return next
    })
  }

  function refuse(fields: Issues, message: string) {
    setIssues(fields)
    setStatus({ error: message })
    // The first field with a problem, else the message itself.
    requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"], .form-error')?.focus())
  }

  async function submit(e: SubmitEvent) {
    e.preventDefault()
    if (status.creating) return
    const body = toInput(form)
    const checked = newSiteInput.safeParse(body)
    if (!checked.success) {
      const { fields, other } = formIssues(checked.error.issues)
      return refuse(fields, ['Not created: fix the fields marked above.', ...other].join(' '))
    }
    setIssues({})
    setStatus({ creating: true })
    let site: SiteSummary
    try {
      site = (await api.request('/sites', siteCreated, { method: 'POST', body })).site
    } catch (err) {
      if (err instanceof ApiRequestError && (err.code === 'site_exists' || err.code === 'site_id_used' || err.code === 'site_id_reserved')) {
        return refuse({ id: err.message }, `Not created: ${err.message}`)
      }
      const { fields, other } = err instanceof ApiRequestError ? formIssues(err.issues) : { fields: {}, other: [] }
      const why = other.length ? other.join('; ') : Object.keys(fields).length ? 'fix the fields marked above.' : errorText(err)
      return refuse(fields, `Not created: ${why}`)
    }
    try {
      // The site joins the switcher as its catalogue editor opens.
      await refreshMe(sitePath(site.id, 'catalogue'))
    } catch (err) {
      refuse({}, `${site.name} was created, but your list of sites could not be reloaded (${errorText(err)}). Reload the page to open it.`)
    }
  }

  const scriptUrl = `${location.origin}/sdk/${form.id.trim() || 'site-id'}.js`
  return (
    <form ref={formRef} onSubmit={submit} noValidate>
      <TextField path="name" label={LABELS.name} issues={issues} value={form.name} hint="As your team knows it, e.g. Example Shop." onValue={(v) => set('name', v)} />
      <TextField
        path="id"
        label={LABELS.id}
        issues={issues}
        value={form.id}
        spellcheck={false}
        autoComplete="off"
        hint={`Lower-case letters, digits, - and _; it cannot be changed later. The site's script will be ${scriptUrl}`}
        onValue={(v) => {
          setIdTouched(true)
          set('id', v)
        }}
      />
      <Field path="domains" label={LABELS.domains} issues={issues} hint="The hostnames of your website, one per line, e.g. www.example.com; each covers its subdomains.">
        {(a11y) => <textarea {...a11y} rows={3} spellcheck={false} value={form.domains} onInput={(e) => set('domains', e.currentTarget.value)} />}
      </Field>
      <TextField
        path="defaultLanguage"
        label={LABELS.defaultLanguage}
        issues={issues}
        value={form.defaultLanguage}
        spellcheck={false}
        size={8}
        hint="A language tag such as en, de or pt-BR: the language of the banner's first texts."
        onValue={(v) => set('defaultLanguage', v)}
      />
      <p class="hint">
        The new site starts with a draft catalogue holding the essential category. Visitors get nothing until you publish it.
      </p>
      <div role="alert">
        {status.error && (
          <p class="form-error" tabIndex={-1}>
            {status.error}
          </p>
        )}
      </div>
      <button type="submit" class="primary" disabled={status.creating}>
        {status.creating ? 'Creating…' : 'Create site'}
      </button>
    </form>
  )
}
