import { Page } from '../components/page.js';
import { useI18n } from '../i18n/index.js';

export function FillScreen() {
  const { t } = useI18n();
  return <Page title={t('fill.title')}>{null}</Page>;
}
