import { useEffect } from 'preact/hooks'

/** Sets the tab title: a screen reader user hears it first after each client-side navigation. */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · MiniConsent`
  }, [title])
}
