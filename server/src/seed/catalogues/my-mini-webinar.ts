import type { DemoSite } from './index'

export const myMiniWebinar: DemoSite = {
  settings: { id: 'my-mini-webinar', name: 'My Mini Webinar', domains: ['localhost', '127.0.0.1'], defaultLanguage: 'en' },
  catalogue: { categories: [{ id: 'essential', required: true, label: { en: 'Essential' } }] },
}
