import { useState } from 'react';
import { api } from '../../api/client.js';
import { hasRole } from '../../api/session.js';
import { useSession } from '../../auth.js';
import { Busy } from '../../components/busy.js';
import { ErrorMessage } from '../../components/error-message.js';
import { Money } from '../../components/money.js';
import { Page } from '../../components/page.js';
import { useLoad } from '../../components/use-load.js';
import { formatDateTime } from '../../i18n/format.js';
import { hasMessage, useI18n } from '../../i18n/index.js';
import { Link } from '../../router.js';
import { formatDay } from './format-day.js';
import { InvoicesSubNav } from './sub-nav.js';
import { SYNC, type Customer, type Invoice, type InvoiceEvent } from './types.js';

type InvoiceWithEvents = Invoice & { events: InvoiceEvent[] };

/** One imported invoice or credit note: its fields, its customer, its PDF and its event log. */
export function InvoiceDetailScreen({ invoiceId }: { invoiceId: string }) {
  const { t, locale } = useI18n();
  const session = useSession();
  const path = `${SYNC}/invoices/${encodeURIComponent(invoiceId)}`;
  const invoice = useLoad((signal) => api.get<InvoiceWithEvents>(path, undefined, signal), [path]);
  const customerId = invoice.data?.customerId;
  const customer = useLoad(
    (signal) => (customerId ? api.get<Customer>(`${SYNC}/customers/${encodeURIComponent(customerId)}`, undefined, signal) : Promise.resolve(null)),
    [customerId],
  );
  const [fetching, setFetching] = useState(false);
  const [fetchResult, setFetchResult] = useState<{ scheduled: number } | null>(null);
  const [fetchError, setFetchError] = useState<unknown>(null);

  async function fetchPdf() {
    setFetching(true);
    setFetchError(null);
    try {
      setFetchResult(await api.post<{ scheduled: number }>(`${SYNC}/invoices/pdfs/fetch`, { invoiceIds: [invoiceId] }));
    } catch (caught) {
      setFetchError(caught);
    } finally {
      setFetching(false);
    }
  }

  const data = invoice.data;
  return (
    <Page title={data ? t('invoices.detail.title', { number: data.number }) : t('invoices.detail.loading')}>
      <InvoicesSubNav />
      <p>
        <Link to="/invoices">{t('invoices.detail.back')}</Link>
      </p>
      {invoice.loading && !data && <Busy />}
      <ErrorMessage error={invoice.error} onRetry={invoice.reload} />
      {data && (
        <>
          <section className="card" aria-labelledby="invoice-fields">
            <h2 id="invoice-fields">{t('invoices.detail.fields')}</h2>
            <dl className="facts">
              <dt>{t('invoices.field.number')}</dt>
              <dd>{data.number}</dd>
              <dt>{t('invoices.field.kind')}</dt>
              <dd>{t(`invoices.kind.${data.kind}`)}</dd>
              <dt>{t('invoices.field.status')}</dt>
              <dd>{t(`invoices.status.${data.status}`)}</dd>
              <dt>{t('invoices.field.customer')}</dt>
              <dd>
                {customer.data ? `${customer.data.name} (${customer.data.customerNumber})` : (data.customerId ?? '—')}
                <ErrorMessage error={customer.error} />
              </dd>
              <dt>{t('invoices.field.issuedOn')}</dt>
              <dd>{formatDay(locale, data.issuedOn)}</dd>
              <dt>{t('invoices.field.dueOn')}</dt>
              <dd>{formatDay(locale, data.dueOn)}</dd>
              <dt>{t('invoices.field.totalExclVat')}</dt>
              <dd>
                <Money amount={data.totalExclVat} currency={data.currency} />
              </dd>
              <dt>{t('invoices.field.total')}</dt>
              <dd>
                <Money amount={data.totalInclVat} currency={data.currency} />
              </dd>
              <dt>{t('invoices.field.amountDue')}</dt>
              <dd>
                <Money amount={data.amountDue} currency={data.currency} />
              </dd>
              <dt>{t('invoices.field.collectable')}</dt>
              <dd>
                {data.collectable ? t('invoices.yes') : t('invoices.no')}
                {data.collectionBlockedReason && (
                  <>
                    {' '}
                    (<code>{data.collectionBlockedReason}</code>)
                  </>
                )}
              </dd>
              {data.creditedInvoiceId && (
                <>
                  <dt>{t('invoices.field.credits')}</dt>
                  <dd>
                    <Link to={`/invoices/${encodeURIComponent(data.creditedInvoiceId)}`}>{data.creditedInvoiceId}</Link>
                  </dd>
                </>
              )}
              <dt>{t('invoices.field.pdf')}</dt>
              <dd>
                {data.pdfStatus === 'available' ? (
                  <a href={`${path}/pdf`} target="_blank" rel="noopener">
                    {t('invoices.detail.openPdf', { number: data.number })}
                  </a>
                ) : (
                  t(`invoices.pdf.${data.pdfStatus}`)
                )}
              </dd>
            </dl>
            {data.pdfStatus !== 'available' && hasRole(session, 'admin') && (
              <div className="stack">
                <div className="row">
                  <button type="button" onClick={() => void fetchPdf()} disabled={fetching}>
                    {fetching ? t('app.working') : t('invoices.detail.fetchPdf')}
                  </button>
                </div>
                {fetchResult && (
                  <p role="status" className="success">
                    {t('invoices.detail.fetchScheduled')}
                  </p>
                )}
                <ErrorMessage error={fetchError} />
              </div>
            )}
          </section>
          <section className="card" aria-labelledby="invoice-events">
            <h2 id="invoice-events">{t('invoices.detail.events')}</h2>
            {data.events.length === 0 ? (
              <p>{t('app.none')}</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('invoices.detail.eventAt')}</th>
                    <th scope="col">{t('invoices.detail.eventType')}</th>
                    <th scope="col">{t('invoices.detail.eventDetail')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.events.map((event, index) => (
                    <tr key={index}>
                      <td>{formatDateTime(locale, event.at, session.account?.timeZone)}</td>
                      <td>{hasMessage(`invoices.event.${event.type}`) ? t(`invoices.event.${event.type}`) : <code>{event.type}</code>}</td>
                      <td>
                        <EventDetail detail={event.detail} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
    </Page>
  );
}

/** An event's detail object as key: value lines (its keys are the API's, shown as they are). */
function EventDetail({ detail }: { detail: unknown }) {
  if (!detail || typeof detail !== 'object') return null;
  const entries = Object.entries(detail as Record<string, unknown>);
  if (entries.length === 0) return null;
  return (
    <ul className="plain">
      {entries.map(([key, value]) => (
        <li key={key}>
          <code>{key}</code>: {typeof value === 'string' ? value : JSON.stringify(value)}
        </li>
      ))}
    </ul>
  );
}
