import { describe, expect, it } from 'vitest';
import { WebhookUrlRefusedError } from './events.errors.js';
import { checkWebhookUrl, refusedAddress } from './webhook-url.js';

const production = { sandbox: false };
const sandbox = { sandbox: true };

async function refusal(promise: Promise<unknown>): Promise<WebhookUrlRefusedError> {
  try {
    await promise;
  } catch (error) {
    return error as WebhookUrlRefusedError;
  }
  throw new Error('expected a refusal');
}

describe('refusedAddress', () => {
  it.each([
    ['10.0.0.1', 'private'],
    ['10.255.255.254', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.254', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fd00::1', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:192.168.0.1', 'private'],
  ])('refuses %s (%s) in both modes', (address, range) => {
    expect(refusedAddress(address, production)).toBe(`a ${range} address`);
    expect(refusedAddress(address, sandbox)).toBe(`a ${range} address`);
  });

  it('keeps the public neighbours of the private ranges', () => {
    for (const address of ['172.15.255.255', '172.32.0.1', '100.63.255.255', '100.128.0.1', '11.0.0.1', '192.169.0.1'])
      expect(refusedAddress(address, production), address).toBeNull();
  });

  it('allows global unicast addresses, IPv4 and IPv6', () => {
    expect(refusedAddress('8.8.8.8', production)).toBeNull();
    expect(refusedAddress('93.184.216.34', production)).toBeNull();
    expect(refusedAddress('2001:4860:4860::8888', production)).toBeNull();
    expect(refusedAddress('::ffff:8.8.8.8', production)).toBeNull();
  });

  it('allows loopback in sandbox mode only', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) {
      expect(refusedAddress(address, production), address).toBe('a loopback address (allowed in sandbox mode only)');
      expect(refusedAddress(address, sandbox), address).toBeNull();
    }
  });

  it('refuses what is not an address', () => {
    expect(refusedAddress('example.com', sandbox)).toBe('not an IP address');
    expect(refusedAddress('', sandbox)).toBe('not an IP address');
  });
});

