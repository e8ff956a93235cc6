import { fireEvent, screen } from '@testing-library/preact'
import { describe, expect, it } from 'vitest'
import { json, ME, on, renderApp, stubApi } from '../test-support'

const signedIn = on('GET', '/api/admin/me', () => json(ME))

async function changePassword(current: string, next = 'a-long-enough-password') {
  renderApp('/account/password')
  fireEvent.input(await screen.findByLabelText('Current password'), { target: { value: current } })
  fireEvent.input(screen.getByLabelText('New password'), { target: { value: next } })
  fireEvent.input(screen.getByLabelText('Repeat the new password'), { target: { value: next } })
  fireEvent.click(screen.getByRole('button', { name: 'Change password' }))
}

describe('password page', () => {
  it('says at the current password field that it is wrong, and announces the refusal as an alert', async () => {
    stubApi(
      signedIn,
      on('POST', '/api/admin/password', () =>
        json({ error: { code: 'invalid', message: 'The current password is not right', issues: [{ path: 'currentPassword', message: 'This is not your current password' }] } }, 422),
      ),
    )
    await changePassword('wrong one')
    const refusal = await screen.findByText('Password not changed: The current password is not right')
    // Before, only this sentence said it, in a polite status region, and the field was not marked.
    expect(refusal.closest('[role="alert"]')).toBeTruthy()
    const field = screen.getByLabelText('Current password')
    expect(field.getAttribute('aria-invalid')).toBe('true')
    expect(document.getElementById(field.getAttribute('aria-describedby')!)?.textContent).toBe('This is not your current password')
  })

  it('says how long the lock after too many wrong passwords holds, from Retry-After', async () => {
    stubApi(
      signedIn,
      on('POST', '/api/admin/password', () =>
        new Response(JSON.stringify({ error: { code: 'too_many_attempts', message: 'Too many wrong passwords; try again later' } }), {
          status: 429,
          headers: { 'Content-Type': 'application/json', 'Retry-After': '30' },
        }),
      ),
    )
    await changePassword('wrong again')
    // Before, "try again later", with the server's 30 seconds dropped.
    expect(await screen.findByText('Password not changed: Too many wrong passwords; try again in 30 seconds')).toBeTruthy()
  })
})
