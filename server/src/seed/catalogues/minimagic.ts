import type { DemoSite } from './index'

export const minimagic: DemoSite = {
  settings: { id: 'minimagic', name: 'MiniMagic', domains: ['localhost', '127.0.0.1'], defaultLanguage: 'en' },
  catalogue: { categories: [{ id: 'essential', required: true, label: { en: 'Essential' } }] },
}
