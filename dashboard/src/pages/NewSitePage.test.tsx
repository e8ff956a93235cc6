import type { Me } from '@miniconsent/shared'
import { fireEvent, screen, waitFor, within } from '@testing-library/preact'
import { describe, expect, it } from 'vitest'
import type { CatalogueState } from '../api-shapes'
import { catalogueFixture, errorBody, json, ME, on, renderApp, stubApi, type FakeRequest } from '../test-support'

const SHOP = { id: 'shop', name: 'Example Shop', role: 'owner' } as const

/** The new site's catalogue as the server answers it: the starter draft, nothing published. */
function shopCatalogue(): CatalogueState {
  const fixture = catalogueFixture()
  return {
    ...fixture,
    settings: { ...fixture.settings, id: 'shop', name: 'Example Shop', domains: ['shop.example'] },
    draft: { ...fixture.draft, categories: [fixture.draft.categories[0]!], services: [], entries: [] },
    live: null,
    dirty: true,
  }
}

/** A server where POST /sites answers `answer`, and /me lists the site once it was created. */
function siteServer(me: Me, answer: (req: FakeRequest) => Response = () => json({ site: SHOP }, 201)) {
  let created = false
  return stubApi(
    on('GET', '/api/admin/me', () => json(created ? { ...me, sites: [...me.sites, SHOP] } : me)),
    on('POST', '/api/admin/sites', (req) => {
      const res = answer(req)
      created = res.status === 201
      return res
    }),
    on('GET', '/api/admin/sites/shop/catalogue', () => json(shopCatalogue())),
    on('GET', /^\/api\/admin\/sites\/[^/]+\/consents$/, () => json({ records: [], nextBefore: null, total: 0 })),
  )
}

function fill(fields: Record<string, string>) {
  for (const [label, value] of Object.entries(fields)) fireEvent.input(screen.getByLabelText(label), { target: { value } })
}

/** The message shown with a field, through its aria-describedby. */
function messageOf(label: string): string | null | undefined {
  const input = screen.getByLabelText(label)
  expect(input.getAttribute('aria-invalid')).toBe('true')
  const [errorId] = input.getAttribute('aria-describedby')!.split(' ')
  return document.getElementById(errorId!)?.textContent
}

