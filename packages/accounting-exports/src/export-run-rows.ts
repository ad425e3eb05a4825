import { createHash, randomUUID } from 'node:crypto';
import { Money } from '@tollgate/money';
import type { DeliveryKind, ExportRun, ExportRunFile, ExportRunStatus, ExportSelection, StartRunInput } from './accounting-exports.types.js';

export interface RunRow {
  id: string;
  account_id: string;
  target_id: string;
  idempotency_key: string;
  request_hash: string;
  selection: ExportSelection | string;
  reexport: boolean;
  status: ExportRunStatus;
  reason: string | null;
  message: string | null;
  attempt: number;
  prepared_at: Date | null;
  documents_selected: number;
  documents_exported: number;
  documents_refused: number;
  documents_skipped: number;
  documents_undelivered: number;
  amount_held: string;
  amount_charged: string;
  amount_released: string;
  lease_until: Date | null;
  runs: number;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface FileRow {
  run_id: string;
  name: string;
  content_type: string;
  size: string | number;
  sha256: string;
  file_key: string;
  documents: number;
  delivered_attempt: number | null;
  delivered_at: Date | null;
}

export interface DocumentRow {
  run_id: string;
  invoice_id: string;
  number: string;
  outcome: 'exported' | 'refused' | 'skipped' | 'undelivered' | 'failed';
  rule: string | null;
  message: string | null;
  file_name: string | null;
  seq: number;
}

export interface HoldRow {
  run_id: string;
  attempt: number;
  hold_id: string;
  units: number;
  amount: string;
  captured_units: number | null;
  captured: string | null;
  released: string | null;
  status: 'held' | 'captured' | 'released';
  transaction_id: string | null;
}

export function newRunId(): string {
  return `exr_${randomUUID().replaceAll('-', '')}`;
}

/** The selection as stored and hashed: defaults filled in, lists sorted and deduplicated. */
export function normaliseSelection(selection: ExportSelection | undefined): ExportSelection {
  const s = selection ?? {};
  const sorted = <T extends string>(list: readonly T[] | undefined) => (list?.length ? [...new Set(list)].sort() : undefined);
  const out: ExportSelection = { notYetExported: s.notYetExported ?? true };
  if (s.issuedFrom) out.issuedFrom = s.issuedFrom;
  if (s.issuedTo) out.issuedTo = s.issuedTo;
  const kinds = sorted(s.kinds);
  if (kinds) out.kinds = kinds;
  const statuses = sorted(s.statuses);
  if (statuses) out.statuses = statuses;
  const ids = sorted(s.ids);
  if (ids) out.ids = ids;
  return out;
}

/** What makes two requests with one key "the same run". */
export function runRequestHash(input: Pick<StartRunInput, 'targetId' | 'selection' | 'reexport'>): string {
  const canonical = { targetId: input.targetId, selection: normaliseSelection(input.selection), reexport: input.reexport ?? false };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}

export function fileView(row: FileRow): ExportRunFile {
  return {
    name: row.name,
    contentType: row.content_type,
    size: Number(row.size),
    sha256: row.sha256,
    documents: row.documents,
    deliveredAt: row.delivered_at ? new Date(row.delivered_at) : null,
  };
}

const money = (v: string | number | null) => Money.of(String(v ?? '0')).toString();

export function runView(row: RunRow, target: { exporter_id: string; delivery_kind: DeliveryKind }, files: FileRow[]): ExportRun {
  return {
    id: row.id,
    accountId: row.account_id,
    targetId: row.target_id,
    exporterId: target.exporter_id,
    deliveryKind: target.delivery_kind,
    selection: typeof row.selection === 'string' ? (JSON.parse(row.selection) as ExportSelection) : row.selection,
    reexport: row.reexport,
    status: row.status,
    reason: row.reason,
    message: row.message,
    attempt: row.attempt,
    counts: {
      selected: row.documents_selected,
      exported: row.documents_exported,
      refused: row.documents_refused,
      skipped: row.documents_skipped,
      undelivered: row.documents_undelivered,
    },
    amounts: { held: money(row.amount_held), charged: money(row.amount_charged), released: money(row.amount_released), currency: 'EUR' },
    files: files.map(fileView),
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    startedAt: row.started_at ? new Date(row.started_at) : null,
    finishedAt: row.finished_at ? new Date(row.finished_at) : null,
  };
}
