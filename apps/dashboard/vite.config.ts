import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built to static files the host serves at /app (see apps/host/src/dashboard). `pnpm --filter
// @tollgate/dashboard dev` serves it with hot reload and sends API calls to a host on :3000.
const API = ['/v1', '/auth', '/admin', '/health', '/plugins'];

export default defineConfig({
  base: '/app/',
  plugins: [react()],
  // The main chunk carries React and every text in four languages (~440 KB raw, ~125 KB gzip); the
  // budget that matters is the gzip total, checked by tooling/dashboard-e2e's bundle test.
  build: { outDir: 'dist', target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 500 },
  server: { proxy: Object.fromEntries(API.map((path) => [path, 'http://127.0.0.1:3000'])) },
});
