import { describe, expect, it } from 'vitest';
import { runNewcomer } from '../src/newcomer.js';

/**
 * The scripted first day (issue 20): real processes, real ports, a fresh data folder, a restart in
 * the middle. It waits for readiness (the host's "listening" line, then /health), not a fixed time,
 * so the deadline below is only there to end a hung run.
 */
describe('a newcomer’s first day with pnpm start', () => {
  it(
    'start → admin key → demo login → account → buy → spend → CLI → connect → restart → buy with the saved card → import → ledger check',
    { timeout: 600_000 },
    async () => {
      const result = await runNewcomer();
      expect(result.steps.map((s) => s.step)).toEqual([
        'start on a fresh data folder (to /health 200)',
        'admin key from the first start',
        'demo login signs in; the dashboard is served',
        'account created',
        'card saved and a €25 pack bought',
        'credit spent',
        'CLI beside the running host',
        'Teamleader connected, a profile made',
        'stopped (SIGTERM)',
        'started again (to /health 200)',
        'a pack bought again with the saved card',
        'invoices imported after the restart, without re-consent',
        expect.stringMatching(/^ledger checked \(available €\d+\.\d\d\)$/),
      ]);
    },
  );
});
