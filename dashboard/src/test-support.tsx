// Test helpers: a fake admin API behind a stubbed `fetch`, and fixtures shaped like the server's answers.
import { declareConsentCookie, siteSettings, type ConsentLogPage, type ConsentRecord, type Me, type Role, type SiteSettings } from '@miniconsent/shared'
import type { CatalogueState } from './api-shapes'
import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact'
import { expect, vi } from 'vitest'
import { App } from './App'
import { canEdit } from './session'

export interface FakeRequest {
  method: string
  url: URL
  headers: Headers
  /** JSON as parsed, other text as it is. */
  body: unknown
}

type Handler = (req: FakeRequest) => Response | Promise<Response> | undefined

/** Stubs `fetch`; each handler answers the requests it recognises. Unanswered requests fail the test loudly. */
export function stubApi(...handlers: Handler[]) {
  const requests: FakeRequest[] = []
  const fetchStub = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const headers = new Headers(init.headers)
    // JSON as parsed; a body of another type (a CSV import) as its text.
    const json = headers.get('Content-Type')?.startsWith('application/json') !== false
    const req: FakeRequest = {
      method: (init.method ?? 'GET').toUpperCase(),
      url: new URL(String(input), 'http://localhost'),
      headers,
      body: typeof init.body === 'string' ? (json ? JSON.parse(init.body) : init.body) : undefined,
    }
    requests.push(req)
    for (const handler of handlers) {
      const res = await handler(req)
      if (res) return res
    }
    throw new Error(`unexpected request ${req.method} ${req.url.pathname}${req.url.search}`)
  })
  vi.stubGlobal('fetch', fetchStub)
  return { requests }
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

export function errorBody(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status)
}

export function on(method: string, path: string | RegExp, answer: (req: FakeRequest) => Response | Promise<Response>): Handler {
  return (req) => {
    if (req.method !== method) return undefined
    const matches = typeof path === 'string' ? req.url.pathname === path : path.test(req.url.pathname)
    return matches ? answer(req) : undefined
  }
}

/** `/api/admin/me` as ME, with MiniMagic's role as `role()` says at each request: tests lower it meanwhile. */
export function meWithRoleOnMiniMagic(role: () => Role): Handler {
  return on('GET', '/api/admin/me', () => json({ ...ME, sites: ME.sites.map((s) => (s.id === 'minimagic' ? { ...s, role: role() } : s)) }))
}

/**
 * A member of MiniMagic, `from` (editor unless given), types `value` ('Never stored' unless given)
 * into `field` on the page `open` shows (and may have changed more), and clicks `save`, after an
 * owner lowered their role to `to` (auditor unless given): `answer` (403 forbidden unless given)
 * answers the save (`PUT savePath`), and /me says `to` from then on. `handlers` serve the page's
 * other requests. Resolves once the notice, an alert, says `notice` (that of
 * components/EditsNotKept.tsx for `what`: the `what` shown is as saved) and the save button is
 * there only if `to` may still edit; returns the field, to check what it shows.
 */
export async function saveAfterRoleLowered(
  o: {
    savePath: string
    open: () => unknown
    field: () => HTMLInputElement | Promise<HTMLInputElement>
    value?: string
    save: string
    from?: Role
    to?: Role
    answer?: (req: FakeRequest) => Response
  } & ({ what: string } | { notice: string }),
  ...handlers: Handler[]
): Promise<HTMLInputElement> {
  const to = o.to ?? 'auditor'
  let role = o.from ?? 'editor'
  stubApi(
    meWithRoleOnMiniMagic(() => role),
    ...handlers,
    on('PUT', o.savePath, o.answer ?? (() => errorBody(403, 'forbidden', 'You have no access to site "minimagic"'))),
  )
  await o.open()
  fireEvent.input(await o.field(), { target: { value: o.value ?? 'Never stored' } })
  role = to
  fireEvent.click(screen.getByRole('button', { name: o.save }))
  const text = 'notice' in o ? o.notice : `Not saved: your role on this site no longer lets you edit it, so your changes were not kept. What you see is the ${o.what} as saved.`
  const notice = await screen.findByText(text)
  expect(notice.closest('[role="alert"]')).toBeTruthy()
  expect(screen.queryByRole('button', { name: o.save }) !== null).toBe(canEdit(to))
  return o.field()
}

