import { useCallback, useRef } from 'react';
import { ApiError, newIdempotencyKey } from '../api/client.js';

/**
 * One idempotency key per intended action: the same request (same signature) retried after a lost
 * answer keeps its key, so it pays or sends once; once the host has answered (done or refused, since a
 * refusal is replayed under its key) or the request changes, the next attempt gets a fresh key.
 */
export function useIdempotencyKey(prefix: string) {
  const current = useRef<{ signature: string; key: string } | null>(null);
  const keyFor = useCallback(
    (signature: string) => {
      if (current.current?.signature !== signature) current.current = { signature, key: newIdempotencyKey(prefix) };
      return current.current.key;
    },
    [prefix],
  );
  /** After an attempt: keep the key only when no answer came (a network error), so a retry is the same request. */
  const settle = useCallback((error?: unknown) => {
    if (!(error instanceof ApiError && error.code === 'network_error')) current.current = null;
  }, []);
  return { keyFor, settle };
}
