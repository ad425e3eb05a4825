import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import type { Locale } from '../api/session.js';
import admin from './messages/admin.js';
import common from './messages/common.js';
import features from './messages/features.js';
import fill from './messages/fill.js';
import history from './messages/history.js';
import invoices from './messages/invoices.js';
import refund from './messages/refund.js';
import wallet from './messages/wallet.js';

export const LOCALES: readonly Locale[] = ['nl', 'fr', 'en', 'de'];
export const LOCALE_NAMES: Record<Locale, string> = { nl: 'Nederlands', fr: 'Français', en: 'English', de: 'Deutsch' };

const AREAS = [common, wallet, fill, history, refund, features, invoices, admin];
const DICTIONARIES = Object.fromEntries(
  LOCALES.map((locale) => [locale, Object.assign({}, ...AREAS.map((area) => area[locale])) as Record<string, string>]),
) as Record<Locale, Record<string, string>>;

export type Params = Record<string, string | number>;
export type Translate = (key: string, params?: Params) => string;

/** `{name}` placeholders are filled from params; an unknown key shows itself, so a gap is visible, not silent. */
export function translate(locale: Locale, key: string, params?: Params): string {
  const text = DICTIONARIES[locale][key] ?? DICTIONARIES.en[key] ?? key;
  return params ? text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole)) : text;
}

export function hasMessage(key: string): boolean {
  return key in DICTIONARIES.en;
}

const STORAGE_KEY = 'tollgate.locale';

export function initialLocale(): Locale {
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (stored && (LOCALES as readonly string[]).includes(stored)) return stored as Locale;
  const browser = (globalThis.navigator?.language ?? 'en').slice(0, 2);
  return (LOCALES as readonly string[]).includes(browser) ? (browser as Locale) : 'en';
}

interface I18n {
  locale: Locale;
  setLocale(locale: Locale): void;
  t: Translate;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const setLocale = useCallback((next: Locale) => {
    globalThis.localStorage?.setItem(STORAGE_KEY, next);
    document.documentElement.lang = next;
    setLocaleState(next);
  }, []);
  const value = useMemo<I18n>(() => {
    document.documentElement.lang = locale;
    return { locale, setLocale, t: (key, params) => translate(locale, key, params) };
  }, [locale, setLocale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}
