import { Busy } from '../../components/busy.js';
import { ErrorMessage } from '../../components/error-message.js';
import { Page } from '../../components/page.js';
import { PanelForm } from '../../components/panel-form.js';
import { PanelTable } from '../../components/panel-table.js';
import { useI18n } from '../../i18n/index.js';
import { Link } from '../../router.js';
import { localized } from './panel-types.js';
import { usePanels } from './use-panels.js';

/** `/features/:pluginId/:panelId`: one plugin panel, drawn from its declaration. */
export function PanelScreen({ pluginId, panelId }: { pluginId: string; panelId: string }) {
  const { t, locale } = useI18n();
  const panels = usePanels();
  const panel = panels.data?.find((candidate) => candidate.pluginId === pluginId && candidate.id === panelId);
  const back = (
    <Link to="/features" className="back-link">
      {t('features.backToFeatures')}
    </Link>
  );
  if (!panels.data)
    return (
      <Page title={t('features.title')} actions={back}>
        {panels.error ? <ErrorMessage error={panels.error} onRetry={panels.reload} /> : <Busy />}
      </Page>
    );
  if (!panel)
    return (
      <Page title={t('features.panel.notFound')} actions={back}>
        <p>{t('features.panel.notFoundHelp')}</p>
      </Page>
    );
  const title = localized(panel.title, locale);
  const description = localized(panel.description, locale);
  return (
    <Page title={title} actions={back}>
      {description && <p className="muted">{description}</p>}
      <p className="muted">
        {panel.placement === 'settings'
          ? t('features.panel.settingsOf', { plugin: panel.pluginId })
          : t('features.panel.featureOf', { plugin: panel.pluginId })}
      </p>
      {panel.form ? (
        <PanelForm form={panel.form} idPrefix={`panel-${panel.pluginId}-${panel.id}`} />
      ) : panel.table ? (
        <PanelTable table={panel.table} caption={title} />
      ) : null}
    </Page>
  );
}
