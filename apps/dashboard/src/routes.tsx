import type { ReactElement } from 'react';
import type { Role, SessionView } from './api/session.js';
import { AdminScreen } from './screens/admin.screen.js';
import { AccountDetailScreen } from './screens/admin/account-detail.screen.js';
import { LedgerCheckScreen } from './screens/admin/ledger-check.screen.js';
import { RefundsScreen } from './screens/admin/refunds.screen.js';
import { FeaturesScreen } from './screens/features.screen.js';
import { ExportsScreen } from './screens/features/exports.screen.js';
import { LettersScreen } from './screens/features/letters.screen.js';
import { PanelScreen } from './screens/features/panel.screen.js';
import { SettingsScreen } from './screens/features/settings.screen.js';
import { FillScreen } from './screens/fill.screen.js';
import { HistoryScreen } from './screens/history.screen.js';
import { InvoicesScreen } from './screens/invoices.screen.js';
import { InvoiceDetailScreen } from './screens/invoices/invoice-detail.screen.js';
import { MandatesScreen } from './screens/invoices/mandates.screen.js';
import { ProfilesScreen } from './screens/invoices/profiles.screen.js';
import { RefundScreen } from './screens/refund.screen.js';
import { WalletScreen } from './screens/wallet.screen.js';

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
