import { XMLParser } from 'fast-xml-parser';
import { SchematronCompileError } from './ubl-validation.errors.js';

// A small ISO Schematron → XSLT 3.0 compiler, covering what the CEN EN 16931 and PEPPOL BIS 3 UBL
// rule files use: ns, schema/pattern/rule-level let, embedded xsl:function (copied verbatim),
// pattern, rule (context, abstract + extends), assert, report (id, flag, value-of, name in the
// message). Phases are ignored: every pattern runs. Each pattern is its own XSLT mode and walks the
// whole tree; in a pattern a node fires only the first rule whose context matches (ISO Schematron
// §6.5), done with strictly decreasing template priorities in document order.
//
// The generated stylesheet returns one <v id flag location>text</v> element per failed assert or
// successful report, inside a <violations> root.

const SCH = 'http://purl.oclc.org/dsdl/schematron';
const XSL = 'http://www.w3.org/1999/XSL/Transform';
const XS = 'http://www.w3.org/2001/XMLSchema';
/** Namespace of the few helper functions the generated stylesheet defines for itself. */
const TG = 'urn:tollgate:ubl-validation';

interface XmlNode {
  /** Expanded name: `{uri}local`, or '#text'. */
  kind: 'element' | 'text';
  uri: string;
  local: string;
  /** Name as written (prefix:local). */
  qname: string;
  attributes: Record<string, string>;
  /** Namespace declarations in scope at this element (prefix → uri; '' is the default namespace). */
  scope: Record<string, string>;
  children: XmlNode[];
  text: string;
}

export interface CompiledSchematron {
  /** The generated XSLT 3.0 stylesheet. */
  xslt: string;
  title: string;
  patterns: number;
  rules: number;
  asserts: number;
  reports: number;
  /** Asserts and reports left out because their flag is not fatal (flags 'fatal' only). */
  dropped: number;
}

/**
 * Which asserts a stylesheet checks: 'all', or 'fatal' only. Warnings never make a document
 * invalid, and the CEN file's ~700 warning asserts (mostly on the root) cost most of its time.
 */
export type RuleFlags = 'all' | 'fatal';

/**
 * Schematron's flag is free text. The same reading as the validator's (document-check.ts): warning
 * and information (and their short forms) are not fatal; anything else, unknown or missing, is.
 */
export function isFatalFlag(flag: string | undefined): boolean {
  return !['warning', 'warn', 'information', 'info'].includes((flag ?? '').trim().toLowerCase());
}

interface RuleParts {
  lets: XmlNode[];
  checks: XmlNode[];
}

