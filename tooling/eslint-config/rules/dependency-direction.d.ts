// Types for the plain-JS rule, so TypeScript tests can import it.
import type { Rule } from 'eslint';

export declare const SCOPE: string;
export declare const ANY_KNOWN: '*';
export declare const PACKAGE_LAYERS: Readonly<Record<string, readonly string[] | '*'>>;
export declare const APPS: readonly string[];
export declare const PLUGIN_ALLOWED: readonly string[];
export declare const PLUGIN_TEST_ALLOWED: readonly string[];
export interface Location {
  kind: 'packages' | 'plugins' | 'apps' | 'tooling';
  name: string;
  dir: string;
  label: string;
}
export declare function locate(filename: string, root?: string): Location | null;
export declare function isPluginTest(file: string, where: Location): boolean;
export declare function parseScoped(source: string): { name: string; subpath: string } | null;
declare const rule: Rule.RuleModule;
export default rule;
