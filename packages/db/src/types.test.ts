import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgArray, testEngines, type TestDatabase } from './index.js';

// Every type is read back from both engines and must come out as the same JS value.
for (const engine of testEngines()) {
  describe(`column types [${engine.name}]`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await engine.open();
    });
    afterAll(() => db.dispose());

    const one = async (sql: string, params: unknown[] = []): Promise<unknown> => {
      const { rows } = await db.query<{ v: unknown }>(sql, params);
      return rows[0]?.v;
    };

    it('numeric/decimal is an exact string, never a number', async () => {
      expect(await one(`SELECT 0.1::numeric + 0.2::numeric AS v`)).toBe('0.3');
      expect(await one(`SELECT 12345678901234567890.123456789::numeric(40,9) AS v`)).toBe('12345678901234567890.123456789');
      expect(await one(`SELECT 1.50::decimal(10,2) AS v`)).toBe('1.50');
      expect(await one(`SELECT $1::numeric AS v`, ['0.18'])).toBe('0.18');
      expect(await one(`SELECT $1::numeric AS v`, [2.5])).toBe('2.5'); // a number param is fine at driver level
      expect(await one(`SELECT ARRAY[1.10, 2.20]::numeric[] AS v`)).toEqual(['1.10', '2.20']);
    });

    it('int8/bigint is a string; int4 and int2 are numbers', async () => {
      expect(await one(`SELECT 9007199254740993::int8 AS v`)).toBe('9007199254740993');
      expect(await one(`SELECT count(*) AS v FROM (VALUES (1), (2)) t(x)`)).toBe('2');
      expect(await one(`SELECT $1::bigint AS v`, [9223372036854775807n])).toBe('9223372036854775807');
      expect(await one(`SELECT 2147483647::int4 AS v`)).toBe(2147483647);
      expect(await one(`SELECT (-32768)::int2 AS v`)).toBe(-32768);
      expect(await one(`SELECT ARRAY[1, 2]::int8[] AS v`)).toEqual(['1', '2']);
      expect(await one(`SELECT ARRAY[1, NULL, 3]::int4[] AS v`)).toEqual([1, null, 3]);
    });

    it('float8 is a number', async () => {
      expect(await one(`SELECT 0.5::float8 AS v`)).toBe(0.5);
    });

    it('timestamptz and timestamp are Dates; a Date parameter keeps its instant', async () => {
      const at = new Date('2026-03-31T22:15:30.123Z');
      const tz = await one(`SELECT $1::timestamptz AS v`, [at]);
      expect(tz).toBeInstanceOf(Date);
      expect((tz as Date).toISOString()).toBe('2026-03-31T22:15:30.123Z');
      expect(((await one(`SELECT '2026-01-01 10:00:00+02'::timestamptz AS v`)) as Date).toISOString()).toBe('2026-01-01T08:00:00.000Z');
      // timestamp without time zone: read and written as UTC wall time, independent of the process TZ
      const plain = await one(`SELECT '2026-06-01 12:00:00.5'::timestamp AS v`);
      expect((plain as Date).toISOString()).toBe('2026-06-01T12:00:00.500Z');
      expect(((await one(`SELECT $1::timestamp AS v`, [at])) as Date).toISOString()).toBe('2026-03-31T22:15:30.123Z');
      const arr = (await one(`SELECT ARRAY['2026-01-01 00:00:00+00']::timestamptz[] AS v`)) as Date[];
      expect(arr[0]?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    });

    it('date is a YYYY-MM-DD string', async () => {
      expect(await one(`SELECT '2026-02-28'::date AS v`)).toBe('2026-02-28');
      expect(await one(`SELECT $1::date AS v`, ['2026-12-31'])).toBe('2026-12-31');
      expect(await one(`SELECT ARRAY['2026-01-02'::date] AS v`)).toEqual(['2026-01-02']);
    });

    it('json and jsonb are parsed; object and array parameters are JSON-encoded', async () => {
      expect(await one(`SELECT '{"a":1,"b":[true,null]}'::jsonb AS v`)).toEqual({ a: 1, b: [true, null] });
      expect(await one(`SELECT '[1,"x"]'::json AS v`)).toEqual([1, 'x']);
      expect(await one(`SELECT $1::jsonb AS v`, [{ amount: '0.18', tags: ['a'] }])).toEqual({ amount: '0.18', tags: ['a'] });
      expect(await one(`SELECT $1::jsonb AS v`, [[1, 2, { x: 'y' }]])).toEqual([1, 2, { x: 'y' }]);
      expect(await one(`SELECT jsonb_typeof($1::jsonb) AS v`, [['a']])).toBe('array');
    });

    it('bool is a boolean; uuid and text are strings', async () => {
      expect(await one(`SELECT true AS v`)).toBe(true);
      expect(await one(`SELECT $1::bool AS v`, [false])).toBe(false);
      const uuid = '0b9f4a8e-3c1d-4e5f-8a7b-6c5d4e3f2a1b';
      expect(await one(`SELECT $1::uuid AS v`, [uuid])).toBe(uuid);
      expect(await one(`SELECT 'héllo'::text AS v`)).toBe('héllo');
      expect(await one(`SELECT ARRAY['a', 'b c', NULL, 'd"e']::text[] AS v`)).toEqual(['a', 'b c', null, 'd"e']);
    });

    it('sends pgArray() as a Postgres array and class instances via String()', async () => {
      expect(await one(`SELECT array_length($1::text[], 1) AS v`, [pgArray(['a', 'b,c', 'd"e'])])).toBe(3);
      expect(await one(`SELECT ($1::text[])[2] AS v`, [pgArray(['a', 'b,c', 'd"e'])])).toBe('b,c');
      expect(await one(`SELECT 2 = ANY($1::int4[]) AS v`, [pgArray([1, 2, 3])])).toBe(true);
      class Amount {
        toString(): string {
          return '12.50';
        }
        toJSON(): object {
          return { amount: '12.50' };
        }
      }
      expect(await one(`SELECT $1::numeric AS v`, [new Amount()])).toBe('12.50');
      expect(await one(`SELECT $1::text IS NULL AS v`, [undefined])).toBe(true);
    });

    it('bytea is a Buffer', async () => {
      const v = await one(`SELECT $1::bytea AS v`, [Buffer.from([1, 2, 255])]);
      expect(Buffer.isBuffer(v)).toBe(true);
      expect([...(v as Buffer)]).toEqual([1, 2, 255]);
    });

    it('reports rowCount the same way', async () => {
      await db.query('CREATE TABLE rc (id int primary key)');
      expect((await db.query('INSERT INTO rc VALUES (1), (2), (3)')).rowCount).toBe(3);
      expect((await db.query('UPDATE rc SET id = id + 10 WHERE id > 1')).rowCount).toBe(2);
      expect((await db.query('SELECT * FROM rc')).rowCount).toBe(3);
      expect((await db.query('DELETE FROM rc')).rowCount).toBe(3);
      expect((await db.query('DROP TABLE rc')).rowCount).toBe(0);
    });

    it('refuses several statements in one query on both engines', async () => {
      await expect(db.query('SELECT 1; SELECT 2')).rejects.toThrow();
    });
  });
}
