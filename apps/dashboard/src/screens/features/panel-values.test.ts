import { describe, expect, it } from 'vitest';
import { fieldProblem, formProblems, issuesByField, toFormValues, toSaveBody } from './panel-values.js';
import type { PanelField } from './panel-types.js';

const label = { en: 'x', nl: 'x', fr: 'x', de: 'x' };
const fields: PanelField[] = [
  { name: 'title', label, type: 'text', required: true },
  { name: 'count', label, type: 'number' },
  { name: 'limit', label, type: 'money' },
  { name: 'auto', label, type: 'boolean' },
  {
    name: 'kind',
    label,
    type: 'select',
    options: [
      { value: 'a', label },
      { value: 'b', label },
    ],
  },
  { name: 'linked', label, type: 'boolean', readOnly: true },
  { name: 'formula', label, type: 'text', readOnly: true },
  { name: 'mail', label, type: 'email' },
];

describe('panel form values', () => {
  it('loads an object as input values: text for all but checkboxes, missing as empty', () => {
    const values = toFormValues(fields, { title: 'Hi', count: 3, limit: '20.50', auto: true, linked: false, formula: null });
    expect(values).toEqual({ title: 'Hi', count: '3', limit: '20.50', auto: true, kind: '', linked: false, formula: '', mail: '' });
  });

  it('loads something that is not an object as an empty form', () => {
    expect(toFormValues(fields, null).title).toBe('');
    expect(toFormValues(fields, [1, 2]).auto).toBe(false);
  });

  it('saves only editable fields, typed: numbers as numbers, money as its string, booleans as booleans', () => {
    const body = toSaveBody(fields, { title: ' Hello ', count: '12', limit: '0.10', auto: false, kind: 'b', linked: true, formula: 'gold', mail: '' });
    expect(body).toEqual({ title: 'Hello', count: 12, limit: '0.10', auto: false, kind: 'b' });
    expect(typeof body.limit).toBe('string');
  });

  it('leaves empty optional fields out and keeps a money amount exact', () => {
    const body = toSaveBody(fields, { title: 'x', count: '', limit: '1234567890123.45', auto: true, kind: '' });
    expect(body).toEqual({ title: 'x', limit: '1234567890123.45', auto: true });
  });

  it('finds what cannot be sent', () => {
    expect(fieldProblem(fields[0]!, '  ')).toBe('required');
    expect(fieldProblem(fields[1]!, '1,5')).toBe('number');
    expect(fieldProblem(fields[1]!, '-1.5')).toBeNull();
    expect(fieldProblem(fields[2]!, '1.234')).toBe('money');
    expect(fieldProblem(fields[2]!, '-1')).toBe('money');
    expect(fieldProblem(fields[2]!, '7')).toBeNull();
    expect(fieldProblem(fields[4]!, 'c')).toBe('option');
    expect(fieldProblem(fields[7]!, 'nobody')).toBe('email');
    expect(fieldProblem({ ...fields[0]!, readOnly: true }, '')).toBeNull();
    expect(formProblems(fields, { title: '', count: 'x', limit: '', auto: false, kind: 'a' })).toEqual({ title: 'required', count: 'number' });
  });

  it('maps a 400’s details to fields, either as a list or under issues', () => {
    const list = [
      { path: ['limit'], message: 'Too big' },
      { path: [], message: 'Whole body' },
      { path: ['limit', 0], message: 'Again' },
    ];
    expect(issuesByField(list)).toEqual({ limit: ['Too big', 'Again'], '': ['Whole body'] });
    expect(issuesByField({ issues: [{ path: ['title'], message: 'Required' }] })).toEqual({ title: ['Required'] });
    expect(issuesByField(undefined)).toEqual({});
  });
});
