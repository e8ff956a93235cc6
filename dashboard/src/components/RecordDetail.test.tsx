import { render, screen } from '@testing-library/preact'
import { describe, expect, it } from 'vitest'
import { consentRecord } from '../test-support'
import { RecordDetail } from './RecordDetail'

describe('record detail: consent ID', () => {
  it('links to all records of the visitor', () => {
    render(<RecordDetail record={consentRecord({ consentId: 'visitor-0001' })} onClose={() => {}} />)
    expect(screen.getByRole('link', { name: 'All records of this visitor' }).getAttribute('href')).toBe('/sites/minopa/consents?consentId=visitor-0001')
  })

  it('shows an erased record’s consent ID as erased, with no link to a visitor', () => {
    const erased = consentRecord({ consentId: 'erased', erasedAt: '2026-11-22T10:00:00.000Z', ip: null, userAgent: null, url: '' })
    render(<RecordDetail record={erased} onClose={() => {}} />)
    // Before, "erased" was shown as the ID and linked to ?consentId=erased, which the server refuses (400).
    expect(screen.queryByRole('link', { name: 'All records of this visitor' })).toBeNull()
    const consentId = screen.getByText('Consent ID').nextElementSibling
    expect(consentId?.textContent).toBe('— (erased)')
    expect(consentId?.querySelector('code')).toBeNull()
  })
})
