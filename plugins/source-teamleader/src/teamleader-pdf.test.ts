import { ManualClock } from '@tollgate/plugin-sdk';
import { TeamleaderNotFoundError, TeamleaderUnavailableError, TeamleaderValidationError, type TeamleaderClient } from '@tollgate/teamleader';
import { describe, expect, it } from 'vitest';
import type { TeamleaderConnectionsStore } from './teamleader-connections.store.js';
import { TeamleaderInvoiceSource } from './teamleader.source.js';

/* fetchPdf (S-6) over a scripted client: which download calls and file GETs it makes, and what it answers. */

const NOW = '2026-03-02T09:00:00.000Z';
const LATER = '2026-03-02T10:00:00+00:00';
const PAST = '2026-03-02T08:59:59+00:00';
const PDF = new Uint8Array(Buffer.from('%PDF-1.4\n…'));
const connection = { id: 'conn_1', accountId: 'acc_1', sourceAccountId: 'tl-account', profileFieldId: null };

function script(input: { downloads: Array<{ location: string; expires: string } | Error>; files?: Record<string, Uint8Array | Error>; creditNote?: boolean }) {
  const calls: string[] = [];
  const downloads = [...input.downloads];
  const download =
    (action: string) =>
    async ({ id }: { id: string }) => {
      calls.push(`${action} ${id}`);
      const next = downloads.shift();
      if (!next) throw new Error('no more scripted downloads');
      if (next instanceof Error) throw next;
      return next;
    };
  const client = {
    connection: () => ({ downloadInvoice: download('invoices.download'), downloadCreditNote: download('creditNotes.download') }),
    fetchFile: async ({ location }: { location: string }) => {
      calls.push(`GET ${location}`);
      const file = input.files?.[location];
      if (!file) throw new Error(`unscripted GET ${location}`);
      if (file instanceof Error) throw file;
      return { contentType: 'application/pdf', bytes: file };
    },
  } as unknown as TeamleaderClient;
  const connections = {
    byAccount: async () => ({ id: 'tlc_1', version: 1, teamleaderAccountId: 'tl-account', webhookToken: 'token' }),
  } as unknown as TeamleaderConnectionsStore;
  const source = new TeamleaderInvoiceSource({
    client,
    connections,
    database: { query: async () => ({ rows: [], rowCount: 0 }) } as never,
    clock: new ManualClock(NOW),
  });
  return { source, calls };
}

const gone = () => new TeamleaderNotFoundError({ message: 'Teamleader file failed with 404.', action: 'file' });

describe('TeamleaderInvoiceSource.fetchPdf', () => {
  it('downloads the location and fetches it before it expires', async () => {
    const { source, calls } = script({ downloads: [{ location: 'https://files/a', expires: LATER }], files: { 'https://files/a': PDF } });
    const pdf = await source.fetchPdf({ connection, kind: 'invoice', sourceId: 'inv-1' });
    expect(pdf).toEqual({ status: 'ready', bytes: PDF, contentType: 'application/pdf' });
    expect(calls).toEqual(['invoices.download inv-1', 'GET https://files/a']);
  });

  it('credit notes go through creditNotes.download', async () => {
    const { source, calls } = script({ downloads: [{ location: 'https://files/cn', expires: LATER }], files: { 'https://files/cn': PDF } });
    expect((await source.fetchPdf({ connection, kind: 'credit_note', sourceId: 'cn-1' })).status).toBe('ready');
    expect(calls[0]).toBe('creditNotes.download cn-1');
  });

  it('400 or 404 on the download (not rendered yet) is not_ready, with Teamleader’s title', async () => {
    const notRendered = new TeamleaderValidationError({ message: 'x', titles: ['The document is not rendered yet'], action: 'invoices.download' });
    const first = script({ downloads: [notRendered] });
    expect(await first.source.fetchPdf({ connection, kind: 'invoice', sourceId: 'inv-1' })).toEqual({
      status: 'not_ready',
      reason: 'invoices.download answered 400: The document is not rendered yet',
    });
    const second = script({ downloads: [new TeamleaderNotFoundError({ message: 'x', action: 'invoices.download' })] });
    expect((await second.source.fetchPdf({ connection, kind: 'invoice', sourceId: 'inv-1' })).status).toBe('not_ready');
    expect(second.calls).toEqual(['invoices.download inv-1']); // no GET of a location it does not have
  });

  it('a location already past its expires is not fetched: a new one is asked for', async () => {
    const { source, calls } = script({
      downloads: [
        { location: 'https://files/old', expires: PAST },
        { location: 'https://files/new', expires: LATER },
      ],
      files: { 'https://files/new': PDF },
    });
    expect((await source.fetchPdf({ connection, kind: 'invoice', sourceId: 'inv-1' })).status).toBe('ready');
    expect(calls).toEqual(['invoices.download inv-1', 'invoices.download inv-1', 'GET https://files/new']);
  });

  it('a location dead when fetched (404) is asked for again, once; twice dead is an outage', async () => {
    const once = script({
      downloads: [
        { location: 'https://files/dead', expires: LATER },
        { location: 'https://files/ok', expires: LATER },
      ],
      files: { 'https://files/dead': gone(), 'https://files/ok': PDF },
    });
    expect((await once.source.fetchPdf({ connection, kind: 'invoice', sourceId: 'inv-1' })).status).toBe('ready');
    expect(once.calls).toEqual(['invoices.download inv-1', 'GET https://files/dead', 'invoices.download inv-1', 'GET https://files/ok']);

    const twice = script({
      downloads: [
        { location: 'https://files/d1', expires: LATER },
        { location: 'https://files/d2', expires: PAST },
      ],
      files: { 'https://files/d1': gone() },
    });
    await expect(twice.source.fetchPdf({ connection, kind: 'invoice', sourceId: 'inv-1' })).rejects.toBeInstanceOf(TeamleaderUnavailableError);
    expect(twice.calls).toHaveLength(3);
  });

  it('an outage of the file host is thrown (the core retries later), not taken as not_ready', async () => {
    const down = new TeamleaderUnavailableError({ message: 'file 503', upstreamStatus: 503 });
    const { source, calls } = script({ downloads: [{ location: 'https://files/a', expires: LATER }], files: { 'https://files/a': down } });
    await expect(source.fetchPdf({ connection, kind: 'invoice', sourceId: 'inv-1' })).rejects.toBe(down);
    expect(calls).toEqual(['invoices.download inv-1', 'GET https://files/a']);
  });
});
