import { Page } from '../components/page.js';
import { useI18n } from '../i18n/index.js';

export function InvoicesScreen() {
  const { t } = useI18n();
  return <Page title={t('invoices.title')}>{null}</Page>;
}
