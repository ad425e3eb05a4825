import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { compileSchematron, isFatalFlag, SchematronCompileError } from '../src/index.js';

const require = createRequire(import.meta.url);
const SaxonJS = require('saxon-js') as { XPath: { evaluate(xpath: string, context: unknown, options: { params: Record<string, unknown> }): unknown } };

const fixture = readFileSync(new URL('./fixtures/first-rule-wins.sch', import.meta.url), 'utf8');

interface Fired {
  id: string;
  flag: string;
  kind: string;
  location: string;
  text: string;
}

/** Runs generated XSLT with SaxonJS's in-process compiler (fn:transform): fine for a tiny schema. */
function run(xslt: string, xml: string): Fired[] {
  const output = SaxonJS.XPath.evaluate(
    "transform(map{'stylesheet-text': $xsl, 'source-node': parse-xml($xml), 'delivery-format': 'serialized'})?output",
    null,
    { params: { xsl: xslt, xml } },
  ) as string;
  return [...output.matchAll(/<v id="([^"]*)" flag="([^"]*)" kind="([^"]*)" location="([^"]*)">([^<]*)<\/v>/g)].map(([, id, flag, kind, location, text]) => ({
    id: id!,
    flag: flag!,
    kind: kind!,
    location: location!,
    text: text!.replace(/\s+/g, ' ').trim(),
  }));
}

const DOC = '<list xmlns="urn:test"><item n="1" special="yes"/><item n="2"/><item n="3" special="report"/><item/></list>';

describe('compileSchematron', () => {
  const compiled = compileSchematron({ schematron: fixture });
  const fired = run(compiled.xslt, DOC);
  const ids = (id: string) => fired.filter((f) => f.id === id);

  it('counts what it compiled; phases are ignored (all three patterns run)', () => {
    expect(compiled).toMatchObject({ title: 'Compiler fixture', patterns: 3, rules: 4, asserts: 4, reports: 1 });
    expect(ids('LIMIT').length).toBeGreaterThan(0);
    expect(ids('HAS-N').length).toBeGreaterThan(0);
  });

  it('in a pattern a node fires only the first rule whose context matches', () => {
    expect(ids('SPECIAL').map((f) => f.location)).toEqual(['/list[1]/item[1]', '/list[1]/item[3]']);
    expect(ids('PLAIN').map((f) => f.location)).toEqual(['/list[1]/item[2]', '/list[1]/item[4]']);
  });

  it('another pattern sees every node again', () => {
    // item 4 has no @n: $n is empty, so `$n <= $limit` is false and the assert fails (XPath semantics).
    expect(ids('LIMIT').map((f) => f.location)).toEqual(['/list[1]/item[3]', '/list[1]/item[4]']);
  });

  it('messages carry value-of, name, schema/pattern/rule lets and embedded xsl:function results; braces stay literal', () => {
    expect(ids('SPECIAL')[0]).toMatchObject({ flag: 'fatal', kind: 'assert', text: 'special item number 1' });
    expect(ids('PLAIN')[0]).toMatchObject({ flag: 'warning', text: 'plain item 2' });
    expect(ids('LIMIT')[0]).toMatchObject({ flag: 'information', text: 'item 3 of 4 is over 2 {braces}' });
  });

  it('report fires when its test is true', () => {
    expect(ids('REPORTED')).toMatchObject([{ kind: 'report', location: '/list[1]/item[3]', text: 'report fired on list' }]);
  });

  it('an abstract rule is inlined where it is extended', () => {
    expect(ids('HAS-N')).toMatchObject([{ location: '/list[1]/item[4]', text: 'no @n' }]);
  });

  it('decodes entities once: numeric references (the PEPPOL e-mail regex has &#34;), &amp;#34; stays literal, CDATA is raw', () => {
    const schema = (message: string) =>
      `<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2"><ns prefix="t" uri="urn:test"/><pattern><rule context="t:item"><assert id="E" test="false()">${message}</assert></rule></pattern></schema>`;
    const text = (message: string) => run(compileSchematron({ schematron: schema(message) }).xslt, DOC)[0]?.text;
    // `run` reads the serialized output: the text q"A&#34;< serializes as below.
    expect(text('q&#34;&#x41;&amp;#34;&lt;')).toBe('q"A&amp;#34;&lt;');
    expect(text('<![CDATA[<&amp;>]]>')).toBe('&lt;&amp;amp;&gt;'); // as serialized: the raw text <&amp;>
    const peppol = compileSchematron({ schematron: readFileSync(new URL('../rules/PEPPOL-EN16931-UBL.sch', import.meta.url), 'utf8') }).xslt;
    expect(peppol).toContain(`<xsl:variable name="XR-EMAIL-REGEX" select="'^[a-zA-Z0-9!#\\$%&amp;&quot;*+/=?^_`);
    expect(() => compileSchematron({ schematron: schema('&nbsp;') })).toThrow(/Undeclared entity/);
    // Attribute values are normalised as an XML parser must: a literal line break in a string is a space, &#10; is not.
    const literal = (test: string) =>
      compileSchematron({ schematron: schema('x').replace('test="false()"', `test="${test}"`) }).xslt.match(/<xsl:if test="([^"]*)"/)![1];
    expect(literal("'a\nb' = 'a b'")).toBe("not(('a b' = 'a b'))");
    expect(literal("'a&#10;b' = 'a b'")).toBe("not(('a&#10;b' = 'a b'))");
  });

  it('refuses what it does not support instead of dropping it', () => {
    const include = fixture.replace('<title>', '<include href="other.sch" /><title>');
    expect(() => compileSchematron({ schematron: include })).toThrow(SchematronCompileError);
    const twice = fixture.replace('<let name="itemCount"', '<let name="limit" value="1" /><let name="itemCount"');
    expect(() => compileSchematron({ schematron: twice })).toThrow(/declared twice/);
    expect(() => compileSchematron({ schematron: '<schema/>' })).toThrow(/not sch:schema/);
    expect(() => compileSchematron({ schematron: fixture.replace('queryBinding="xslt2"', 'queryBinding="xpath"') })).toThrow(/queryBinding/);
  });
});