/** Compiles one ISO Schematron schema (queryBinding xslt2 or xslt3) into an XSLT 3.0 stylesheet. */
export function compileSchematron(input: { schematron: string; flags?: RuleFlags }): CompiledSchematron {
  const fatalOnly = (input.flags ?? 'all') === 'fatal';
  const root = parseSchematron(input.schematron);
  if (!isSch(root, 'schema')) throw new SchematronCompileError({ message: 'The document element is not sch:schema.' });
  const binding = root.attributes['queryBinding'] ?? 'xslt';
  if (!['xslt2', 'xslt3', 'xpath2', 'xpath3', 'xpath31'].includes(binding.toLowerCase())) {
    throw new SchematronCompileError({ message: `Unsupported queryBinding "${binding}" (xslt2/xslt3 only).` });
  }

  // Namespaces: the schema's sch:ns declarations, plus those declared on the schema element (the
  // PEPPOL file binds u: there for its functions).
  const namespaces = new Map<string, string>();
  for (const [prefix, uri] of Object.entries(root.scope)) if (prefix !== '' && uri !== SCH) namespaces.set(prefix, uri);
  for (const child of elements(root)) {
    if (isSch(child, 'ns')) namespaces.set(requireAttribute(child, 'prefix'), requireAttribute(child, 'uri'));
  }
  for (const reserved of ['xsl', 'tg']) {
    if (namespaces.has(reserved) && namespaces.get(reserved) !== (reserved === 'xsl' ? XSL : TG)) {
      throw new SchematronCompileError({ message: `The prefix "${reserved}" is reserved by the compiler.` });
    }
  }
  if (!namespaces.has('xs')) namespaces.set('xs', XS);

  const abstractRules = new Map<string, XmlNode>();
  for (const pattern of elements(root).filter((node) => isSch(node, 'pattern'))) {
    for (const rule of elements(pattern).filter((node) => isSch(node, 'rule') && node.attributes['abstract'] === 'true')) {
      abstractRules.set(requireAttribute(rule, 'id'), rule);
    }
  }

  const globals: string[] = [];
  const globalNames = new Set<string>();
  const functions: string[] = [];
  const modes: string[] = [];
  /** The modes the root template runs, in pattern order. */
  const modeNames: string[] = [];
  let patternCount = 0;
  let ruleCount = 0;
  let assertCount = 0;
  let reportCount = 0;
  let droppedCount = 0;

  const addGlobal = (let_: XmlNode) => {
    const name = requireAttribute(let_, 'name');
    // Pattern-level lets become globals, as in the ISO skeleton; two with one name would clash.
    if (globalNames.has(name)) throw new SchematronCompileError({ message: `Variable $${name} is declared twice at schema/pattern level.` });
    globalNames.add(name);
    globals.push(variable(let_));
  };

  for (const child of elements(root)) {
    if (isSch(child, 'let')) addGlobal(child);
    else if (child.uri === XSL && child.local === 'function') functions.push(serializeVerbatim(child));
    else if (child.uri === XSL) throw new SchematronCompileError({ message: `Unsupported top-level xsl:${child.local}.` });
    else if (isSch(child, 'pattern')) {
      if (child.attributes['abstract'] === 'true' || child.attributes['is-a'] !== undefined) {
        throw new SchematronCompileError({ message: 'Abstract patterns are not supported.' });
      }
      const mode = `M${patternCount}`;
      patternCount += 1;
      const rules = elements(child).filter((node) => isSch(node, 'rule') && node.attributes['abstract'] !== 'true');
      for (const let_ of elements(child).filter((node) => isSch(node, 'let'))) addGlobal(let_);
      for (const other of elements(child)) {
        if (!isSch(other, 'rule') && !isSch(other, 'let') && !isSch(other, 'title') && !isSch(other, 'p')) {
          throw new SchematronCompileError({ message: `Unsupported element ${other.qname} in a pattern.` });
        }
      }
      const templates: string[] = [];
      let visitAttributes = false;
      let checkCount = 0;
      rules.forEach((rule, index) => {
        ruleCount += 1;
        const context = requireAttribute(rule, 'context');
        if (mayMatchAttributes(context)) visitAttributes = true;
        const parts = ruleParts(rule, abstractRules, new Set());
        const body: string[] = parts.lets.map((let_) => variable(let_));
        for (const check of parts.checks) {
          // A rule left with no check keeps its template: it still shadows later rules of its pattern (first match wins).
          if (fatalOnly && !isFatalFlag(check.attributes['flag'])) {
            droppedCount += 1;
            continue;
          }
          checkCount += 1;
          const isAssert = check.local === 'assert';
          if (isAssert) assertCount += 1;
          else reportCount += 1;
          const test = requireAttribute(check, 'test');
          const condition = isAssert ? `not((${test}))` : `(${test})`;
          body.push(
            `<xsl:if test="${attr(condition)}"><v id="${avt(check.attributes['id'] ?? '')}" flag="${avt(check.attributes['flag'] ?? '')}" ` +
              `kind="${isAssert ? 'assert' : 'report'}" location="{tg:location(.)}">${message(check)}</v></xsl:if>`,
          );
        }
        // Strictly decreasing priorities: the first rule in the pattern wins over later ones.
        const priority = rules.length - index;
        templates.push(
          `<xsl:template match="${attr(context)}" mode="${mode}" priority="${priority}">${body.join('')}` +
            `<xsl:apply-templates select="${VISIT}" mode="${mode}"/></xsl:template>`,
        );
      });
      // A pattern with nothing left to check (fatal only) need not walk the tree; its pattern lets stay global.
      if (checkCount === 0 && fatalOnly) continue;
      modeNames.push(mode);
      modes.push(
        `<xsl:template match="/" mode="${mode}" priority="-1"><xsl:apply-templates select="${VISIT}" mode="${mode}"/></xsl:template>` +
          `<xsl:template match="*" mode="${mode}" priority="-1"><xsl:apply-templates select="${visitAttributes ? '@*|*' : VISIT}" mode="${mode}"/></xsl:template>` +
          `<xsl:template match="@*|text()|comment()|processing-instruction()" mode="${mode}" priority="-1"/>` +
          templates.join('\n'),
      );
    } else if (!['ns', 'title', 'phase', 'p', 'diagnostics', 'properties'].includes(child.local) || child.uri !== SCH) {
      throw new SchematronCompileError({ message: `Unsupported element ${child.qname} in the schema.` });
    }
  }

  const declarations = [...namespaces].map(([prefix, uri]) => ` xmlns:${prefix}="${attr(uri)}"`).join('');
  const run = modeNames.map((mode) => `<xsl:apply-templates select="/" mode="${mode}"/>`).join('');
  const xslt =
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<xsl:stylesheet version="3.0" xmlns:xsl="${XSL}" xmlns:tg="${TG}"${declarations} exclude-result-prefixes="#all">\n` +
    `<xsl:output method="xml" indent="no"/>\n` +
    globals.join('\n') +
    '\n' +
    functions.join('\n') +
    '\n' +
    LOCATION_FUNCTION +
    `\n<xsl:template match="/"><violations>${run}</violations></xsl:template>\n` +
    modes.join('\n') +
    '\n</xsl:stylesheet>\n';

  const titleNode = elements(root).find((node) => isSch(node, 'title'));
  return {
    xslt,
    title: titleNode ? normalize(textContent(titleNode)) : '',
    patterns: patternCount,
    rules: ruleCount,
    asserts: assertCount,
    reports: reportCount,
    dropped: droppedCount,
  };
}

/** Children visited after a node: elements only (no rule context here matches text or comments). */
const VISIT = '*';

/** An XPath to the node, with the prefixes as written in the document: /ubl:Invoice[1]/cac:TaxTotal[1]/@currencyID. */
const LOCATION_FUNCTION =
  `<xsl:function name="tg:location" as="xs:string"><xsl:param name="node" as="node()"/>` +
  `<xsl:sequence select="if ($node instance of document-node()) then '/' else string-join(for $n in $node/ancestor-or-self::node()[not(. instance of document-node())] return ` +
  `if ($n instance of attribute()) then concat('/@', name($n)) ` +
  `else concat('/', name($n), '[', count($n/preceding-sibling::*[node-name(.) = node-name($n)]) + 1, ']'), '')"/></xsl:function>`;

function ruleParts(rule: XmlNode, abstractRules: Map<string, XmlNode>, seen: Set<string>): RuleParts {
  const parts: RuleParts = { lets: [], checks: [] };
  for (const child of elements(rule)) {
    if (isSch(child, 'let')) parts.lets.push(child);
    else if (isSch(child, 'assert') || isSch(child, 'report')) parts.checks.push(child);
    else if (isSch(child, 'extends')) {
      const id = requireAttribute(child, 'rule');
      const base = abstractRules.get(id);
      if (!base) throw new SchematronCompileError({ message: `sch:extends names an unknown abstract rule "${id}".` });
      if (seen.has(id)) throw new SchematronCompileError({ message: `Abstract rule "${id}" extends itself.` });
      const inherited = ruleParts(base, abstractRules, new Set([...seen, id]));
      parts.lets.push(...inherited.lets);
      parts.checks.push(...inherited.checks);
    } else if (!isSch(child, 'title') && !isSch(child, 'p')) {
      throw new SchematronCompileError({ message: `Unsupported element ${child.qname} in a rule.` });
    }
  }
  return parts;
}

function variable(let_: XmlNode): string {
  const name = requireAttribute(let_, 'name');
  const value = let_.attributes['value'];
  if (value !== undefined) return `<xsl:variable name="${attr(name)}" select="${attr(value)}"/>`;
  // A let without @value holds a literal node tree.
  return `<xsl:variable name="${attr(name)}">${let_.children.map((child) => serializeVerbatim(child)).join('')}</xsl:variable>`;
}

/** The assert/report text, with sch:value-of and sch:name evaluated; other inline markup keeps its text. */
function message(check: XmlNode): string {
  const out: string[] = [];
  const walk = (node: XmlNode) => {
    for (const child of node.children) {
      if (child.kind === 'text') out.push(`<xsl:text>${text(child.text)}</xsl:text>`);
      else if (isSch(child, 'value-of')) out.push(`<xsl:value-of select="${attr(requireAttribute(child, 'select'))}"/>`);
      else if (isSch(child, 'name')) out.push(`<xsl:value-of select="name(${attr(child.attributes['path'] ?? '.')})"/>`);
      else walk(child);
    }
  };
  walk(check);
  return out.join('');
}

function mayMatchAttributes(context: string): boolean {
  // Drop predicates; what is left names the matched node.
  let depth = 0;
  let path = '';
  for (const char of context) {
    if (char === '[') depth += 1;
    else if (char === ']') depth -= 1;
    else if (depth === 0) path += char;
  }
  return /@|attribute::|attribute\(|node\(\)/.test(path);
}

function parseSchematron(source: string): XmlNode {
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    // Entities are decoded below, in one pass: the parser leaves numeric references (&#34; in the
    // PEPPOL e-mail regex) undecoded, and decoding after it would decode &amp;#34; twice.
    processEntities: false,
    cdataPropName: '#cdata',
    ignoreDeclaration: true,
    ignorePiTags: true,
  });
  let ordered: unknown[];
  try {
    ordered = parser.parse(source) as unknown[];
  } catch (error) {
    throw new SchematronCompileError({ message: 'The Schematron file is not well-formed XML.', cause: error });
  }
  const roots = ordered.map((item) => toNode(item as Record<string, unknown>, {})).filter((node): node is XmlNode => node?.kind === 'element');
  const root = roots[0];
  if (!root) throw new SchematronCompileError({ message: 'The Schematron file has no document element.' });
  return root;
}

