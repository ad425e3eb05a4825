import { useState } from 'react';

/**
 * An action on one row of a list (remove a payment method, an alert): which row is busy, the
 * error if it failed, and a status line for screen readers, which the list's other forms use too.
 */
export function useRowAction({ onDone }: { onDone(): void }) {
  const [busyId, setBusyId] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  async function run(input: { id: string; action(): Promise<unknown>; doneText: string }) {
    setBusyId(input.id);
    setError(null);
    try {
      await input.action();
      setStatus(input.doneText);
      onDone();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusyId(null);
    }
  }
  return { busyId, error, status, setStatus, run };
}
