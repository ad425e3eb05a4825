import { ManualClock } from '@tollgate/clock';
import { migrate, testEngines } from '@tollgate/db';
import { describe, expect, it } from 'vitest';
import { EventDeliverer } from './event-deliverer.js';
import { EventLog } from './event-log.js';
import { eventMigrations } from './events.migrations.js';

for (const engine of testEngines()) {
  describe(`plugin handler deliveries: in sequence order [${engine.name}]`, () => {
    it("runs one subscription's deliveries in sequence order", async () => {
      const db = await engine.open();
      await migrate({ db, sets: [eventMigrations] });
      const clock = new ManualClock('2026-12-06T09:00:00.000Z');
      const log = new EventLog({ db, clock });
      const deliverer = new EventDeliverer({ db, clock, options: { sandbox: true } });
      const seen: number[] = [];
      log.setHandlers([
        { target: 'a/one', types: ['wallet.charged'] },
        { target: 'b/two', types: ['wallet.charged'] },
      ]);
      deliverer.setHandlers([{ target: 'a/one', types: ['wallet.charged'], handler: async (e) => void seen.push(e.sequence) }]);
      for (let i = 0; i < 5; i++)
        await db.query('insert into event_outbox (account_id, type, data, occurred_at) values ($1, $2, $3, $4)', ['acc', 'wallet.charged', '{}', clock.now()]);
      await log.relayOutbox();
      await deliverer.deliverDue();
      await db.dispose();
      expect(seen).toEqual([1, 2, 3, 4, 5]);
    });
  });
}
