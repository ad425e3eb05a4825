import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequestLogController } from './request-log.js';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level }, sink), lines };
}

describe('RequestLogController', () => {
  const request = { method: 'GET', url: '/v1/wallet' } as FastifyRequest;

  it('writes nothing per request at info, one line at debug, an error line for a failed response at any level', async () => {
    const controller = new RequestLogController();
    const info = capture('info');
    const reply = { log: info.log, statusCode: 200, elapsedTime: 1.4 } as unknown as FastifyReply;
    controller.incomingRequest();
    controller.requestCompleted(null, request, reply);
    controller.requestCompleted(new Error('socket hang up'), request, reply);
    const debug = capture('debug');
    controller.requestCompleted(null, request, { ...reply, log: debug.log } as unknown as FastifyReply);
    await new Promise((resolve) => setImmediate(resolve));
    expect(info.lines.map((l) => l.msg)).toEqual(['request errored']);
    expect(debug.lines).toEqual([expect.objectContaining({ msg: 'request', method: 'GET', url: '/v1/wallet', statusCode: 200, ms: 1 })]);
  });
});
