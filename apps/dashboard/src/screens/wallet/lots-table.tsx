import type { LotView } from '../../api/wallet-views.js';
import { useSession } from '../../auth.js';
import { Money } from '../../components/money.js';
import { formatDate } from '../../i18n/format.js';
import { useI18n } from '../../i18n/index.js';

/** The credit lots in the order they are spent (trial and promo first, the soonest to expire first), with their expiry. */
export function LotsTable({ lots }: { lots: LotView[] }) {
  const { t, locale } = useI18n();
  const { account } = useSession();
  if (lots.length === 0) return <p className="muted">{t('wallet.lots.none')}</p>;
  return (
    <table>
      <caption className="sr-only">{t('wallet.lots.title')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('wallet.kind')}</th>
          <th scope="col" className="num">
            {t('wallet.lots.granted')}
          </th>
          <th scope="col" className="num">
            {t('wallet.lots.remaining')}
          </th>
          <th scope="col">{t('wallet.lots.expires')}</th>
          <th scope="col">{t('wallet.lots.for')}</th>
        </tr>
      </thead>
      <tbody>
        {lots.map((lot) => (
          <tr key={lot.id}>
            <td>{t(`wallet.kind.${lot.kind}`)}</td>
            <td className="num">
              <Money amount={lot.granted} />
            </td>
            <td className="num">
              <Money amount={lot.remaining} />
            </td>
            <td>{lot.expiresAt ? formatDate(locale, lot.expiresAt, account?.timeZone) : t('wallet.lots.never')}</td>
            <td>{lot.scope ? lot.scope.join(', ') : t('wallet.lots.anything')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
