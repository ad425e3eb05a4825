import type { PanelField } from './panel-types.js';

/*
 * A panel form's values: what the inputs hold (strings and booleans) and the JSON body they become.
 * Pure, so the typing rules are unit-tested without a browser.
 */

/** What an input holds: text for every field but a checkbox. */
export type FieldValue = string | boolean;
export type FormValues = Record<string, FieldValue>;

/** Why a field cannot be sent, as a message key (shown next to the field). */
export type FieldProblem = 'required' | 'number' | 'money' | 'email' | 'option';

const MONEY = /^\d+(\.\d{1,2})?$/;
const NUMBER = /^-?\d+(\.\d+)?$/;
// A light check only: the plugin's route validates again and its 400 is shown next to the field.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The loaded object as input values; a missing or null property is an empty input. */
export function toFormValues(fields: readonly PanelField[], loaded: unknown): FormValues {
  const source = loaded && typeof loaded === 'object' && !Array.isArray(loaded) ? (loaded as Record<string, unknown>) : {};
  const values: FormValues = {};
  for (const field of fields) {
    const value = source[field.name];
    if (field.type === 'boolean') values[field.name] = value === true;
    else if (value === null || value === undefined) values[field.name] = '';
    // Money and numbers arrive as strings or numbers and are kept as their exact text.
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') values[field.name] = String(value);
    else values[field.name] = JSON.stringify(value);
  }
  return values;
}

/** What is wrong with one field's value, or null. */
export function fieldProblem(field: PanelField, value: FieldValue | undefined): FieldProblem | null {
  if (field.readOnly || field.type === 'boolean') return null;
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '') return field.required ? 'required' : null;
  if (field.type === 'number' && !NUMBER.test(text)) return 'number';
  if (field.type === 'money' && !MONEY.test(text)) return 'money';
  if (field.type === 'email' && !EMAIL.test(text)) return 'email';
  if (field.type === 'select' && field.options && !field.options.some((option) => option.value === text)) return 'option';
  return null;
}

export function formProblems(fields: readonly PanelField[], values: FormValues): Record<string, FieldProblem> {
  const problems: Record<string, FieldProblem> = {};
  for (const field of fields) {
    const problem = fieldProblem(field, values[field.name]);
    if (problem) problems[field.name] = problem;
  }
  return problems;
}

/**
 * The save body: only the fields that are not read-only, typed — numbers as JSON numbers, money as
 * its decimal string (never a float), booleans as booleans, the rest as trimmed text. An empty
 * optional field is left out, so the plugin keeps its own default.
 */
export function toSaveBody(fields: readonly PanelField[], values: FormValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.readOnly) continue;
    const value = values[field.name];
    if (field.type === 'boolean') {
      body[field.name] = value === true;
      continue;
    }
    const text = typeof value === 'string' ? value.trim() : '';
    if (text === '') continue;
    body[field.name] = field.type === 'number' ? Number(text) : text;
  }
  return body;
}

/** A 400's field errors (`details: [{ path, message }]`) by field name; the rest under ''. */
export function issuesByField(details: unknown): Record<string, string[]> {
  const list = Array.isArray(details)
    ? details
    : Array.isArray((details as { issues?: unknown } | null)?.issues)
      ? (details as { issues: unknown[] }).issues
      : [];
  const byField: Record<string, string[]> = {};
  for (const issue of list) {
    if (!issue || typeof issue !== 'object') continue;
    const { path, message } = issue as { path?: unknown; message?: unknown };
    const first = Array.isArray(path) && path.length > 0 ? String(path[0]) : '';
    (byField[first] ??= []).push(typeof message === 'string' ? message : String(message));
  }
  return byField;
}
