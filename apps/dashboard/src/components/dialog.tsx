import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useI18n } from '../i18n/index.js';

/**
 * A modal on the native <dialog>: the browser traps focus inside, Escape closes it, and focus
 * returns to what opened it.
 */
export function Dialog({ open, title, onClose, children }: { open: boolean; title: string; onClose(): void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const { t } = useI18n();
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={onClose} className="dialog">
      <header className="dialog-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="link-button" onClick={onClose}>
          {t('app.close')}
        </button>
      </header>
      {open && children}
    </dialog>
  );
}
