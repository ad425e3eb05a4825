import { api } from '../../api/client.js';
import type { BillingDocumentView } from '../../api/funding-views.js';
import type { Page as ListPage } from '../../api/wallet-views.js';
import { LoadMoreFooter, useLoadMore } from '../../components/load-more.js';
import { Money } from '../../components/money.js';
import { formatDay } from '../../i18n/format-day.js';
import { useI18n } from '../../i18n/index.js';

/** Invoices (one per top-up) and credit notes (one per refund), newest first, with their PDF. */
export function BillingDocuments({ first }: { first: ListPage<BillingDocumentView> }) {
  const { t, locale } = useI18n();
  const list = useLoadMore({ first, fetchPage: (cursor) => api.get<ListPage<BillingDocumentView>>('/v1/billing/documents', { limit: 20, cursor }) });
  const documents = list.rows;

  if (documents.length === 0) return <p className="muted">{t('fill.documents.none')}</p>;
  return (
    <>
      <table>
        <caption className="sr-only">{t('fill.documents.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('fill.documents.number')}</th>
            <th scope="col">{t('fill.documents.type')}</th>
            <th scope="col">{t('fill.documents.issued')}</th>
            <th scope="col" className="num">
              {t('fill.documents.gross')}
            </th>
            <th scope="col">{t('fill.documents.pdf')}</th>
          </tr>
        </thead>
        <tbody>
          {documents.map((document) => (
            <tr key={document.id}>
              <td>{document.number}</td>
              <td>{t(`fill.documents.type.${document.type}`)}</td>
              <td>{formatDay(locale, document.issuedOn)}</td>
              <td className="num">
                <Money amount={document.gross} />
              </td>
              <td>
                {document.ready ? (
                  <a href={`/v1/billing/documents/${encodeURIComponent(document.id)}/pdf`} download={`${document.number}.pdf`}>
                    {t('fill.documents.download')}
                    <span className="sr-only"> {document.number}</span>
                  </a>
                ) : (
                  <span className="muted">{t('fill.documents.notReady')}</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <LoadMoreFooter list={list} />
    </>
  );
}
