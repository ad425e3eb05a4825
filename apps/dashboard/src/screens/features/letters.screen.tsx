import { useRef, useState, type FormEvent } from 'react';
import { api, ApiError, newIdempotencyKey } from '../../api/client.js';
import { hasRole } from '../../api/session.js';
import { useSession } from '../../auth.js';
import { Busy } from '../../components/busy.js';
import { Dialog } from '../../components/dialog.js';
import { ErrorMessage } from '../../components/error-message.js';
import { Money } from '../../components/money.js';
import { Page } from '../../components/page.js';
import { CellView } from '../../components/panel-table.js';
import { useLoad } from '../../components/use-load.js';
import { formatMoney } from '../../i18n/format.js';
import { useI18n } from '../../i18n/index.js';
import { Link } from '../../router.js';
import { ChannelPrices } from './channel-prices.js';
import { letterIssues } from './letter-issues.js';
import { bytesToBase64, pdfProblem } from './pdf-file.js';
import { usePagedList } from './paged-list.js';

interface Letter {
  id: string;
  status: string;
  reason: string | null;
  country: string;
  subject: string | null;
  recipient: { name: string; city: string };
  amount: string | null;
  currency: string;
  pages: number;
  createdAt: string;
  pdf: { url: string };
}
interface Quote {
  carrier: { id: string; billing: 'wallet' | 'own_account' };
  country: string;
  pages: number;
  sheets: number;
  charges: Array<{ channel: string; units: string; description: string; unitPrice: string; amount: string }>;
  amount: string;
  affordable: boolean;
  reason: string | null;
}

interface Carrier {
  id: string;
  label: string;
  countries: string[];
  billing: 'wallet' | 'own_account';
}

// A carrier's priced parts are channels named `<carrier>-<part>` (packages/print-mail).
const POSTAL_PARTS = ['postage-standard', 'postage-priority', 'postage-registered', 'print-bw', 'print-color'];

const STATUSES = ['held', 'ready', 'submitted', 'accepted', 'printed', 'posted', 'delivered', 'rejected', 'cancelled', 'failed', 'returned'];
const ADDRESS_FIELDS = ['name', 'street', 'postalCode', 'city', 'country'] as const;
type Draft = Record<(typeof ADDRESS_FIELDS)[number] | 'subject' | 'bodyText', string> & { product: string };
const EMPTY: Draft = { name: '', street: '', postalCode: '', city: '', country: 'BE', subject: '', bodyText: '', product: 'standard' };