export const ME: Me = {
  user: { id: 1, email: 'auditor@example.com' },
  sites: [
    { id: 'minopa', name: 'Minopa', role: 'auditor' },
    { id: 'minimagic', name: 'MiniMagic', role: 'owner' },
  ],
  canCreateSites: true,
  csrfToken: 'csrf-token-123',
}

const HASH_A = 'a'.repeat(64)

export function consentRecord(overrides: Partial<ConsentRecord> = {}): ConsentRecord {
  const seq = overrides.seq ?? 1
  return {
    recordId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    consentId: 'visitor-0001',
    siteId: 'minopa',
    revision: 1,
    textsHash: 'c'.repeat(64),
    categories: { essential: true, functional: false, analytics: true, marketing: false },
    services: { minopa: true, 'google-analytics': true, 'microsoft-clarity': false, sentry: false },
    method: 'custom',
    language: 'en',
    url: 'https://minopa.com/pricing',
    clientTime: '2025-03-12T10:00:00.000+01:00',
    gpc: false,
    seq,
    serverTime: '2025-03-12T09:00:01.000Z',
    region: 'DE',
    mode: 'opt-in',
    ip: '203.0.113.0',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
    prevHash: seq === 1 ? '0'.repeat(64) : HASH_A,
    hash: seq.toString(16).padStart(64, 'b'),
    ...overrides,
  }
}

/** A page of `count` records, newest first, ending at `newestSeq`. */
export function logPage(newestSeq: number, count: number, total: number): ConsentLogPage {
  const records = Array.from({ length: count }, (_, i) =>
    consentRecord({ seq: newestSeq - i, consentId: `visitor-${String(newestSeq - i).padStart(4, '0')}` }),
  )
  const oldest = newestSeq - count + 1
  return { records, nextBefore: oldest > 1 ? oldest : null, total }
}

/** Opens the app at `path`, as a browser would on a fresh page load. */
export function renderApp(path: string) {
  history.replaceState(null, '', path)
  return render(<App />)
}

/** A small catalogue state like `GET /sites/:siteId/catalogue` answers. */
export function catalogueFixture(): CatalogueState {
  return {
    settings: siteSettings.parse({ id: 'minimagic', name: 'MiniMagic', domains: ['minimagic.example'] }),
    draft: {
      categories: [
        { id: 'essential', required: true, label: { en: 'Essential' }, description: { en: 'Needed to run the site.' }, consentMode: [] },
        { id: 'analytics', required: false, label: { en: 'Analytics' }, description: {}, consentMode: [] },
      ],
      services: [{ id: 'plausible', category: 'analytics', name: 'Plausible', provider: 'Plausible Insights', purpose: { en: 'Counts visits' } }],
      entries: [{ name: 'session', kind: 'cookie', category: 'essential', provider: 'MiniMagic', purpose: { en: 'Keeps you signed in' }, expiry: 'session' }],
      texts: {},
      appearance: { layout: 'bar', theme: 'system', floatingButton: false },
    },
    draftUpdatedAt: '2025-03-01T10:00:00.000Z',
    draftUpdatedBy: 'owner@example.com',
    live: { revision: 3, publishedAt: '2025-02-01T10:00:00.000Z', contentHash: 'f'.repeat(64) },
    dirty: false,
  }
}

/** `GET /sites/:siteId/catalogue`, answered with a fresh `state()` each time. */
export function serveCatalogueState(state: () => CatalogueState): Handler {
  return on('GET', /^\/api\/admin\/sites\/[^/]+\/catalogue$/, () => json(state()))
}

