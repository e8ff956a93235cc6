// What MiniConsent itself keeps in a visitor's browser, as a catalogue declares it. Strictly
// necessary storage is exempt from consent (ePrivacy Directive Art. 5(3)), not from information:
// the declaration must list it like any other. The names are the SDK's own:
// - the stored choice, a first-party cookie named by the site's `cookieName` that lives
//   `cookieLifetimeDays` (sdk/src/chunks/record.ts);
// - the IndexedDB database of idb-keyval (sdk/src/browser/store.ts): a record whose POST failed,
//   waiting to be sent again, and the last config when the script came without one;
// - two localStorage keys (sdk/src/browser/net-flag.ts): a record until the server has it, and the
//   consent ID of a visitor the site linked to an account or a document before they chose.
// server/src/services/own-storage.test.ts reads the SDK's sources for these names. A new site's
// draft declares them (server sites.ts `starterCatalogue`); a site's settings may later rename the
// cookie or change its lifetime, which `consentCookieMismatch` below catches in a catalogue.
import { DEFAULT_COOKIE_NAME, entryLabel, ESSENTIAL_CATEGORY, type Catalogue, type Service, type SiteSettings, type StorageEntry } from './catalogue'
import { matchesName } from './wildcard'

export const SDK_DATABASE = 'miniconsent'
export const SDK_PENDING_KEY = 'miniconsent-pending'
export const SDK_CONSENT_ID_KEY = 'miniconsent-id'

/** The id of the service that stands for MiniConsent in a new site's draft. */
export const OWN_SERVICE_ID = 'miniconsent'

/** A lifetime in days as a catalogue's expiry: whole years as years (`1y`), else days (`182d`). */
export function lifetimeExpiry(days: number): string {
  return days % 365 === 0 ? `${days / 365}y` : `${days}d`
}

const UNIT_MINUTES: Record<string, number> = { mi: 1, h: 60, d: 1440, w: 7 * 1440, y: 365 * 1440 }

/**
 * Whether a catalogue's expiry says `days` days, however it is written: `365d`, `1y`, `8760h` for
 * 365 (a year is 365 days, as `lifetimeExpiry` writes it). A month has no fixed length: `6mo`
 * says 182 or 183 days (6 × 365/12 = 182.5), anything within a day of that, as SPEC §3 calls
 * 182 days 6 months and 396 days 13. `session` and `persistent` say no number of days.
 */
export function expiryIsDays(expiry: string, days: number): boolean {
  const m = /^(\d+)(mi|h|d|w|mo|y)$/.exec(expiry)
  if (!m) return false
  const n = Number(m[1])
  return m[2] === 'mo' ? Math.abs((n * 365) / 12 - days) < 1 : n * UNIT_MINUTES[m[2]!]! === days * 1440
}

interface OwnStorageTexts {
  /** The consent manager's purpose, as a service. */
  service: string
  cookie: string
  database: string
  pending: string
  consentId: string
}

/**
 * The purposes in the languages the SDK has built-in texts for, as the starter catalogue's
 * `essential` category has them (sites.ts); another default language gets the English words, for
 * the admin to translate in the catalogue editor.
 */
