import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** What every /app answer carries: the dashboard loads only its own scripts and styles and talks only to this host. */
export const DASHBOARD_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self' http: https:",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
} as const;

/** Vite's content-hashed files: a new build has new names, so they may be cached for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The `dist` folder of the workspace package @tollgate/dashboard, or null when it is not installed. */
export function defaultDashboardDir(): string | null {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@tollgate/dashboard/package.json')), 'dist');
  } catch {
    return null;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Serves the built dashboard at /app/ (a single-page app with history routing): files as they are,
 * any other /app/… path as index.html, so a reload on /app/wallet/history works. Plain Fastify
 * routes, outside Nest's pipeline: public static files, no key. The folder is looked at per
 * request, so a dashboard built after the host started is served without a restart.
 */
export async function installDashboard(fastify: FastifyInstance, input: { dir: string | null }): Promise<void> {
  const root = input.dir === null ? null : resolve(input.dir);
  await fastify.register(async (app) => {
    // In its own context: reply.sendFile here does not clash with another registration of the plugin.
    if (root) await app.register(fastifyStatic, { root, serve: false, prefix: '/app/', suppressWarning: true });
    app.addHook('onRequest', async (_request, reply) => {
      void reply.headers(DASHBOARD_HEADERS);
    });
    app.get('/app', async (_request, reply) => reply.redirect('/app/', 302));
    app.get('/app/*', async (request: FastifyRequest, reply: FastifyReply) => {
      if (!root || !(await isFile(join(root, 'index.html')))) {
        return reply.code(503).send({
          error: {
            code: 'dashboard_not_built',
            message: `The dashboard is not built: no index.html in ${root ?? 'the @tollgate/dashboard package (not installed)'}. Run pnpm build:all, or point dashboard.dir at a built dashboard.`,
          },
        });
      }
      const rest = (request.params as { '*'?: string })['*'] ?? '';
      const file = resolve(root, rest);
      // Inside the folder only, no dotfiles; everything else is the app's own route.
      const servable = rest !== '' && file.startsWith(root + sep) && !/(^|\/)\./.test(rest) && !rest.includes('\0');
      if (servable && (await isFile(file))) {
        void reply.header('cache-control', rest.startsWith('assets/') ? IMMUTABLE : 'no-cache');
        return reply.sendFile(rest, root, { cacheControl: false, dotfiles: 'deny' });
      }
      // A missing hashed file is a stale page asking for an old build: 404, not index.html served as script.
      if (rest.startsWith('assets/')) return reply.code(404).send({ error: { code: 'not_found', message: `No dashboard file ${rest}` } });
      void reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html', root, { cacheControl: false });
    });
  });
}
