import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const E2E_PORT = Number(process.env.E2E_PORT ?? 18787)
export const E2E_BASE_URL = `http://127.0.0.1:${E2E_PORT}`
const dir = join(tmpdir(), `miniconsent-e2e-${E2E_PORT}`)
export const E2E_DB = { dir, file: join(dir, 'miniconsent.sqlite') }
export const E2E_ADMIN = { email: 'owner@e2e.test', password: 'e2e-owner-password-1' }