const TEXTS: Record<string, OwnStorageTexts> = {
  en: {
    service: 'The consent manager: asks for your cookie choices, remembers them and records each choice as proof.',
    cookie: 'Stores your cookie choices',
    database: 'Keeps a cookie choice not yet recorded and a copy of the cookie settings, in case the connection fails',
    pending: 'Keeps your latest cookie choice until it is recorded',
    consentId: 'Your consent ID before you choose, once it is linked to your account or to terms you accepted',
  },
  de: {
    service: 'Der Consent-Manager: fragt nach Ihrer Cookie-Auswahl, speichert sie und protokolliert jede Auswahl als Nachweis.',
    cookie: 'Speichert Ihre Cookie-Auswahl',
    database: 'Bewahrt eine noch nicht protokollierte Cookie-Auswahl und eine Kopie der Cookie-Einstellungen auf, falls die Verbindung ausfällt',
    pending: 'Bewahrt Ihre letzte Cookie-Auswahl auf, bis sie protokolliert ist',
    consentId: 'Ihre Consent-ID, bevor Sie wählen, sobald sie mit Ihrem Konto oder akzeptierten Bedingungen verknüpft ist',
  },
  fr: {
    service: 'Le gestionnaire de consentement : demande vos choix de cookies, les mémorise et enregistre chaque choix comme preuve.',
    cookie: 'Mémorise vos choix de cookies',
    database: 'Conserve un choix de cookies pas encore enregistré et une copie des paramètres de cookies, en cas de coupure de connexion',
    pending: 'Conserve votre dernier choix de cookies jusqu’à son enregistrement',
    consentId: 'Votre identifiant de consentement avant votre choix, une fois lié à votre compte ou à des conditions acceptées',
  },
  es: {
    service: 'El gestor de consentimiento: pide su elección de cookies, la recuerda y registra cada elección como prueba.',
    cookie: 'Guarda su elección de cookies',
    database: 'Conserva una elección de cookies aún no registrada y una copia de la configuración de cookies, por si falla la conexión',
    pending: 'Conserva su última elección de cookies hasta que quede registrada',
    consentId: 'Su ID de consentimiento antes de elegir, una vez vinculado a su cuenta o a condiciones aceptadas',
  },
  it: {
    service: 'Il gestore del consenso: chiede le tue scelte sui cookie, le ricorda e registra ogni scelta come prova.',
    cookie: 'Memorizza le tue scelte sui cookie',
    database: 'Conserva una scelta sui cookie non ancora registrata e una copia delle impostazioni dei cookie, se la connessione si interrompe',
    pending: 'Conserva la tua ultima scelta sui cookie finché non è registrata',
    consentId: 'Il tuo ID di consenso prima della scelta, una volta collegato al tuo account o a condizioni accettate',
  },
  nl: {
    service: 'De toestemmingsbeheerder: vraagt naar uw cookiekeuze, onthoudt die en legt elke keuze vast als bewijs.',
    cookie: 'Bewaart uw cookiekeuze',
    database: 'Bewaart een nog niet vastgelegde cookiekeuze en een kopie van de cookie-instellingen, voor als de verbinding wegvalt',
    pending: 'Bewaart uw laatste cookiekeuze tot die is vastgelegd',
    consentId: 'Uw toestemmings-ID voordat u kiest, zodra die aan uw account of aan geaccepteerde voorwaarden is gekoppeld',
  },
  pt: {
    service: 'O gestor de consentimento: pede a sua escolha de cookies, lembra-a e regista cada escolha como prova.',
    cookie: 'Guarda a sua escolha de cookies',
    database: 'Guarda uma escolha de cookies ainda não registada e uma cópia das definições de cookies, caso a ligação falhe',
    pending: 'Guarda a sua última escolha de cookies até ficar registada',
    consentId: 'O seu ID de consentimento antes de escolher, depois de associado à sua conta ou a termos que aceitou',
  },
  pl: {
    service: 'Menedżer zgód: pyta o Twój wybór dotyczący cookies, zapamiętuje go i zapisuje każdy wybór jako dowód.',
    cookie: 'Zapamiętuje Twój wybór dotyczący cookies',
    database: 'Przechowuje jeszcze niezapisany wybór dotyczący cookies i kopię ustawień cookies na wypadek problemów z połączeniem',
    pending: 'Przechowuje Twój ostatni wybór dotyczący cookies, dopóki nie zostanie zapisany',
    consentId: 'Twój identyfikator zgody przed dokonaniem wyboru, gdy jest już powiązany z Twoim kontem lub zaakceptowanymi warunkami',
  },
  uk: {
    service: 'Менеджер згоди: запитує ваш вибір щодо cookie, запам’ятовує його та записує кожен вибір як доказ.',
    cookie: 'Зберігає ваш вибір щодо cookie',
    database: 'Зберігає ще не записаний вибір щодо cookie та копію налаштувань cookie на випадок збою з’єднання',
    pending: 'Зберігає ваш останній вибір щодо cookie, доки його не буде записано',
    consentId: 'Ваш ідентифікатор згоди до того, як ви зробите вибір, коли його пов’язано з вашим обліковим записом або прийнятими умовами',
  },
  ar: {
    service: 'أداة إدارة الموافقة: تطلب اختياراتك بشأن ملفات تعريف الارتباط وتتذكرها وتسجّل كل اختيار كدليل.',
    cookie: 'يحفظ اختياراتك بشأن ملفات تعريف الارتباط',
    database: 'يحتفظ باختيار لم يُسجَّل بعد ونسخة من إعدادات ملفات تعريف الارتباط، تحسبًا لانقطاع الاتصال',
    pending: 'يحتفظ بآخر اختياراتك بشأن ملفات تعريف الارتباط حتى يتم تسجيلها',
    consentId: 'معرّف موافقتك قبل أن تختار، بعد ربطه بحسابك أو بشروط قبلتها',
  },
}

