import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client.js';
import { useAuth } from '../auth.js';
import { ErrorMessage } from '../components/error-message.js';
import { Page } from '../components/page.js';
import { useI18n } from '../i18n/index.js';

export function LoginScreen() {
  const { t } = useI18n();
  const { signIn } = useAuth();
  const id = useId();
  const [mode, setMode] = useState<'password' | 'key'>('password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [accounts, setAccounts] = useState<Array<{ id: string; name: string }> | null>(null);
  const [accountId, setAccountId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(mode === 'key' ? { apiKey } : { email, password, ...(accountId ? { accountId } : {}) });
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === 'account_choice_required') {
        const choices = (caught.details as { accounts?: Array<{ id: string; name: string }> } | undefined)?.accounts ?? [];
        setAccounts(choices);
        setAccountId(choices[0]?.id ?? '');
      } else setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="login">
      <Page title={t('login.title')}>
        <form onSubmit={submit} className="stack" aria-busy={busy}>
          {mode === 'password' ? (
            <>
              <label htmlFor={`${id}-email`}>{t('login.email')}</label>
              <input id={`${id}-email`} type="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} />
              <label htmlFor={`${id}-password`}>{t('login.password')}</label>
              <input
                id={`${id}-password`}
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(event) => setPassword(event.target.value)}
              />
              {accounts && (
                <>
                  <p id={`${id}-choose`}>{t('login.chooseAccount')}</p>
                  <label htmlFor={`${id}-account`}>{t('login.account')}</label>
                  <select id={`${id}-account`} aria-describedby={`${id}-choose`} value={accountId} onChange={(event) => setAccountId(event.target.value)}>
                    {accounts.map((account) => (
                      <option key={account.id} value={account.id}>
                        {account.name}
                      </option>
                    ))}
                  </select>
                </>
              )}
            </>
          ) : (
            <>
              <label htmlFor={`${id}-key`}>{t('login.apiKey')}</label>
              <input id={`${id}-key`} type="password" autoComplete="off" required value={apiKey} onChange={(event) => setApiKey(event.target.value)} />
            </>
          )}
          <ErrorMessage error={error} />
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t('app.working') : t('login.submit')}
          </button>
          <button type="button" className="link-button" onClick={() => setMode(mode === 'password' ? 'key' : 'password')}>
            {mode === 'password' ? t('login.withKey') : t('login.withPassword')}
          </button>
        </form>
      </Page>
    </main>
  );
}
