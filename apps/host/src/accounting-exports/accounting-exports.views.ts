import type { ExportRun, ExportTarget } from '@tollgate/accounting-exports';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function targetView(target: ExportTarget) {
  return {
    id: target.id,
    exporterId: target.exporterId,
    name: target.name,
    options: target.options,
    delivery: target.delivery,
    createdAt: target.createdAt.toISOString(),
    updatedAt: target.updatedAt.toISOString(),
  };
}

export function runView(run: ExportRun) {
  return {
    id: run.id,
    targetId: run.targetId,
    exporterId: run.exporterId,
    deliveryKind: run.deliveryKind,
    selection: run.selection,
    reexport: run.reexport,
    status: run.status,
    reason: run.reason,
    message: run.message,
    attempt: run.attempt,
    counts: run.counts,
    amounts: run.amounts,
    files: run.files.map((f) => ({ ...f, deliveredAt: iso(f.deliveredAt) })),
    createdBy: run.createdBy,
    createdAt: run.createdAt.toISOString(),
    updatedAt: run.updatedAt.toISOString(),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
  };
}
