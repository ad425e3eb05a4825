import { Page } from '../components/page.js';
import { useI18n } from '../i18n/index.js';

export function FeaturesScreen() {
  const { t } = useI18n();
  return <Page title={t('features.title')}>{null}</Page>;
}
