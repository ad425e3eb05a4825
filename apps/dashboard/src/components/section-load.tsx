import type { ReactNode } from 'react';
import { Busy } from './busy.js';
import { ErrorMessage } from './error-message.js';
import type { Loaded } from './use-load.js';

/**
 * One part of a screen loaded on its own: a spinner while it first loads, its error with a retry,
 * else its content. A failing part never hides the rest of the screen.
 */
export function SectionLoad<T>({ state, label, children }: { state: Loaded<T>; label?: string; children: (data: T) => ReactNode }) {
  if (state.error !== undefined && state.error !== null) return <ErrorMessage error={state.error} onRetry={state.reload} />;
  if (state.data === undefined) return <Busy {...(label ? { label } : {})} />;
  return <>{children(state.data)}</>;
}
