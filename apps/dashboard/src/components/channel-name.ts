import { hasMessage, useI18n } from '../i18n/index.js';

/** A spend channel's name in the user's language (`channel.<id>` texts), or its id for a channel the dashboard does not know. */
export function useChannelName(): (channel: string | null) => string {
  const { t } = useI18n();
  return (channel) => {
    if (channel === null) return t('channel.none');
    return hasMessage(`channel.${channel}`) ? t(`channel.${channel}`) : channel;
  };
}
