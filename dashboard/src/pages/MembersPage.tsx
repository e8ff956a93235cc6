import { invitationInput, ROLES, type PendingInvitation, type Role } from '@miniconsent/shared'
import { useRef, useState } from 'preact/hooks'
import { inviteAnswer, memberList, type Invitation, type Member, type MemberList } from '../api-shapes'
import { ActionButton, OutcomeStatus, type Outcome } from '../components/actions'
import { LoadFailure, LoadGate, errorText, siteRoute, useActionState, useLoad, type SitePageProps } from '../components/site-page'
import { formatTime } from '../format'
import { siteApi, useSession } from '../session'
import { useDocumentTitle } from '../use-document-title'

export const MembersRoute = siteRoute('members', MembersPage)

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  owner: 'Owner — everything, including users',
  editor: 'Editor — catalogue, texts, publishing',
  auditor: 'Auditor — reads logs, exports, verifies; changes nothing',
}

function MembersPage({ site }: SitePageProps) {
  const { api, refreshMe } = useSession()
  useDocumentTitle(`Users & roles — ${site.name}`)
  const load = useLoad((signal) => api.request(siteApi(site.id, '/members'), memberList, { signal }), [site.id])
  const [outcome, setOutcome] = useState<Outcome | null>(null)
  const [rolesFailure, setRolesFailure] = useState<string | null>(null)
  const [invited, setInvited] = useActionState<InviteResult | null>(null)

  // A change of your own changes what you may see: the navigation, and this page, follow your new roles.
  function reloadRoles() {
    setRolesFailure(null)
    refreshMe().catch((err: unknown) => setRolesFailure(errorText(err)))
  }

  // The change is said as made before anything is reloaded: a reload that then fails says so, with
  // a retry, and never reads as the change having failed.
  const changed: OnChanged = (text, { own = false, gone = false, cancelled } = {}) => {
    setOutcome({ text, focus: gone })
    // The link shown for an invitation stops working once it is cancelled: it goes too.
    if (cancelled) setInvited((r) => (r?.email === cancelled.toLowerCase() ? null : r))
    if (own) reloadRoles()
    else load.reload()
  }

  return (
    <>
      <h1>Users & roles — {site.name}</h1>
      <InviteForm
        siteId={site.id}
        result={invited}
        onResult={setInvited}
        onInvited={load.reload}
        pending={load.state.status === 'loaded' ? load.state.data.invitations : []}
      />
      <OutcomeStatus outcome={outcome} />
      {rolesFailure && <LoadFailure what="your roles" message={rolesFailure} onRetry={reloadRoles} />}
      <LoadGate state={load.state} what="the members" onRetry={load.reload}>
        {(list) => <Members siteId={site.id} list={list} onChanged={changed} />}
      </LoadGate>
    </>
  )
}

/** What the last invitation came to; `email` (as the server stores it, lower case) and `link` when it was made. */
interface InviteResult {
  text: string
  ok: boolean
  email?: string
  link?: string
}

