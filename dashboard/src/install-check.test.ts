import { describe, expect, it } from 'vitest'
import { checkInstall } from './install-check'

const ctx = { siteId: 'minopa', categories: ['essential', 'analytics', 'marketing'], services: ['google-analytics'] }

describe('install checker', () => {
  it('accepts a correct install and explains each gated element', () => {
    const findings = checkInstall(
      `<html><head><script src="https://consent.example/sdk/minopa.js"></script>
      <script type="text/plain" data-category="analytics" data-service="google-analytics" data-src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>
      </head><body><iframe data-category="marketing" data-src="https://www.youtube.com/embed/x"></iframe><a href="#" data-consent-open>Cookie settings</a></body></html>`,
      ctx,
    )
    expect(findings.filter((f) => f.severity !== 'ok')).toEqual([])
    expect(findings.map((f) => f.message).join('\n')).toMatch(/click-to-load placeholder/)
  })

  it('flags async on the SDK tag, an ungated tracker, a missing data-category and src on a gated iframe', () => {
    const findings = checkInstall(
      `<head><script async src="/sdk/minopa.js"></script>
      <script src="https://connect.facebook.net/en_US/fbevents.js"></script>
      <script type="text/plain">gtag('config','G-1')</script>
      </head><body><iframe data-category="marketing" src="https://www.youtube.com/embed/x"></iframe>
      <img data-category="ads" data-src="https://example.com/p.gif"></body>`,
      ctx,
    )
    const problems = findings.filter((f) => f.severity === 'problem').map((f) => f.message)
    expect(problems.some((m) => /Remove async, defer/.test(m))).toBe(true)
    expect(problems.some((m) => /Meta pixel loads without consent/.test(m))).toBe(true)
    expect(problems.some((m) => /without data-category: this script never runs/.test(m))).toBe(true)
    expect(problems.some((m) => /rename src to data-src/.test(m))).toBe(true)
    expect(problems.some((m) => /No category "ads"/.test(m))).toBe(true)
  })

  it('says when the SDK script is missing', () => {
    expect(checkInstall('<p>hello</p>', ctx)[0]?.message).toMatch(/No MiniConsent script found/)
  })
})
