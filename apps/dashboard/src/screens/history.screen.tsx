import { Page } from '../components/page.js';
import { useI18n } from '../i18n/index.js';

export function HistoryScreen() {
  const { t } = useI18n();
  return <Page title={t('history.title')}>{null}</Page>;
}
