import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import { Busy } from '../../components/busy.js';
import { ErrorMessage } from '../../components/error-message.js';
import { Money } from '../../components/money.js';
import { useLoad } from '../../components/use-load.js';
import { useI18n } from '../../i18n/index.js';
import { Link } from '../../router.js';
import { formatDay } from './format-day.js';
import { SYNC, type Invoice, type Page } from './types.js';

interface Filters {
  status: string;
  kind: string;
  number: string;
  from: string;
  to: string;
  pdfAvailable: string;
}

const EMPTY: Filters = { status: '', kind: '', number: '', from: '', to: '', pdfAvailable: '' };
const PAGE_SIZE = 25;
const STATUSES = ['booked', 'pending', 'paid', 'expired'] as const;

/** Imported invoices with the host's filters; pages go back through the cursors already seen. */
export function InvoiceList({ refreshKey }: { refreshKey: number }) {
  const { t, locale } = useI18n();
  const id = useId();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  // cursors[i] is the `before` of page i (page 0 has none).
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const page = cursors.length - 1;
  const invoices = useLoad(
    (signal) => api.get<Page<Invoice>>(`${SYNC}/invoices`, { ...filters, limit: PAGE_SIZE, before: cursors[page] }, signal),
    [filters, cursors, refreshKey],
  );

  function apply(event: FormEvent) {
    event.preventDefault();
    setFilters(draft);
    setCursors([undefined]);
  }
  function reset() {
    setDraft(EMPTY);
    setFilters(EMPTY);
    setCursors([undefined]);
  }
  const field = (name: keyof Filters) => ({
    id: `${id}-${name}`,
    value: draft[name],
    onChange: (event: { target: { value: string } }) => setDraft({ ...draft, [name]: event.target.value }),
  });

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('invoices.list.title')}</h2>
      <form onSubmit={apply} className="row filters" aria-label={t('invoices.list.filters')}>
        <div className="stack">
          <label htmlFor={`${id}-status`}>{t('invoices.field.status')}</label>
          <select {...field('status')}>
            <option value="">{t('invoices.list.any')}</option>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {t(`invoices.status.${status}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="stack">
          <label htmlFor={`${id}-kind`}>{t('invoices.field.kind')}</label>
          <select {...field('kind')}>
            <option value="">{t('invoices.list.any')}</option>
            <option value="invoice">{t('invoices.kind.invoice')}</option>
            <option value="credit_note">{t('invoices.kind.credit_note')}</option>
          </select>
        </div>
        <div className="stack">
          <label htmlFor={`${id}-pdfAvailable`}>{t('invoices.list.pdfAvailable')}</label>
          <select {...field('pdfAvailable')}>
            <option value="">{t('invoices.list.any')}</option>
            <option value="true">{t('invoices.yes')}</option>
            <option value="false">{t('invoices.no')}</option>
          </select>
        </div>
        <div className="stack">
          <label htmlFor={`${id}-number`}>{t('invoices.field.number')}</label>
          <input type="search" maxLength={100} {...field('number')} />
        </div>
        <div className="stack">
          <label htmlFor={`${id}-from`}>{t('invoices.list.from')}</label>
          <input type="date" {...field('from')} />
        </div>
        <div className="stack">
          <label htmlFor={`${id}-to`}>{t('invoices.list.to')}</label>
          <input type="date" {...field('to')} />
        </div>
        <button type="submit" className="primary">
          {t('invoices.list.apply')}
        </button>
        <button type="button" onClick={reset}>
          {t('invoices.list.reset')}
        </button>
      </form>
      <ErrorMessage error={invoices.error} onRetry={invoices.reload} />
      {invoices.loading && <Busy />}
      {invoices.data && invoices.data.data.length === 0 && <p>{t('invoices.list.empty')}</p>}
      {invoices.data && invoices.data.data.length > 0 && (
        <table aria-busy={invoices.loading}>
          <caption className="sr-only">{t('invoices.list.caption', { page: page + 1 })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('invoices.field.number')}</th>
              <th scope="col">{t('invoices.field.kind')}</th>
              <th scope="col">{t('invoices.field.issuedOn')}</th>
              <th scope="col">{t('invoices.field.dueOn')}</th>
              <th scope="col" className="num">
                {t('invoices.field.total')}
              </th>
              <th scope="col" className="num">
                {t('invoices.field.amountDue')}
              </th>
              <th scope="col">{t('invoices.field.status')}</th>
              <th scope="col">{t('invoices.field.pdf')}</th>
            </tr>
          </thead>
          <tbody>
            {invoices.data.data.map((invoice) => (
              <tr key={invoice.id}>
                <th scope="row" className="nowrap">
                  <Link to={`/invoices/${encodeURIComponent(invoice.id)}`}>{invoice.number}</Link>
                </th>
                <td>{t(`invoices.kind.${invoice.kind}`)}</td>
                <td className="nowrap">{formatDay(locale, invoice.issuedOn)}</td>
                <td className="nowrap">{formatDay(locale, invoice.dueOn)}</td>
                <td className="num nowrap">
                  <Money amount={invoice.totalInclVat} currency={invoice.currency} />
                </td>
                <td className="num nowrap">
                  <Money amount={invoice.amountDue} currency={invoice.currency} />
                </td>
                <td>{t(`invoices.status.${invoice.status}`)}</td>
                <td>{t(`invoices.pdf.${invoice.pdfStatus}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="row pager">
        <button type="button" disabled={page === 0 || invoices.loading} onClick={() => setCursors(cursors.slice(0, -1))}>
          {t('app.previous')}
        </button>
        <span className="muted">{t('invoices.list.page', { page: page + 1 })}</span>
        <button
          type="button"
          disabled={!invoices.data?.nextCursor || invoices.loading}
          onClick={() => invoices.data?.nextCursor && setCursors([...cursors, invoices.data.nextCursor])}
        >
          {t('app.next')}
        </button>
      </div>
    </section>
  );
}
