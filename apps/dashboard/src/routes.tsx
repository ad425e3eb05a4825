import { lazy, type ComponentType, type ReactElement } from 'react';
import type { Role, SessionView } from './api/session.js';
import { WalletScreen } from './screens/wallet.screen.js';

/**
 * The first screen after signing in (the wallet) is in the main bundle; every other screen is a
 * chunk of its own, fetched when first opened, so the sign-in page and the wallet load less.
 */
function lazyScreen<P extends object>(load: () => Promise<ComponentType<P>>) {
  return lazy(async () => ({ default: await load() }));
}

const AdminScreen = lazyScreen(() => import('./screens/admin.screen.js').then((module) => module.AdminScreen));
const AccountDetailScreen = lazyScreen(() => import('./screens/admin/account-detail.screen.js').then((module) => module.AccountDetailScreen));
const LedgerCheckScreen = lazyScreen(() => import('./screens/admin/ledger-check.screen.js').then((module) => module.LedgerCheckScreen));
const RefundsScreen = lazyScreen(() => import('./screens/admin/refunds.screen.js').then((module) => module.RefundsScreen));
const FeaturesScreen = lazyScreen(() => import('./screens/features.screen.js').then((module) => module.FeaturesScreen));
const ExportsScreen = lazyScreen(() => import('./screens/features/exports.screen.js').then((module) => module.ExportsScreen));
const LettersScreen = lazyScreen(() => import('./screens/features/letters.screen.js').then((module) => module.LettersScreen));
const PanelScreen = lazyScreen(() => import('./screens/features/panel.screen.js').then((module) => module.PanelScreen));
const SettingsScreen = lazyScreen(() => import('./screens/features/settings.screen.js').then((module) => module.SettingsScreen));
const FillScreen = lazyScreen(() => import('./screens/fill.screen.js').then((module) => module.FillScreen));
const HistoryScreen = lazyScreen(() => import('./screens/history.screen.js').then((module) => module.HistoryScreen));
const InvoicesScreen = lazyScreen(() => import('./screens/invoices.screen.js').then((module) => module.InvoicesScreen));
const InvoiceDetailScreen = lazyScreen(() => import('./screens/invoices/invoice-detail.screen.js').then((module) => module.InvoiceDetailScreen));
const MandatesScreen = lazyScreen(() => import('./screens/invoices/mandates.screen.js').then((module) => module.MandatesScreen));
const ProfilesScreen = lazyScreen(() => import('./screens/invoices/profiles.screen.js').then((module) => module.ProfilesScreen));
const RefundScreen = lazyScreen(() => import('./screens/refund.screen.js').then((module) => module.RefundScreen));

export interface AppRoute {
  /** `/invoices/:invoiceId`; params reach the screen as props. */
  path: string;
  render(params: Record<string, string>): ReactElement;
  /** Which sessions see it: an account's people, or the platform admin. */
  kind: SessionView['kind'];
  /** In the main menu, with this text key (sub-screens have none). */
  nav?: string;
  /** The least role to see it in the menu (the host checks every call again). */
  minRole?: Role;
}

export const ROUTES: AppRoute[] = [
  { path: '/', kind: 'account', nav: 'nav.wallet', render: () => <WalletScreen /> },
  { path: '/fill', kind: 'account', nav: 'nav.fill', render: () => <FillScreen /> },
  { path: '/history', kind: 'account', nav: 'nav.history', render: () => <HistoryScreen /> },
  { path: '/refund', kind: 'account', nav: 'nav.refund', render: () => <RefundScreen /> },
  { path: '/features', kind: 'account', nav: 'nav.features', render: () => <FeaturesScreen /> },
  { path: '/features/letters', kind: 'account', render: () => <LettersScreen /> },
  { path: '/features/accounting-exports', kind: 'account', render: () => <ExportsScreen /> },
  { path: '/features/:pluginId/:panelId', kind: 'account', render: (params) => <PanelScreen pluginId={params.pluginId!} panelId={params.panelId!} /> },
  { path: '/invoices', kind: 'account', nav: 'nav.invoices', render: () => <InvoicesScreen /> },
  { path: '/settings', kind: 'account', nav: 'nav.settings', render: () => <SettingsScreen /> },
  // Before /invoices/:invoiceId, which would match them too.
  { path: '/invoices/profiles', kind: 'account', render: () => <ProfilesScreen /> },
  { path: '/invoices/mandates', kind: 'account', render: () => <MandatesScreen /> },
  { path: '/invoices/:invoiceId', kind: 'account', render: (params) => <InvoiceDetailScreen invoiceId={params.invoiceId!} /> },
  { path: '/', kind: 'admin', nav: 'admin.nav.accounts', render: () => <AdminScreen /> },
  { path: '/accounts/:accountId', kind: 'admin', render: (params) => <AccountDetailScreen accountId={params.accountId!} /> },
  { path: '/refunds', kind: 'admin', nav: 'admin.nav.refunds', render: () => <RefundsScreen /> },
  { path: '/ledger-check', kind: 'admin', nav: 'admin.nav.ledger', render: () => <LedgerCheckScreen /> },
];