function toNode(item: Record<string, unknown>, parentScope: Record<string, string>): XmlNode | undefined {
  if ('#text' in item) {
    return {
      kind: 'text',
      uri: '',
      local: '#text',
      qname: '#text',
      attributes: {},
      scope: parentScope,
      children: [],
      text: decodeEntities(String(item['#text']).replace(/\r\n?/g, '\n')),
    };
  }
  if ('#cdata' in item) {
    const raw = (item['#cdata'] as { '#text'?: string }[]).map((part) => part['#text'] ?? '').join('');
    return { kind: 'text', uri: '', local: '#text', qname: '#text', attributes: {}, scope: parentScope, children: [], text: raw };
  }
  const qname = Object.keys(item).find((key) => key !== ':@');
  if (qname === undefined || qname.startsWith('?') || qname.startsWith('!')) return undefined;
  // XML attribute-value normalisation (literal tabs and line breaks become spaces; &#10; stays a line break).
  const attributes = Object.fromEntries(
    Object.entries((item[':@'] as Record<string, string> | undefined) ?? {}).map(([name, value]) => [
      name,
      decodeEntities(value.replace(/\r\n?|[\n\t]/g, ' ')),
    ]),
  );
  const scope = { ...parentScope };
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'xmlns') scope[''] = value;
    else if (name.startsWith('xmlns:')) scope[name.slice(6)] = value;
  }
  const colon = qname.indexOf(':');
  const prefix = colon < 0 ? '' : qname.slice(0, colon);
  const uri = scope[prefix];
  if (uri === undefined && prefix !== '') throw new SchematronCompileError({ message: `Undeclared prefix in <${qname}>.` });
  const children = ((item[qname] as Record<string, unknown>[] | undefined) ?? [])
    .map((child) => toNode(child, scope))
    .filter((child): child is XmlNode => child !== undefined);
  return { kind: 'element', uri: uri ?? '', local: colon < 0 ? qname : qname.slice(colon + 1), qname, attributes, scope, children, text: '' };
}