/** `/features/letters`: the account's letters and their status; a short text letter can be quoted and sent. */
export function LettersScreen() {
  const { t } = useI18n();
  const [status, setStatus] = useState('');
  const list = usePagedList<Letter>('/v1/letters', { status: status || undefined });
  return (
    <Page
      title={t('features.letters.title')}
      actions={
        <Link to="/features" className="back-link">
          {t('features.backToFeatures')}
        </Link>
      }
    >
      <p className="muted">{t('features.letters.help')}</p>
      <LetterPrices />
      <LetterQuote onSent={list.reload} />
      <h2 id="letters-list">{t('features.letters.list')}</h2>
      <div className="row">
        <div className="stack">
          <label htmlFor="letters-status">{t('features.filterStatus')}</label>
          <select id="letters-status" value={status} onChange={(event) => setStatus(event.target.value)}>
            <option value="">{t('features.allStatuses')}</option>
            {STATUSES.map((code) => (
              <option key={code} value={code}>
                {t(`features.status.${code}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="button" onClick={list.reload} disabled={list.loading}>
          {t('features.refresh')}
        </button>
      </div>
      {list.error ? <ErrorMessage error={list.error} onRetry={list.reload} /> : null}
      {list.loading && !list.rows && <Busy />}
      {list.rows && list.rows.length === 0 && <p className="muted">{t('features.letters.none')}</p>}
      {list.rows && list.rows.length > 0 && (
        <div className="table-scroll">
          <table aria-labelledby="letters-list">
            <thead>
              <tr>
                <th scope="col">{t('features.col.created')}</th>
                <th scope="col">{t('features.col.recipient')}</th>
                <th scope="col">{t('features.col.subject')}</th>
                <th scope="col">{t('features.col.status')}</th>
                <th scope="col" className="num">
                  {t('features.col.amount')}
                </th>
                <th scope="col">{t('features.col.pdf')}</th>
              </tr>
            </thead>
            <tbody>
              {list.rows.map((letter) => (
                <tr key={letter.id}>
                  <td>
                    <CellView value={letter.createdAt} format="datetime" />
                  </td>
                  <td>
                    {letter.recipient.name}, {letter.recipient.city} ({letter.country})
                  </td>
                  <td>{letter.subject ?? <CellView value={null} format="text" />}</td>
                  <td>
                    <CellView value={letter.status} format="status" />
                    {letter.reason && <div className="muted">{letter.reason}</div>}
                  </td>
                  <td className="num">{letter.amount ? <Money amount={letter.amount} /> : t('features.letters.ownContract')}</td>
                  <td>
                    <a href={letter.pdf.url} target="_blank" rel="noreferrer">
                      {t('features.letters.pdf', { pages: letter.pages })}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ErrorMessage error={list.more.error} />
      {list.more.available && (
        <button type="button" onClick={() => void list.more.load()} disabled={list.more.loading}>
          {t('app.loadMore')}
        </button>
      )}
    </Page>
  );
}

/** What each carrier paid from the wallet charges per part (postage per letter, printing per sheet). */
function LetterPrices() {
  const { t } = useI18n();
  const carriers = useLoad((signal) => api.get<{ data: Carrier[] }>('/v1/letters/carriers', undefined, signal), []);
  if (carriers.error) return <ErrorMessage error={carriers.error} onRetry={carriers.reload} />;
  const rows = (carriers.data?.data ?? [])
    .filter((carrier) => carrier.billing === 'wallet')
    .flatMap((carrier) =>
      POSTAL_PARTS.map((part) => ({
        channel: `${carrier.id}-${part}`,
        label: t('features.labelValue', { label: carrier.label, value: t(`features.letters.part.${part}`) }),
      })),
    );
  return rows.length > 0 ? <ChannelPrices caption={t('features.letters.prices')} rows={rows} /> : null;
}

function letterBody(draft: Draft, pdf: { base64: string } | null) {
  const recipient = Object.fromEntries(ADDRESS_FIELDS.map((field) => [field, draft[field].trim()]));
  return {
    recipient,
    ...(draft.bodyText.trim() ? { bodyText: draft.bodyText.trim() } : {}),
    ...(pdf ? { pdf: pdf.base64 } : {}),
    ...(draft.subject.trim() ? { subject: draft.subject.trim() } : {}),
    product: draft.product,
  };
}

/** A letter: the cover page with a note, and your own PDF after it if given. Quote first, then send with a key kept across retries. */
function LetterQuote({ onSent }: { onSent(): void }) {
  const { t, locale } = useI18n();
  const session = useSession();
  const canSend = hasRole(session, 'admin');
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [quote, setQuote] = useState<Quote | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [sent, setSent] = useState<string | null>(null);
  const [sendKey, setSendKey] = useState(() => newIdempotencyKey('letter'));
  const [pdf, setPdf] = useState<{ name: string; base64: string } | null>(null);
  const [pdfMessage, setPdfMessage] = useState<string | null>(null);
  const [textMessage, setTextMessage] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const issues = error instanceof ApiError && error.status === 400 ? letterIssues(error.details) : {};

  const changed = () => {
    setQuote(null);
    setSent(null);
    setSendKey(newIdempotencyKey('letter'));
  };

  const choosePdf = async (file: File | undefined) => {
    changed();
    setPdf(null);
    setPdfMessage(null);
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    const problem = pdfProblem(bytes);
    if (problem) {
      setPdfMessage(t(`features.letters.${problem}`, { max: '5 MB' }));
      if (fileInput.current) fileInput.current.value = '';
      return;
    }
    setPdf({ name: file.name, base64: bytesToBase64(bytes) });
    setTextMessage(null);
  };

  const removePdf = () => {
    changed();
    setPdf(null);
    if (fileInput.current) fileInput.current.value = '';
    fileInput.current?.focus();
  };

  const edit = (field: keyof Draft, value: string) => {
    setDraft((previous) => ({ ...previous, [field]: value }));
    if (field === 'bodyText') setTextMessage(null);
    setQuote(null);
    setSent(null);
    // Another letter is another request: a new key.
    setSendKey(newIdempotencyKey('letter'));
  };

  const ask = async (event: FormEvent) => {
    event.preventDefault();
    // A letter needs something to print: a note, a PDF, or both.
    if (!pdf && !draft.bodyText.trim()) {
      setTextMessage(t('features.letters.needContent'));
      document.getElementById('letter-bodyText')?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    setSent(null);
    try {
      setQuote(await api.post<Quote>('/v1/letters/quote', letterBody(draft, pdf)));
    } catch (caught) {
      setError(caught);
      setQuote(null);
    } finally {
      setBusy(false);
    }
  };

  const send = async () => {
    setConfirming(false);
    setBusy(true);
    setError(null);
    try {
      const letter = await api.post<Letter>('/v1/letters', letterBody(draft, pdf), { idempotencyKey: sendKey });
      setSent(t('features.letters.sent', { status: t(`features.status.${letter.status}`) }));
      setDraft(EMPTY);
      setPdf(null);
      if (fileInput.current) fileInput.current.value = '';
      setQuote(null);
      setSendKey(newIdempotencyKey('letter'));
      onSent();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const input = (field: keyof Draft, label: string, extra?: { autoComplete?: string; required?: boolean }) => {
    const messages = issues[field] ?? [];
    const id = `letter-${field}`;
    return (
      <div className="stack">
        <label htmlFor={id}>{label}</label>
        <input
          id={id}
          value={draft[field]}
          required={extra?.required ?? true}
          autoComplete={extra?.autoComplete ?? 'off'}
          aria-invalid={messages.length > 0 || undefined}
          aria-describedby={messages.length ? `${id}-error` : undefined}
          onChange={(event) => edit(field, event.target.value)}
        />
        {messages.length > 0 && (
          <p id={`${id}-error`} className="field-error">
            {messages.join(' ')}
          </p>
        )}
      </div>
    );
  };

  return (
    <section className="card" aria-labelledby="letter-quote">
      <h2 id="letter-quote">{t('features.letters.quoteTitle')}</h2>
      <p className="muted">{t('features.letters.quoteHelp')}</p>
      <form className="stack" onSubmit={(event) => void ask(event)} noValidate>
        <fieldset className="stack">
          <legend>{t('features.letters.recipient')}</legend>
          <div className="row">
            {input('name', t('features.address.name'), { autoComplete: 'name' })}
            {input('street', t('features.address.street'), { autoComplete: 'street-address' })}
          </div>
          <div className="row">
            {input('postalCode', t('features.address.postalCode'), { autoComplete: 'postal-code' })}
            {input('city', t('features.address.city'), { autoComplete: 'address-level2' })}
            {input('country', t('features.address.country'), { autoComplete: 'country' })}
          </div>
        </fieldset>
        {input('subject', t('features.letters.subject'), { required: false })}
        <div className="stack">
          <label htmlFor="letter-bodyText">{t('features.letters.bodyText')}</label>
          <textarea
            id="letter-bodyText"
            rows={4}
            maxLength={5000}
            value={draft.bodyText}
            aria-invalid={issues.bodyText || textMessage ? true : undefined}
            aria-describedby={issues.bodyText || textMessage ? 'letter-bodyText-error' : 'letter-bodyText-help'}
            onChange={(event) => edit('bodyText', event.target.value)}
          />
          <p id="letter-bodyText-help" className="muted field-help">
            {t('features.letters.bodyTextHelp')}
          </p>
          {(issues.bodyText || textMessage) && (
            <p id="letter-bodyText-error" className="field-error">
              {[textMessage, ...(issues.bodyText ?? [])].filter(Boolean).join(' ')}
            </p>
          )}
        </div>
        <div className="stack">
          <label htmlFor="letter-pdf">{t('features.letters.pdfFile')}</label>
          <input
            ref={fileInput}
            id="letter-pdf"
            type="file"
            accept="application/pdf,.pdf"
            aria-describedby={pdfMessage || issues.pdf ? 'letter-pdf-error' : 'letter-pdf-help'}
            aria-invalid={pdfMessage || issues.pdf ? true : undefined}
            onChange={(event) => void choosePdf(event.target.files?.[0])}
          />
          <p id="letter-pdf-help" className="muted field-help">
            {t('features.letters.pdfHelp', { max: '5 MB' })}
          </p>
          {(pdfMessage || issues.pdf) && (
            <p id="letter-pdf-error" className="field-error">
              {[pdfMessage, ...(issues.pdf ?? [])].filter(Boolean).join(' ')}
            </p>
          )}
          {pdf && (
            <p>
              {t('features.letters.pdfChosen', { name: pdf.name })}{' '}
              <button type="button" className="link-button" onClick={removePdf}>
                {t('features.letters.pdfRemove')}
              </button>
            </p>
          )}
        </div>
        <div className="stack">
          <label htmlFor="letter-product">{t('features.letters.product')}</label>
          <select id="letter-product" value={draft.product} onChange={(event) => edit('product', event.target.value)}>
            {['standard', 'priority', 'registered'].map((product) => (
              <option key={product} value={product}>
                {t(`features.letters.product.${product}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="row">
          <button type="submit" disabled={busy}>
            {t('features.letters.quote')}
          </button>
          {busy && <Busy label={t('app.working')} />}
        </div>
      </form>
      <ErrorMessage error={error} />
      {quote && (
        <div className="stack" role="status" aria-live="polite">
          <p>
            {t('features.letters.quoteResult', { pages: quote.pages, sheets: quote.sheets, carrier: quote.carrier.id, country: quote.country })}{' '}
            <strong>
              <Money amount={quote.amount} />
            </strong>
          </p>
          <ul>
            {quote.charges.map((charge) => (
              <li key={charge.channel}>
                {t('features.labelValue', {
                  label: charge.description,
                  value: `${charge.units} × ${formatMoney(locale, charge.unitPrice)} = ${formatMoney(locale, charge.amount)}`,
                })}
              </li>
            ))}
          </ul>
          {!quote.affordable && <p className="notice">{t(`features.reason.${quote.reason ?? 'insufficient_funds'}`)}</p>}
          {canSend && quote.affordable && (
            <button type="button" className="primary" onClick={() => setConfirming(true)} disabled={busy}>
              {t('features.letters.send')}
            </button>
          )}
        </div>
      )}
      <p role="status" aria-live="polite" className={sent ? 'success' : 'sr-only'}>
        {sent ?? ''}
      </p>
      <Dialog open={confirming} title={t('features.letters.confirmTitle')} onClose={() => setConfirming(false)}>
        <p>{quote && t('features.letters.confirmText', { amount: formatMoney(locale, quote.amount) })}</p>
        <div className="row">
          <button type="button" className="primary" onClick={() => void send()}>
            {t('features.letters.send')}
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            {t('app.cancel')}
          </button>
        </div>
      </Dialog>
    </section>
  );
}