/**
 * `state` whose draft declares MiniConsent's consent cookie as its settings say (shared
 * own-storage.ts): the catalogue fixture's declares none, which the dashboard warns of.
 */
export function withConsentCookie(state: CatalogueState): CatalogueState {
  return { ...state, draft: declareConsentCookie(state.settings, state.draft) }
}

/**
 * The catalogue fixture declaring the consent cookie as its settings said (`miniconsent`, 182
 * days, as the 2nd cookie and storage entry), with the cookie's name or lifetime changed in Site settings since.
 */
export function cookieSettingsChanged(changes: Partial<Pick<SiteSettings, 'cookieName' | 'cookieLifetimeDays'>>): CatalogueState {
  const state = withConsentCookie(catalogueFixture())
  return { ...state, settings: { ...state.settings, ...changes } }
}

/**
 * A draft endpoint that refuses a save not based on its current version (409 draft_conflict), as
 * the server does; tests replace `current` to play someone saving meanwhile.
 */
export function draftServer(siteId = 'minimagic') {
  const server = { current: catalogueFixture(), puts: [] as Array<{ catalogue: CatalogueState['draft']; baseUpdatedAt?: string }> }
  stubApi(
    on('GET', '/api/admin/me', () => json(ME)),
    on('GET', /^\/api\/admin\/sites\/[^/]+\/catalogue$/, () => json(server.current)),
    on('PUT', `/api/admin/sites/${siteId}/catalogue/draft`, (req) => {
      const body = req.body as (typeof server.puts)[number]
      server.puts.push(body)
      if (body.baseUpdatedAt !== server.current.draftUpdatedAt) return json({ error: { code: 'draft_conflict', message: 'editor@example.com saved the draft' } }, 409)
      server.current = { ...server.current, draft: body.catalogue, draftUpdatedAt: '2025-03-01T12:00:00.000Z' }
      return json(server.current)
    }),
  )
  return server
}

/** A request's answer held back until `answer` is called: the page is seen while the request runs. */
export function heldBack<T = Response>(): { promise: Promise<T>; answer: (value: T) => void } {
  let answer: (value: T) => void = () => {}
  const promise = new Promise<T>((resolve) => (answer = resolve))
  return { promise, answer }
}

/** Presses `button` from the keyboard: focused first, as Tab leaves it, then activated (Enter). */
export function pressFromKeyboard(button: HTMLElement): HTMLElement {
  button.focus()
  fireEvent.click(button)
  return button
}

/**
 * Keyboard focus is on `control`, and stays there: a browser moves focus off a control that
 * becomes `disabled`, to <body>, where happy-dom leaves it, so `disabled` is checked too.
 */
export function expectFocusStaysOn(control: HTMLElement) {
  expect(document.activeElement).toBe(control)
  expect((control as HTMLButtonElement).disabled).toBe(false)
}

/**
 * A session that can end: while `valid` is false, requests answered through `unless` get 401
 * ("Sign in first"), and signing in (`login`, POST /login) makes it valid again.
 */
export function endingSession() {
  const session = {
    valid: true,
    login: on('POST', '/api/admin/login', () => {
      session.valid = true
      return json({ ...ME, csrfToken: 'csrf-token-456' })
    }),
    unless: (answer: (req: FakeRequest) => Response | Promise<Response>) => (req: FakeRequest) =>
      session.valid ? answer(req) : errorBody(401, 'unauthenticated', 'Sign in first'),
  }
  return session
}

/** Signs in again through the dialog that an ended session opened over the page, and waits for it to close. */
export async function signInAgainOverPage() {
  const dialog = await screen.findByRole('dialog', { name: 'Your session has ended' })
  fireEvent.input(within(dialog).getByLabelText('Password'), { target: { value: 'correct horse' } })
  fireEvent.click(within(dialog).getByRole('button', { name: 'Sign in' }))
  await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
}