type Site = Pick<SiteSettings, 'name' | 'defaultLanguage' | 'cookieName' | 'cookieLifetimeDays' | 'privacyPolicyUrl'>

/**
 * The "MiniConsent" service of a new site's `essential` category and its storage, with the site's
 * cookie name and lifetime and texts in its default language. The site runs it on its own pages
 * and server, so the site is the provider.
 */
export function ownStorage(site: Site): { services: Service[]; entries: StorageEntry[] } {
  const language = site.defaultLanguage
  const texts = TEXTS[language.split('-')[0]!] ?? TEXTS.en!
  const text = (t: string) => ({ [language]: t })
  const at = { category: ESSENTIAL_CATEGORY, service: OWN_SERVICE_ID, provider: site.name }
  const policy = site.privacyPolicyUrl ? { privacyPolicyUrl: site.privacyPolicyUrl } : {}
  return {
    services: [{ id: OWN_SERVICE_ID, category: ESSENTIAL_CATEGORY, name: 'MiniConsent', provider: site.name, purpose: text(texts.service), ...policy }],
    entries: [
      { ...at, name: site.cookieName, kind: 'cookie', purpose: text(texts.cookie), expiry: lifetimeExpiry(site.cookieLifetimeDays) },
      { ...at, name: SDK_DATABASE, kind: 'indexedDB', purpose: text(texts.database), expiry: 'persistent' },
      { ...at, name: SDK_PENDING_KEY, kind: 'localStorage', purpose: text(texts.pending), expiry: 'persistent' },
      { ...at, name: SDK_CONSENT_ID_KEY, kind: 'localStorage', purpose: text(texts.consentId), expiry: 'persistent' },
    ],
  }
}

/** What a consent cookie check reads of a catalogue. */
type Declaring = Pick<Catalogue, 'categories' | 'services' | 'entries'>

/** How a catalogue declares the consent cookie when it does not declare it as the site's settings say. */
export interface ConsentCookieMismatch {
  /** No cookie of its name in an always-on category, one only in a category visitors can switch off, or one with another expiry. */
  problem: 'missing' | 'switchable' | 'expiry'
  /** The problem, in words an admin can check against the catalogue. */
  message: string
  /** What `declareConsentCookie` changes to put it right. */
  fix: string
}

/** The mismatch, and the entry `declareConsentCookie` edits (`index`; none: it adds one) and whether it moves it to `essential`. */
interface Plan extends ConsentCookieMismatch {
  index?: number
  move?: boolean
}

function plan(site: Site, c: Declaring): Plan | null {
  const name = site.cookieName
  const days = site.cookieLifetimeDays
  const expiry = lifetimeExpiry(days)
  const required = new Set(c.categories.filter((cat) => cat.required).map((cat) => cat.id))
  const cookies = c.entries.map((entry, index) => ({ entry, index })).filter(({ entry }) => entry.kind === 'cookie')
  // The SDK writes the cookie whatever the visitor chooses: only an always-on category declares it
  // truly. Exact names first, since a wildcard's expiry is that of every cookie it covers.
  const named = cookies.filter(({ entry }) => matchesName(entry.name, name)).sort((a, b) => Number(a.entry.name !== name) - Number(b.entry.name !== name))
  const alwaysOn = named.filter(({ entry }) => required.has(entry.category))
  if (alwaysOn.some(({ entry }) => expiryIsDays(entry.expiry, days))) return null

  const head = `The site's consent cookie is "${name}", kept ${days} ${days === 1 ? 'day' : 'days'} (Site settings), but the catalogue`
  // A cookie of the exact name is the one to mend wherever it is: declaring the cookie again
  // beside it (for a wildcard's sake) would list it twice, which the catalogue refuses.
  const found = named.find(({ entry }) => entry.name === name) ?? alwaysOn[0] ?? named[0]
  if (found) {
    const as = found.entry.name === name ? '' : ` as "${found.entry.name}"`
    // A wildcard stays as it is (changing it would change what it says of the other cookies it
    // covers): the consent cookie gets an entry of its own.
    const index = found.entry.name === name ? found.index : undefined
    if (!required.has(found.entry.category)) {
      return {
        problem: 'switchable',
        message: `${head} declares it${as} in the category "${found.entry.category}", which visitors can switch off: the cookie is set whatever they choose.`,
        fix: index === undefined ? added(site, c) : `Moves ${entryLabel(found.entry)} to the always-on category "${ESSENTIAL_CATEGORY}", with expiry ${expiry}.`,
        index,
        move: true,
      }
    }
    return {
      problem: 'expiry',
      message: `${head} declares it${as} with expiry ${found.entry.expiry}.`,
      fix: index === undefined ? added(site, c) : `Sets the expiry of ${entryLabel(found.entry)} to ${expiry}.`,
      index,
    }
  }
  // Renamed in the settings: the old declaration is most likely the one cookie of the MiniConsent
  // service (a new site's draft) or the one under the default name (the demo catalogues).
  const stale = cookies.filter(({ entry }) => required.has(entry.category) && (entry.service === OWN_SERVICE_ID || entry.name === DEFAULT_COOKIE_NAME))
  const old = stale.length === 1 && !stale[0]!.entry.name.includes('*') ? stale[0]! : undefined
  return {
    problem: 'missing',
    message: `${head} declares no cookie of that name in an always-on category${old ? `; it declares MiniConsent's cookie as "${old.entry.name}", expiry ${old.entry.expiry}` : ''}.`,
    fix: old ? `Renames ${entryLabel(old.entry)} to "${name}", with expiry ${expiry}.` : added(site, c),
    index: old?.index,
  }
}

