// Types for the plain-JS generator, so TypeScript tests can import it.

export type PluginKind = 'spend-channel' | 'payment-provider' | 'invoice-source' | 'accounting-exporter' | 'postal-carrier';

export declare const REPO_ROOT: string;
export declare const KINDS: readonly PluginKind[];
export declare const DEFAULT_KIND: 'spend-channel';
export declare const MAX_NAME_LENGTH: number;
export declare const RESERVED_NAMES: readonly string[];

export declare class GenerateError extends Error {
  readonly exitCode: 2;
  constructor(message: string);
}

export declare function validateName(name: unknown): string;
export declare function validateKind(kind: unknown): PluginKind;
export declare function readPluginApiVersion(repoRoot?: string): string;
export declare function readZodRange(repoRoot?: string): string;

export interface GeneratePluginInput {
  /** Kebab-case plugin id; the package is @tollgate/plugin-<name>. */
  name: string;
  /** Default 'spend-channel'. */
  kind?: PluginKind | (string & {});
  /** Folder `dir` is relative to (the repository root for the CLI). */
  rootDir: string;
  /** Default 'plugins'; absolute paths are used as they are. */
  dir?: string;
  /** Overwrite the generated files of an existing folder. */
  force?: boolean;
  /** Default: PLUGIN_API_VERSION of packages/plugin-sdk in this repository. */
  apiVersion?: string;
  /** Default: the zod range packages/plugin-sdk depends on. */
  zodRange?: string;
}

/** Writes <rootDir>/<dir>/<name>/ and returns the absolute paths of the files written. */
export declare function generatePlugin(input: GeneratePluginInput): string[];

/** Formats generated files with the repository's Prettier config, so a new plugin passes `pnpm lint`. */
export declare function formatGenerated(files: readonly string[]): Promise<void>;
