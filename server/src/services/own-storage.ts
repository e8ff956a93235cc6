// What MiniConsent itself keeps in a visitor's browser, as a catalogue declares it. Strictly
// necessary storage is exempt from consent (ePrivacy Directive Art. 5(3)), not from information:
// the declaration must list it like any other. The names are the SDK's own:
// - the stored choice, a first-party cookie named by the site's `cookieName` that lives
//   `cookieLifetimeDays` (sdk/src/chunks/record.ts);
// - the IndexedDB database of idb-keyval (sdk/src/browser/store.ts): a record whose POST failed,
//   waiting to be sent again, and the last config when the script came without one;
// - two localStorage keys (sdk/src/browser/net-flag.ts): a record until the server has it, and the
//   consent ID of a visitor the site linked to an account or a document before they chose.
// own-storage.test.ts reads the SDK's sources for these names.
import type { Service, SiteSettings, StorageEntry } from '@miniconsent/shared'

export const SDK_DATABASE = 'miniconsent'
export const SDK_PENDING_KEY = 'miniconsent-pending'
export const SDK_CONSENT_ID_KEY = 'miniconsent-id'

/** A lifetime in days as a catalogue's expiry: whole years as years (`1y`), else days (`182d`). */
export function lifetimeExpiry(days: number): string {
  return days % 365 === 0 ? `${days / 365}y` : `${days}d`
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
  const at = { category: 'essential', service: 'miniconsent', provider: site.name }
  const policy = site.privacyPolicyUrl ? { privacyPolicyUrl: site.privacyPolicyUrl } : {}
  return {
    services: [{ id: 'miniconsent', category: 'essential', name: 'MiniConsent', provider: site.name, purpose: text(texts.service), ...policy }],
    entries: [
      { ...at, name: site.cookieName, kind: 'cookie', purpose: text(texts.cookie), expiry: lifetimeExpiry(site.cookieLifetimeDays) },
      { ...at, name: SDK_DATABASE, kind: 'indexedDB', purpose: text(texts.database), expiry: 'persistent' },
      { ...at, name: SDK_PENDING_KEY, kind: 'localStorage', purpose: text(texts.pending), expiry: 'persistent' },
      { ...at, name: SDK_CONSENT_ID_KEY, kind: 'localStorage', purpose: text(texts.consentId), expiry: 'persistent' },
    ],
  }
}
