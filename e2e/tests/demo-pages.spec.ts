import { expect, test } from '../support/test'

// The demo pages are served from the dashboard's origin, where a script could read the signed-in
// admin's session and act as the admin. They run the server's own scripts and their inline ones
// only: their vendor stand-ins take the place of the real libraries, and the page's policy refuses
// any other.
test("Mini Moni Club's Meta Pixel runs on its stand-in after Accept all: nothing is loaded from elsewhere, which the page's policy would refuse anyway", async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin
  const scripts: string[] = []
  page.on('request', (r) => r.resourceType() === 'script' && scripts.push(r.url()))
  const response = await page.goto('/demo/mini-moni-club/')
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'")
  await page.getByRole('region', { name: 'We use cookies' }).getByRole('button', { name: 'Accept all' }).click()
  await expect(page.locator('#ran')).toContainText('Meta Pixel: set _fbp')
  // The stand-in took the site's calls and, replayed, the consent signals queued before it ran.
  const calls = await page.evaluate(() => (window as unknown as { fbq: { calls: unknown[][] } }).fbq.calls.map((c) => c.slice(0, 2).join(' ')))
  expect(calls).toEqual(expect.arrayContaining(['consent revoke', 'consent grant', 'init 000000000000000', 'track PageView']))
  await expect.poll(() => scripts.filter((u) => new URL(u).origin !== origin)).toEqual([])
  expect(scripts.filter((u) => u.includes('/demo/mini-moni-club/vendor-tiktok.js'))).toHaveLength(1)

  // A script from another origin, as an injected tag would load it, is refused.
  const refused = await page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        document.addEventListener('securitypolicyviolation', (e) => resolve(e.blockedURI), { once: true })
        const s = document.createElement('script')
        s.src = 'https://connect.facebook.net/en_US/fbevents.js'
        document.head.appendChild(s)
      }),
  )
  expect(refused).toBe('https://connect.facebook.net/en_US/fbevents.js')
})