describe("compileSchematron with flags 'fatal'", () => {
  it('fires exactly the fatal part of what the full stylesheet fires (no flag counts as fatal)', () => {
    const all = run(compileSchematron({ schematron: fixture }).xslt, DOC);
    const fatal = compileSchematron({ schematron: fixture, flags: 'fatal' });
    expect(fatal).toMatchObject({ patterns: 3, rules: 4, asserts: 2, reports: 1, dropped: 2 });
    const fired = run(fatal.xslt, DOC);
    expect(fired.map((f) => f.id)).toEqual(expect.arrayContaining(['SPECIAL', 'REPORTED', 'HAS-N']));
    expect(fired).toEqual(all.filter((f) => isFatalFlag(f.flag)));
  });

  it('a rule left without checks still shadows the later rules of its pattern; a pattern left without checks is not run', () => {
    const schema = `<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2"><ns prefix="t" uri="urn:test"/>
      <pattern><rule context="t:item[@special]"><assert id="W" flag="warning" test="false()">w</assert></rule>
        <rule context="t:item"><assert id="F" flag="fatal" test="false()">f</assert></rule></pattern>
      <pattern><rule context="t:list"><assert id="ONLY-WARN" flag="WARNING " test="false()">w</assert><report id="INFO" flag="info" test="true()">i</report></rule></pattern></schema>`;
    const all = run(compileSchematron({ schematron: schema }).xslt, DOC);
    const fatal = compileSchematron({ schematron: schema, flags: 'fatal' });
    const fired = run(fatal.xslt, DOC);
    // Items 1 and 3 are special: the warning-only first rule takes them, so F fires on 2 and 4 only.
    expect(fired).toEqual([
      { id: 'F', flag: 'fatal', kind: 'assert', location: '/list[1]/item[2]', text: 'f' },
      { id: 'F', flag: 'fatal', kind: 'assert', location: '/list[1]/item[4]', text: 'f' },
    ]);
    expect(fired).toEqual(all.filter((f) => isFatalFlag(f.flag)));
    expect(all.map((f) => f.id).sort()).toEqual(['F', 'F', 'INFO', 'ONLY-WARN', 'W', 'W']);
    expect(fatal.dropped).toBe(3);
    expect(fatal.xslt).not.toContain('mode="M1"');
  });

  it.each([
    ['CEN-EN16931-UBL.sch', { asserts: 281, dropped: 699 }],
    ['PEPPOL-EN16931-UBL.sch', { asserts: 135, dropped: 21 }],
  ])('%s keeps every fatal assert and drops every warning', (file, counts) => {
    const source = readFileSync(new URL(`../rules/${file}`, import.meta.url), 'utf8');
    const live = source.replace(/<!--[\s\S]*?-->/g, '');
    const compiled = compileSchematron({ schematron: source, flags: 'fatal' });
    expect(compiled).toMatchObject(counts);
    const asserts = [...live.matchAll(/<assert\b[^>]*>/g)].map((m) => ({ id: /\bid="([^"]+)"/.exec(m[0])![1]!, flag: /\bflag="([^"]*)"/.exec(m[0])?.[1] }));
    for (const { id, flag } of asserts) {
      if (isFatalFlag(flag)) expect(compiled.xslt).toContain(`id="${id}"`);
      else expect(compiled.xslt).not.toContain(`id="${id}"`);
    }
  });
});

describe('the official rule files', () => {
  it.each([
    ['CEN-EN16931-UBL.sch', { patterns: 3, rules: 105, asserts: 980, reports: 0 }],
    ['PEPPOL-EN16931-UBL.sch', { patterns: 13, rules: 90, asserts: 156, reports: 0 }],
  ])('%s compiles with every rule and assert', (file, counts) => {
    const source = readFileSync(new URL(`../rules/${file}`, import.meta.url), 'utf8');
    const live = source.replace(/<!--[\s\S]*?-->/g, ''); // PEPPOL-COMMON-R048 is commented out in the file
    const compiled = compileSchematron({ schematron: source });
    expect(compiled).toMatchObject(counts);
    // Every assert of the file is in the stylesheet, with its id.
    const assertIds = [...live.matchAll(/<assert\b[^>]*\bid="([^"]+)"/g)].map((m) => m[1]);
    for (const id of assertIds) expect(compiled.xslt).toContain(`id="${id}"`);
    if (file.startsWith('PEPPOL')) {
      // The 13 embedded xsl:functions and the schema's lets are carried over.
      expect(compiled.xslt.match(/<function [^>]*name="u:/g)?.length).toBe(13);
      expect(compiled.xslt).toContain('<xsl:variable name="supplierCountry"');
      expect(compiled.xslt).toContain('<xsl:variable name="ISO3166"');
    }
  });
});
