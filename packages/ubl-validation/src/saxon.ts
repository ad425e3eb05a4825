import { createRequire } from 'node:module';

// saxon-js ships no type declarations; this is the small part of its API the package uses.

/** SaxonJS's own DOM (Node has none): enough to read the <violations> result. */
export interface SaxonElement {
  readonly nodeType: number;
  readonly localName: string;
  readonly namespaceURI: string | null;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<SaxonElement>;
  readonly documentElement?: SaxonElement;
  getAttribute(name: string): string | null;
}

export interface SaxonJs {
  transform(
    options: { stylesheetInternal: unknown; sourceNode: unknown; destination: 'raw' },
    mode: 'sync',
  ): { principalResult: SaxonElement | SaxonElement[] | null };
  XPath: { evaluate(xpath: string, context: unknown, options: { params: Record<string, unknown> }): unknown };
  getProcessorInfo(): { productVersion: string };
}

const require = createRequire(import.meta.url);

/** Resolved here, so worker threads (which have no module context of their own) load the same copy. */
export const SAXON_JS_PATH = require.resolve('saxon-js');

export const SaxonJS = require(SAXON_JS_PATH) as SaxonJs;

/** The xslt3 command line (SaxonJS's XSLT compiler), run in a child process to export SEF files. */
export const XSLT3_CLI = require.resolve('xslt3/xslt3.js');
