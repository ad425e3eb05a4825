import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleSizes, DASHBOARD_DIST } from '../src/index.js';

/** The budget: all the dashboard's JavaScript under 300 KB gzip (counted as 300,000 bytes, the stricter reading). */
const BUDGET_GZIP_BYTES = 300_000;

describe('dashboard bundle budget', () => {
  it('the JS under apps/dashboard/dist/assets sums to less than 300 KB gzip', async () => {
    expect(existsSync(join(DASHBOARD_DIST, 'index.html')), 'build the dashboard first (pnpm build:all)').toBe(true);
    const files = await bundleSizes({ dist: DASHBOARD_DIST });
    expect(files.length).toBeGreaterThan(0);
    const total = files.reduce((sum, f) => sum + f.gzipBytes, 0);
    expect(total, files.map((f) => `${f.file}: ${f.gzipBytes} B gzip`).join('\n')).toBeLessThan(BUDGET_GZIP_BYTES);
  });
});
