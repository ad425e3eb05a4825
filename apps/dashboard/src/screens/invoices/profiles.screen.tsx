import { useState } from 'react';
import { api } from '../../api/client.js';
import { hasRole } from '../../api/session.js';
import { useSession } from '../../auth.js';
import { Busy } from '../../components/busy.js';
import { Dialog } from '../../components/dialog.js';
import { ErrorMessage } from '../../components/error-message.js';
import { Page } from '../../components/page.js';
import { useLoad } from '../../components/use-load.js';
import { useI18n } from '../../i18n/index.js';
import { ProfileForm } from './profile-form.js';
import { InvoicesSubNav } from './sub-nav.js';
import { SYNC, type Profile, type ProfileInput } from './types.js';

/** Collection profiles (S-2): list, create, change, delete. Members read; admins and owners change. */
export function ProfilesScreen() {
  const { t } = useI18n();
  const session = useSession();
  const canEdit = hasRole(session, 'admin');
  const profiles = useLoad((signal) => api.get<{ data: Profile[] }>(`${SYNC}/profiles`, undefined, signal).then((r) => r.data), []);
  const [editing, setEditing] = useState<Profile | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Profile | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);

  async function save(input: ProfileInput) {
    if (editing === 'new') await api.post(`${SYNC}/profiles`, input);
    else if (editing) {
      // Only what changed: the host refuses un-defaulting the default, so an unchanged flag is not sent.
      const changes = Object.fromEntries(Object.entries(input).filter(([key, value]) => editing[key as keyof Profile] !== value));
      if (Object.keys(changes).length > 0) await api.patch(`${SYNC}/profiles/${encodeURIComponent(editing.id)}`, changes);
    }
    setSaved(t('app.saved'));
    setEditing(null);
    profiles.reload();
  }

  async function remove(profile: Profile) {
    setDeleteBusy(true);
    setDeleteError(null);
    try {
      await api.delete(`${SYNC}/profiles/${encodeURIComponent(profile.id)}`);
      setDeleting(null);
      setSaved(t('invoices.profiles.deleted', { name: profile.name }));
      profiles.reload();
    } catch (caught) {
      setDeleteError(caught);
    } finally {
      setDeleteBusy(false);
    }
  }

  const yesNo = (value: boolean) => (value ? t('invoices.yes') : t('invoices.no'));
  return (
    <Page
      title={t('invoices.profiles.title')}
      actions={
        canEdit && (
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            {t('invoices.profiles.new')}
          </button>
        )
      }
    >
      <InvoicesSubNav />
      <p className="muted">{t('invoices.profiles.help')}</p>
      <div role="status" aria-live="polite">
        {saved && <p className="success">{saved}</p>}
      </div>
      {profiles.loading && !profiles.data && <Busy />}
      <ErrorMessage error={profiles.error} onRetry={profiles.reload} />
      {profiles.data && profiles.data.length === 0 && <p>{t('invoices.profiles.empty')}</p>}
      {profiles.data && profiles.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('invoices.profile.name')}</th>
              <th scope="col">{t('invoices.profile.directDebit')}</th>
              <th scope="col">{t('invoices.profile.paymentLink')}</th>
              <th scope="col">{t('invoices.profile.transfer')}</th>
              <th scope="col">{t('invoices.profile.sourceOptionValue')}</th>
              <th scope="col">{t('invoices.profile.sendInvitation')}</th>
              {canEdit && <th scope="col">{t('invoices.profiles.actions')}</th>}
            </tr>
          </thead>
          <tbody>
            {profiles.data.map((profile) => (
              <tr key={profile.id}>
                <th scope="row">
                  {profile.name}
                  {profile.isDefault && ' '}
                  {profile.isDefault && <span className="badge">{t('invoices.profile.default')}</span>}
                </th>
                <td>{yesNo(profile.directDebit)}</td>
                <td>{yesNo(profile.paymentLink)}</td>
                <td>{yesNo(profile.transfer)}</td>
                <td>{profile.sourceOptionValue ?? '—'}</td>
                <td>{yesNo(profile.sendInvitation)}</td>
                {canEdit && (
                  <td>
                    <div className="row">
                      <button type="button" onClick={() => setEditing(profile)} aria-label={t('invoices.profiles.editNamed', { name: profile.name })}>
                        {t('invoices.profiles.edit')}
                      </button>
                      <button
                        type="button"
                        onClick={() => {
                          setDeleteError(null);
                          setDeleting(profile);
                        }}
                        aria-label={t('invoices.profiles.deleteNamed', { name: profile.name })}
                      >
                        {t('invoices.profiles.delete')}
                      </button>
                    </div>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && (
        <Dialog
          open
          title={editing === 'new' ? t('invoices.profiles.new') : t('invoices.profiles.editNamed', { name: editing.name })}
          onClose={() => setEditing(null)}
        >
          <ProfileForm profile={editing === 'new' ? null : editing} onSave={save} onCancel={() => setEditing(null)} />
        </Dialog>
      )}
      {deleting && (
        <Dialog open title={t('invoices.profiles.deleteNamed', { name: deleting.name })} onClose={() => setDeleting(null)}>
          <p>{t('invoices.profiles.deleteHelp')}</p>
          <ErrorMessage error={deleteError} />
          <div className="row">
            <button type="button" className="danger" disabled={deleteBusy} onClick={() => void remove(deleting)}>
              {deleteBusy ? t('app.working') : t('invoices.profiles.delete')}
            </button>
            <button type="button" onClick={() => setDeleting(null)}>
              {t('app.cancel')}
            </button>
          </div>
        </Dialog>
      )}
    </Page>
  );
}
