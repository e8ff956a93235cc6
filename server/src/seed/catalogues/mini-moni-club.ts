import type { DemoSite } from './index'

export const miniMoniClub: DemoSite = {
  settings: { id: 'mini-moni-club', name: 'Mini Moni Club', domains: ['localhost', '127.0.0.1'], defaultLanguage: 'en' },
  catalogue: { categories: [{ id: 'essential', required: true, label: { en: 'Essential' } }] },
}