/** `result` is kept by the page, which clears it when the invitation shown is cancelled. */
function InviteForm({
  siteId,
  result,
  onResult: setResult,
  onInvited,
  pending,
}: {
  siteId: string
  result: InviteResult | null
  /** `err`: the error that made it (useActionState). */
  onResult: (result: InviteResult | null, err?: unknown) => void
  onInvited: () => void
  /** The site's open invitations, as listed: inviting one of them again replaces it. */
  pending: readonly PendingInvitation[]
}) {
  const { api } = useSession()
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<Role>('editor')
  const [busy, setBusy] = useState(false)
  const [fieldError, setFieldError] = useState<string | null>(null)
  const [copied, setCopied] = useState(false)

  async function submit(e: SubmitEvent) {
    e.preventDefault()
    if (busy) return
    const input = { email: email.trim(), role }
    if (!invitationInput.safeParse(input).success) {
      setFieldError('Enter an email address like name@example.com.')
      // The last invitation's sentence and link are not this attempt's.
      setResult(null)
      return
    }
    const open = pending.find((i) => i.email === input.email.toLowerCase())
    if (open && !window.confirm(`${input.email} has an open invitation as ${open.role}. A new one replaces it, and its link stops working. Invite again?`)) return
    setFieldError(null)
    setBusy(true)
    setResult(null)
    setCopied(false)
    try {
      const answer = await api.request(siteApi(siteId, '/invitations'), inviteAnswer, { method: 'POST', body: input })
      // Also for an address that has an account: it joins only when the link's holder enters that
      // account's password, so whoever registered the address first cannot join in its place.
      const link = new URL(answer.inviteUrl, location.origin).href
      setResult({
        ok: true,
        email: input.email.toLowerCase(),
        link,
        text: `Invitation for ${input.email} as ${role}. No e-mail is sent: copy this link and send it yourself. It is valid for 7 days. Someone who already has an account joins with its password.`,
      })
      setEmail('')
      onInvited()
    } catch (err) {
      setResult({ ok: false, text: `Not invited: ${errorText(err)}` }, err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class="editor-section" aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite someone</h2>
      <form class="filters" onSubmit={submit} noValidate>
        <div class="field">
          <label for="invite-email">Email</label>
          <input
            id="invite-email"
            type="email"
            autoComplete="off"
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
            aria-invalid={fieldError ? true : undefined}
            aria-describedby={fieldError ? 'invite-email-error' : undefined}
          />
          {fieldError && (
            <p id="invite-email-error" class="field-error">
              {fieldError}
            </p>
          )}
        </div>
        <div class="field">
          <label for="invite-role">Role</label>
          <select id="invite-role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_DESCRIPTIONS[r]}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <ActionButton type="submit" class="primary" inactive={busy}>
            Invite
          </ActionButton>
        </div>
      </form>
      <div role="status">
        {result && (
          <div class={result.ok ? 'notice' : 'form-error'}>
            <p>{result.text}</p>
            {result.link && (
              <div class="inline-controls">
                <label for="invite-link" class="visually-hidden">
                  Invitation link
                </label>
                <input id="invite-link" readOnly value={result.link} onFocus={(e) => e.currentTarget.select()} />
                <button
                  type="button"
                  onClick={async () => {
                    try {
                      await navigator.clipboard.writeText(result.link!)
                      setCopied(true)
                    } catch {
                      ;(document.getElementById('invite-link') as HTMLInputElement | null)?.select()
                    }
                  }}
                >
                  {copied ? 'Copied' : 'Copy link'}
                </button>
              </div>
            )}
          </div>
        )}
      </div>
    </section>
  )
}

/**
 * What a row or invitation reports once its change is made: a sentence to announce. `own`: the
 * change was to your own membership, so your roles are reloaded, else the list is. `gone`: the
 * control that made it goes with the reload. `cancelled`: the email of an invitation cancelled.
 */
type OnChanged = (outcome: string, how?: { own?: boolean; gone?: boolean; cancelled?: string }) => void

function Members({ siteId, list, onChanged }: { siteId: string; list: MemberList; onChanged: OnChanged }) {
  const { me } = useSession()
  return (
    <>
      <section class="editor-section" aria-labelledby="members-heading">
        <h2 id="members-heading">Members</h2>
        <div class="table-scroll" role="region" aria-labelledby="members-caption" tabIndex={0}>
          <table class="data-table">
            <caption id="members-caption">Members of this site</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.members.map((m) => (
                <MemberRow key={m.userId} siteId={siteId} member={m} isMe={m.userId === me.user.id} onChanged={onChanged} />
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section class="editor-section" aria-labelledby="invitations-heading">
        <h2 id="invitations-heading">Open invitations</h2>
        {list.invitations.length === 0 ? (
          <p class="muted">No open invitations.</p>
        ) : (
          <ul>
            {list.invitations.map((i) => (
              <InvitationItem key={i.email} siteId={siteId} invitation={i} onChanged={onChanged} />
            ))}
          </ul>
        )}
      </section>
    </>
  )
}

function InvitationItem({ siteId, invitation, onChanged }: { siteId: string; invitation: Invitation; onChanged: OnChanged }) {
  const { api } = useSession()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useActionState<string | null>(null)

  async function cancel() {
    if (!window.confirm(`Cancel the invitation for ${invitation.email}? Its link stops working.`)) return
    setBusy(true)
    setError(null)
    try {
      await api.request(siteApi(siteId, `/invitations/${encodeURIComponent(invitation.email)}`), null, { method: 'DELETE' })
      onChanged(`The invitation for ${invitation.email} was cancelled.`, { gone: true, cancelled: invitation.email })
    } catch (err) {
      setError(`Not cancelled: ${errorText(err)}`, err)
      setBusy(false)
    }
  }

  return (
    <li>
      {invitation.email} as {invitation.role}, sent {formatTime(invitation.createdAt)}, valid until {formatTime(invitation.expiresAt)}{' '}
      <ActionButton class="danger" inactive={busy} onClick={cancel}>
        Cancel<span class="visually-hidden"> the invitation for {invitation.email}</span>
      </ActionButton>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </li>
  )
}

/**
 * An owner who picks another role for themselves loses this page, and only another owner can give
 * it back; a select changes on every arrow key in some browsers, so this is asked first. Others'
 * roles change at once: an owner can set them back.
 */
function confirmOwnRoleChange(next: Role): boolean {
  return window.confirm(
    `Change your own role to ${next}? You lose access to Users & roles at once, and only another owner can make you an owner again.`,
  )
}

/**
 * A role picked in a row, shown over the listed one while its change is made and, once made, until
 * the list is loaded again (`over`: the member as listed then; each load answers new objects). The
 * change reloads the list, and so does any other change on the page: the reload's role is then the
 * one shown, also when another owner changed it meanwhile. A change of your own reloads your roles
 * instead, and the list stays, so the role you picked stays too.
 */
interface PickedRole {
  role: Role
  over: Member
  inFlight: boolean
}

function MemberRow({ siteId, member, isMe, onChanged }: { siteId: string; member: Member; isMe: boolean; onChanged: OnChanged }) {
  const { api } = useSession()
  const [picked, setPicked] = useState<PickedRole | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useActionState<string | null>(null)
  // The member as now listed, for a change that ends after a reload: see PickedRole.
  const listed = useRef(member)
  listed.current = member
  const path = siteApi(siteId, `/members/${member.userId}`)
  const selectId = `member-role-${member.userId}`
  const role = picked && (picked.inFlight || picked.over === member) ? picked.role : member.role

  async function changeRole(next: Role) {
    const previous = picked
    setPicked({ role: next, over: member, inFlight: true })
    setBusy(true)
    setError(null)
    try {
      await api.request(path, null, { method: 'PATCH', body: { role: next } })
      setPicked({ role: next, over: listed.current, inFlight: false })
      onChanged(isMe ? `You are now ${next} on this site.` : `${member.email} is now ${next}.`, { own: isMe })
    } catch (err) {
      setPicked(previous)
      setError(`Role not changed: ${errorText(err)}`, err)
    } finally {
      setBusy(false)
    }
  }

  async function remove() {
    const question = isMe
      ? 'Remove yourself from this site? You lose access at once.'
      : `Remove ${member.email} from this site? They lose access at once.`
    if (!window.confirm(question)) return
    setBusy(true)
    setError(null)
    try {
      await api.request(path, null, { method: 'DELETE' })
      onChanged(isMe ? 'You were removed from this site.' : `${member.email} was removed from this site.`, { own: isMe, gone: true })
    } catch (err) {
      setError(`Not removed: ${errorText(err)}`, err)
      setBusy(false)
    }
  }

  return (
    <tr>
      <th scope="row">
        {member.email}
        {isMe && ' (you)'}
      </th>
      <td>
        <label for={selectId} class="visually-hidden">
          Role of {member.email}
        </label>
        <select
          id={selectId}
          value={role}
          disabled={busy}
          aria-describedby={error ? `${selectId}-error` : undefined}
          onChange={(e) => {
            const select = e.currentTarget
            const next = select.value as Role
            if (isMe && next !== 'owner' && !confirmOwnRoleChange(next)) {
              // The role shown did not change, so nothing re-renders: the select is put back by hand.
              select.value = role
              return
            }
            void changeRole(next)
          }}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
        {error && (
          <p id={`${selectId}-error`} class="field-error" role="alert">
            {error}
          </p>
        )}
      </td>
      <td>
        <ActionButton class="danger" inactive={busy} onClick={remove}>
          Remove<span class="visually-hidden"> {member.email}</span>
        </ActionButton>
      </td>
    </tr>
  )
}
