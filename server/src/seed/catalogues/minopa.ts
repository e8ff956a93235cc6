import type { DemoSite } from './index'

export const minopa: DemoSite = {
  settings: { id: 'minopa', name: 'Minopa', domains: ['localhost', '127.0.0.1'], defaultLanguage: 'en' },
  catalogue: { categories: [{ id: 'essential', required: true, label: { en: 'Essential' } }] },
}
