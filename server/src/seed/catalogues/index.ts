// The catalogues of MiniConsent's first four customers, transcribed from their privacy policies.
// The server's seeder stores them as each demo site's first published revision.
import type { CatalogueInput, SiteSettingsInput } from '@miniconsent/shared'
import { minimagic } from './minimagic'
import { miniMoniClub } from './mini-moni-club'
import { minopa } from './minopa'
import { myMiniWebinar } from './my-mini-webinar'

export interface DemoSite {
  settings: SiteSettingsInput
  catalogue: CatalogueInput
}

export const DEMO_SITES: DemoSite[] = [minopa, minimagic, myMiniWebinar, miniMoniClub]
