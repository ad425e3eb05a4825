import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCompiledRules } from '../src/compiled-rules.js';
import { createUblValidator, UblValidationFailedError, type UblValidator } from '../src/index.js';
import { ValidationPool } from '../src/validation-pool.js';

const dir = new URL('./fixtures/examples/', import.meta.url);
const examples = readdirSync(dir)
  .filter((name) => name.endsWith('.xml'))
  .map((name) => readFileSync(new URL(name, dir), 'utf8'));
const broken = examples[0]!.replace(/<cbc:PayableAmount currencyID="EUR">[^<]*</, '<cbc:PayableAmount currencyID="EUR">1.00<');

describe('worker threads', () => {
  let pooled: UblValidator;
  let inline: UblValidator;

  beforeAll(async () => {
    pooled = createUblValidator({ threads: 2 });
    inline = createUblValidator({ threads: 0 });
    await Promise.all([pooled.ready(), inline.ready()]);
  }, 240_000);

  afterAll(async () => {
    await Promise.all([pooled.close(), inline.close()]);
  });

  it('give the same results as the calling thread, for documents validated concurrently', async () => {
    const docs = [...examples, broken];
    const fromPool = await Promise.all(docs.map((xml) => pooled.validate({ xml })));
    const fromInline = [];
    for (const xml of docs) fromInline.push(await inline.validate({ xml }));
    expect(fromPool).toEqual(fromInline);
    expect(fromPool.at(-1)!.fatal.map((v) => v.id)).toEqual(['BR-CO-16']);
  });

  it('keep the event loop free while a document is checked (the calling thread does not)', async () => {
    const ticksWhile = async (validator: UblValidator) => {
      let ticked = false;
      setImmediate(() => (ticked = true));
      await validator.validate({ xml: examples[0]! });
      return ticked;
    };
    expect(await ticksWhile(pooled)).toBe(true);
    expect(await ticksWhile(inline)).toBe(false);
  });
});

describe('ValidationPool', () => {
  it('replaces a crashed worker: its document fails with ubl_validation_failed, the next one passes', async () => {
    const rules = [await loadCompiledRules({ set: 'peppol' })];
    const pool = new ValidationPool({ size: 1, rules, warmUp: examples[0]! });
    await pool.ready();
    const inFlight = pool.run({ xml: examples[0]! });
    await pool.terminateOneWorker();
    await expect(inFlight).rejects.toMatchObject({ code: 'ubl_validation_failed', reason: 'runtime' });
    expect(await pool.run({ xml: examples[0]! })).toEqual([]);
    await pool.close();
  }, 60_000);

  it('close fails what is queued and refuses new work', async () => {
    const rules = [await loadCompiledRules({ set: 'peppol' })];
    const pool = new ValidationPool({ size: 1, rules, warmUp: examples[0]! });
    const queued = expect(pool.run({ xml: examples[0]! })).rejects.toBeInstanceOf(UblValidationFailedError);
    await pool.close();
    await queued;
    await expect(pool.run({ xml: examples[0]! })).rejects.toMatchObject({ reason: 'closed' });
  }, 60_000);
});
