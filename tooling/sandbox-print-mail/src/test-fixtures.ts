import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PDFDocument } from 'pdf-lib';

/** For tests of clients and carriers. A PDF of `pages` pages of the given size in points (A4 portrait by default). */
export async function makeTestPdf(input: { pages?: number; size?: [number, number]; sizes?: Array<[number, number]> } = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const sizes = input.sizes ?? Array.from({ length: input.pages ?? 1 }, () => input.size ?? ([595.28, 841.89] as [number, number]));
  for (const size of sizes) doc.addPage(size).drawText('Tollgate test letter', { x: 72, y: 700, size: 12 });
  return doc.save();
}

export interface ReceivedCallback {
  headers: IncomingHttpHeaders;
  rawBody: string;
}

/** A loopback receiver of status callbacks; `failNext(n)` answers 500 to the next n. */
export async function startCallbackReceiver(): Promise<{ url: string; received: ReceivedCallback[]; failNext(n: number): void; close(): Promise<void> }> {
  const received: ReceivedCallback[] = [];
  let failures = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') });
      if (failures > 0) {
        failures -= 1;
        res.writeHead(500).end('down');
      } else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/postal/postal-be`,
    received,
    failNext: (n) => {
      failures = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
