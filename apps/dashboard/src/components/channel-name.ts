import { hasMessage, useI18n } from '../i18n/index.js';

/**
 * A spend channel's name in the user's language (`channel.<id>` texts). A channel the dashboard has
 * no name for is shown by the name of its plugin's prefix and the rest of its id
 * (`postal-be-print-bw` → "Letters (Belgium) · print-bw"), or by its id.
 */
export function useChannelName(): (channel: string | null) => string {
  const { t } = useI18n();
  return (channel) => {
    if (channel === null) return t('channel.none');
    if (hasMessage(`channel.${channel}`)) return t(`channel.${channel}`);
    const parts = channel.split('-');
    for (let length = parts.length - 1; length > 0; length -= 1) {
      const prefix = parts.slice(0, length).join('-');
      if (hasMessage(`channel.${prefix}`)) return `${t(`channel.${prefix}`)} · ${parts.slice(length).join('-')}`;
    }
    return channel;
  };
}