/** Copies an element (an embedded xsl:function) as written, declaring every namespace in scope on it. */
function serializeVerbatim(node: XmlNode, top = true): string {
  if (node.kind === 'text') return text(node.text);
  const attributes = { ...node.attributes };
  if (top) {
    for (const [prefix, uri] of Object.entries(node.scope)) {
      const name = prefix === '' ? 'xmlns' : `xmlns:${prefix}`;
      if (!(name in attributes)) attributes[name] = uri;
    }
  }
  const rendered = Object.entries(attributes)
    .map(([name, value]) => ` ${name}="${attr(value)}"`)
    .join('');
  const inner = node.children.map((child) => serializeVerbatim(child, false)).join('');
  return `<${node.qname}${rendered}>${inner}</${node.qname}>`;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** The five predefined entities and numeric character references (a Schematron file declares no others). */
function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    const named = PREDEFINED[ref];
    if (named === undefined) throw new SchematronCompileError({ message: `Undeclared entity ${whole}.` });
    return named;
  });
}

function elements(node: XmlNode): XmlNode[] {
  return node.children.filter((child) => child.kind === 'element');
}

function isSch(node: XmlNode, local: string): boolean {
  return node.kind === 'element' && node.uri === SCH && node.local === local;
}

function requireAttribute(node: XmlNode, name: string): string {
  const value = node.attributes[name];
  if (value === undefined) throw new SchematronCompileError({ message: `<${node.qname}> lacks @${name}.` });
  return value;
}

function textContent(node: XmlNode): string {
  return node.kind === 'text' ? node.text : node.children.map(textContent).join('');
}

function normalize(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

function text(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;').replace(/\r/g, '&#13;');
}

/** A literal attribute value on a result element is an attribute value template: braces are doubled. */
function avt(value: string): string {
  return attr(value).replace(/\{/g, '{{').replace(/\}/g, '}}');
}
