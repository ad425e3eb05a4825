import { useI18n } from '../../i18n/index.js';
import { Link, useLocation } from '../../router.js';

const ITEMS = [
  { to: '/invoices', key: 'invoices.nav.overview' },
  { to: '/invoices/profiles', key: 'invoices.nav.profiles' },
  { to: '/invoices/mandates', key: 'invoices.nav.mandates' },
];

/** The invoices area's own menu; exact matches only, so "overview" is not current on its sub-pages. */
export function InvoicesSubNav() {
  const { t } = useI18n();
  const { path } = useLocation();
  return (
    <nav aria-label={t('invoices.nav.label')} className="sub-nav">
      <ul>
        {ITEMS.map((item) => (
          <li key={item.to}>
            <Link to={item.to} aria-current={path === item.to ? 'page' : undefined}>
              {t(item.key)}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