describe('new site', () => {
  it('is reached from the header, sends the site, and opens its catalogue editor with the site in the switcher', async () => {
    const api = siteServer(ME)
    renderApp('/sites/minimagic/catalogue')
    fireEvent.click(await screen.findByRole('link', { name: 'New site' }))
    expect(await screen.findByRole('heading', { level: 1, name: 'New site' })).toBeTruthy()
    expect(document.title).toBe('New site · MiniConsent')

    fill({ 'Site name': 'Example Shop' })
    // The id follows the name until it is written by hand.
    expect((screen.getByLabelText('Site ID') as HTMLInputElement).value).toBe('example-shop')
    fill({ 'Site ID': 'shop', Domains: 'shop.example\n www.shop.example \n', 'Default language': 'de' })
    expect(screen.getByText(/The site's script will be http:\/\/localhost(:\d+)?\/sdk\/shop\.js/)).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Create site' }))

    expect(await screen.findByRole('heading', { level: 1, name: /Catalogue/ })).toBeTruthy()
    expect(location.pathname).toBe('/sites/shop/catalogue')
    const post = api.requests.find((r) => r.method === 'POST')!
    expect(post.body).toEqual({ id: 'shop', name: 'Example Shop', domains: ['shop.example', 'www.shop.example'], defaultLanguage: 'de' })
    expect(post.headers.get('X-CSRF-Token')).toBe('csrf-token-123')
    const switcher = screen.getByLabelText('Site') as HTMLSelectElement
    expect(switcher.value).toBe('shop')
    expect(within(switcher).getByRole('option', { name: 'Example Shop (owner)' })).toBeTruthy()
    expect(await screen.findByText(/Nothing published yet: visitors get nothing/)).toBeTruthy()
    expect(screen.getByRole('link', { name: 'Review and publish the draft' }).getAttribute('href')).toBe('/sites/shop/publish')
  })

  it('is the landing page of an account with no site, which goes to the new site once created', async () => {
    const api = siteServer({ ...ME, sites: [] })
    renderApp('/')
    expect(await screen.findByRole('heading', { level: 1, name: 'Create your first site' })).toBeTruthy()
    await waitFor(() => expect(document.title).toBe('Create your first site · MiniConsent'))
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull()
    fill({ 'Site name': 'Shop', Domains: 'shop.example' })
    fireEvent.click(screen.getByRole('button', { name: 'Create site' }))
    await waitFor(() => expect(location.pathname).toBe('/sites/shop/catalogue'))
    expect(await screen.findByRole('navigation', { name: 'Main' })).toBeTruthy()
    expect(api.requests.find((r) => r.method === 'POST')?.body).toMatchObject({ id: 'shop', name: 'Shop', domains: ['shop.example'], defaultLanguage: 'en' })
  })

  it('is offered only to an account that may create sites: an editor or auditor elsewhere sees no link and no form', async () => {
    const api = siteServer({ ...ME, sites: [{ id: 'minopa', name: 'Minopa', role: 'auditor' }], canCreateSites: false })
    renderApp('/sites/minopa/consents')
    expect(await screen.findByRole('heading', { level: 1, name: /Consent log/ })).toBeTruthy()
    expect(screen.queryByRole('link', { name: 'New site' })).toBeNull()
    expect(screen.getByRole('link', { name: 'Change password' })).toBeTruthy()

    // Typed by hand, the page says whom to ask instead of offering a form the server would refuse.
    renderApp('/new-site')
    expect(await screen.findByRole('heading', { level: 1, name: 'New site' })).toBeTruthy()
    expect(screen.getByText(/Only the server’s administrator and the owners of a site can add a site/)).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Create site' })).toBeNull()
    expect(api.requests.filter((r) => r.method === 'POST')).toEqual([])
  })

  it('tells an account with no site that may not create one to ask for an invitation', async () => {
    siteServer({ ...ME, sites: [], canCreateSites: false })
    renderApp('/')
    expect(await screen.findByRole('heading', { level: 1, name: 'No site yet' })).toBeTruthy()
    await waitFor(() => expect(document.title).toBe('No site yet · MiniConsent'))
    expect(screen.getByText(/Ask the owner of a site in MiniConsent to invite you/)).toBeTruthy()
    expect(screen.queryByLabelText('Site name')).toBeNull()
    expect(screen.queryByRole('link', { name: 'New site' })).toBeNull()
  })

  it('shows the server’s refusals next to their fields and stays on the form', async () => {
    let answer = () => errorBody(409, 'site_exists', 'There is already a site "shop": choose another id')
    siteServer(ME, () => answer())
    renderApp('/new-site')
    await screen.findByRole('heading', { level: 1, name: 'New site' })
    fill({ 'Site name': 'Shop', Domains: 'shop.example' })
    fireEvent.click(screen.getByRole('button', { name: 'Create site' }))
    await waitFor(() => expect(messageOf('Site ID')).toBe('There is already a site "shop": choose another id'))
    expect(screen.getByText('Not created: There is already a site "shop": choose another id').parentElement?.getAttribute('role')).toBe('alert')

    answer = () =>
      json(
        {
          error: {
            code: 'invalid',
            message: 'domains.1: "shop.example:8443" is not a hostname',
            issues: [{ path: 'domains.1', message: '"shop.example:8443" is not a hostname' }],
          },
        },
        422,
      )
    fill({ 'Site ID': 'shop-2' })
    fireEvent.click(screen.getByRole('button', { name: 'Create site' }))
    await waitFor(() => expect(messageOf('Domains')).toBe('"shop.example:8443" is not a hostname'))
    expect(screen.getByLabelText('Site ID').getAttribute('aria-invalid')).toBeNull()
    expect(screen.getByText('Not created: fix the fields marked above.')).toBeTruthy()
    expect(location.pathname).toBe('/new-site')
    expect((screen.getByLabelText('Site name') as HTMLInputElement).value).toBe('Shop')
  })

  it('checks the fields before sending', async () => {
    const api = siteServer(ME)
    renderApp('/new-site')
    await screen.findByRole('heading', { level: 1, name: 'New site' })
    fill({ 'Site name': 'Shop', 'Site ID': 'My Shop', Domains: 'https://shop.example/' })
    fireEvent.click(screen.getByRole('button', { name: 'Create site' }))
    expect(messageOf('Site ID')).toMatch(/lower-case letters/)
    expect(messageOf('Domains')).toMatch(/is not a hostname/)
    expect(api.requests.some((r) => r.method === 'POST')).toBe(false)
  })
})

describe('a site not published yet', () => {
  it('says on the install page that its script serves visitors nothing until the first publication', async () => {
    stubApi(
      on('GET', '/api/admin/me', () => json({ ...ME, sites: [SHOP] })),
      on('GET', '/api/admin/sites/shop/catalogue', () => json(shopCatalogue())),
    )
    renderApp('/sites/shop/install')
    expect(await screen.findByText(/Nothing is published yet/)).toBeTruthy()
    expect(screen.getByRole('link', { name: 'published' }).getAttribute('href')).toBe('/sites/shop/publish')
  })
})
