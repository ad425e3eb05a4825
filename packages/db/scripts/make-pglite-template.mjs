// Build step (after swc): an initialised empty PGlite cluster in dist/, so a new data folder skips initdb.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writePgliteTemplate } from '../dist/pglite-template.js';

const dist = join(dirname(fileURLToPath(import.meta.url)), '../dist');
await writePgliteTemplate(dist);