/** The MiniConsent service a cookie moved or added to `essential` goes under; `added` when the catalogue has none yet. */
function ownService(site: Site, c: Declaring): { id?: string; added?: Service } {
  const own = c.services.find((s) => s.id === OWN_SERVICE_ID)
  if (!own) return { id: OWN_SERVICE_ID, added: ownStorage(site).services[0]! }
  // A service of that id in a category visitors choose is the admin's own: the cookie goes under none.
  return c.categories.some((cat) => cat.id === own.category && cat.required) ? { id: own.id } : {}
}

function added(site: Site, c: Declaring): string {
  const service = ownService(site, c)
  const under = service.added ? ' under a new MiniConsent service' : service.id ? ' under the MiniConsent service' : ''
  return `Adds cookie "${site.cookieName}", expiry ${lifetimeExpiry(site.cookieLifetimeDays)}, to the category "${ESSENTIAL_CATEGORY}"${under}.`
}

/**
 * Null when the catalogue declares the site's consent cookie as its settings say: a cookie entry
 * whose name (or wildcard) covers `cookieName`, in a required category, with an expiry that says
 * `cookieLifetimeDays` (`expiryIsDays`). A warning for the admin, never a reason to refuse a
 * catalogue: settings change apart from revisions, and a catalogue is valid without the cookie.
 */
export function consentCookieMismatch(site: Site, c: Declaring): ConsentCookieMismatch | null {
  const p = plan(site, c)
  return p && { problem: p.problem, message: p.message, fix: p.fix }
}

/**
 * The catalogue with the consent cookie declared as the settings say, as the mismatch's `fix`
 * tells: the entry that declares it wrongly (or under its old name) renamed and given the
 * lifetime, and moved to `essential` under the MiniConsent service when visitors could switch it
 * off; else a new entry there, with its purpose in the site's default language. The same
 * catalogue when nothing is wrong.
 */
export function declareConsentCookie<C extends Declaring>(site: Site, c: C): C {
  const p = plan(site, c)
  if (!p) return c
  const expiry = lifetimeExpiry(site.cookieLifetimeDays)
  if (p.index !== undefined && !p.move) {
    return { ...c, entries: c.entries.map((e, i) => (i === p.index ? { ...e, name: site.cookieName, expiry } : e)) }
  }
  const service = ownService(site, c)
  const services = service.added ? [...c.services, service.added] : c.services
  const inEssential = ({ service: _, ...e }: StorageEntry): StorageEntry => ({
    ...e,
    category: ESSENTIAL_CATEGORY,
    ...(service.id ? { service: service.id } : {}),
    name: site.cookieName,
    expiry,
  })
  const entries = p.index === undefined ? [...c.entries, inEssential(ownStorage(site).entries[0]!)] : c.entries.map((e, i) => (i === p.index ? inEssential(e) : e))
  return { ...c, services, entries }
}