describe('checkWebhookUrl', () => {
  const resolver = (answers: Record<string, string[]>) => {
    const asked: string[] = [];
    const resolve = async (host: string) => {
      asked.push(host);
      const found = answers[host];
      if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return found;
    };
    return { resolve, asked };
  };

  it('accepts an https URL whose name resolves to public addresses only', async () => {
    const { resolve, asked } = resolver({ 'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] });
    const url = await checkWebhookUrl({ url: 'https://hooks.example.com/tollgate?x=1', policy: production, resolve });
    expect(url.toString()).toBe('https://hooks.example.com/tollgate?x=1');
    expect(asked).toEqual(['hooks.example.com']);
  });

  it('requires https outside sandbox mode and allows http in it', async () => {
    const { resolve } = resolver({ 'hooks.example.com': ['93.184.216.34'] });
    const error = await refusal(checkWebhookUrl({ url: 'http://hooks.example.com/x', policy: production, resolve }));
    expect(error).toBeInstanceOf(WebhookUrlRefusedError);
    expect(error.details).toMatchObject({ reason: 'only https URLs' });
    await expect(checkWebhookUrl({ url: 'http://hooks.example.com/x', policy: sandbox, resolve })).resolves.toBeInstanceOf(URL);
    const ftp = await refusal(checkWebhookUrl({ url: 'ftp://hooks.example.com/x', policy: sandbox, resolve }));
    expect(ftp.details).toMatchObject({ reason: 'only http and https URLs' });
  });

  it('refuses credentials in the URL', async () => {
    const { resolve } = resolver({ 'hooks.example.com': ['93.184.216.34'] });
    for (const url of ['https://user:pass@hooks.example.com/x', 'https://user@hooks.example.com/x', 'https://:pass@hooks.example.com/x']) {
      const error = await refusal(checkWebhookUrl({ url, policy: production, resolve }));
      expect(error.details, url).toMatchObject({ reason: 'credentials in the URL' });
    }
  });

  it('refuses a name when any of its addresses is refused', async () => {
    const { resolve } = resolver({ 'mixed.example.com': ['93.184.216.34', '10.0.0.5'], 'inside.example.com': ['127.0.0.1'] });
    const error = await refusal(checkWebhookUrl({ url: 'https://mixed.example.com/hook', policy: production, resolve }));
    expect(error).toBeInstanceOf(WebhookUrlRefusedError);
    expect(error.details).toMatchObject({ reason: 'mixed.example.com is a private address' });
    const loop = await refusal(checkWebhookUrl({ url: 'https://inside.example.com/hook', policy: production, resolve }));
    expect(loop.details).toMatchObject({ reason: 'inside.example.com is a loopback address (allowed in sandbox mode only)' });
    await expect(checkWebhookUrl({ url: 'https://inside.example.com/hook', policy: sandbox, resolve })).resolves.toBeInstanceOf(URL);
  });

  it('refuses a name that does not resolve, or resolves to nothing', async () => {
    const { resolve } = resolver({ 'empty.example.com': [] });
    const missing = await refusal(checkWebhookUrl({ url: 'https://nowhere.example.com/hook', policy: production, resolve }));
    expect(missing.details).toMatchObject({ reason: 'nowhere.example.com does not resolve' });
    const empty = await refusal(checkWebhookUrl({ url: 'https://empty.example.com/hook', policy: production, resolve }));
    expect(empty.details).toMatchObject({ reason: 'empty.example.com does not resolve' });
  });

  it('checks a literal address without resolving it, IPv6 in brackets included', async () => {
    const { resolve, asked } = resolver({});
    await expect(checkWebhookUrl({ url: 'https://[2001:4860:4860::8888]:8443/hook', policy: production, resolve })).resolves.toBeInstanceOf(URL);
    const v6 = await refusal(checkWebhookUrl({ url: 'https://[fd00::1]/hook', policy: production, resolve }));
    expect(v6.details).toMatchObject({ reason: 'fd00::1 is a uniqueLocal address' });
    const loop6 = await refusal(checkWebhookUrl({ url: 'https://[::1]/hook', policy: production, resolve }));
    expect(loop6.details).toMatchObject({ reason: '::1 is a loopback address (allowed in sandbox mode only)' });
    await expect(checkWebhookUrl({ url: 'http://[::1]:8080/hook', policy: sandbox, resolve })).resolves.toBeInstanceOf(URL);
    const mapped = await refusal(checkWebhookUrl({ url: 'https://[::ffff:10.0.0.1]/hook', policy: production, resolve }));
    expect(mapped.details).toMatchObject({ reason: expect.stringContaining('private address') });
    const v4 = await refusal(checkWebhookUrl({ url: 'https://169.254.169.254/latest/meta-data', policy: production, resolve }));
    expect(v4.details).toMatchObject({ reason: '169.254.169.254 is a linkLocal address' });
    expect(asked).toEqual([]);
  });

  it('refuses IPv4 written in the shorthand forms URL parsing normalises', async () => {
    const { resolve, asked } = resolver({});
    for (const url of ['https://2130706433/hook', 'https://0x7f.1/hook', 'https://127.1/hook', 'https://0177.0.0.1/hook']) {
      const error = await refusal(checkWebhookUrl({ url, policy: production, resolve }));
      expect(error.details, url).toMatchObject({ reason: '127.0.0.1 is a loopback address (allowed in sandbox mode only)' });
    }
    expect(asked).toEqual([]);
  });

  it('refuses with a 422 webhook_url_refused that names the URL and the reason', async () => {
    const error = await refusal(checkWebhookUrl({ url: 'not a url', policy: production }));
    expect(error).toBeInstanceOf(WebhookUrlRefusedError);
    expect(error.code).toBe('webhook_url_refused');
    expect(error.status).toBe(422);
    expect(error.details).toEqual({ url: 'not a url', reason: 'not a URL' });
    const private_ = await refusal(checkWebhookUrl({ url: 'https://10.1.2.3/x', policy: production }));
    expect(private_).toMatchObject({ code: 'webhook_url_refused', status: 422 });
    expect(private_.message).toBe('Webhooks cannot be sent to https://10.1.2.3/x: 10.1.2.3 is a private address.');
  });
});
