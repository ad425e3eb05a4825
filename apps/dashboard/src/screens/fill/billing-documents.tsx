import { useState } from 'react';
import { api } from '../../api/client.js';
import type { BillingDocumentView } from '../../api/funding-views.js';
import type { Page as ListPage } from '../../api/wallet-views.js';
import { Busy } from '../../components/busy.js';
import { ErrorMessage } from '../../components/error-message.js';
import { Money } from '../../components/money.js';
import { formatDay } from '../../i18n/format-day.js';
import { useI18n } from '../../i18n/index.js';

/** Invoices (one per top-up) and credit notes (one per refund), newest first, with their PDF. */
export function BillingDocuments({ first }: { first: ListPage<BillingDocumentView> }) {
  const { t, locale } = useI18n();
  const [documents, setDocuments] = useState(first.data);
  const [cursor, setCursor] = useState(first.nextCursor);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function more() {
    if (!cursor) return;
    setBusy(true);
    setError(null);
    try {
      const page = await api.get<ListPage<BillingDocumentView>>('/v1/billing/documents', { limit: 20, cursor });
      setDocuments((previous) => [...previous, ...page.data]);
      setCursor(page.nextCursor);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

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
      <ErrorMessage error={error} />
      {busy && <Busy />}
      {cursor && !busy && (
        <button type="button" onClick={() => void more()}>
          {t('app.loadMore')}
        </button>
      )}
    </>
  );
}
