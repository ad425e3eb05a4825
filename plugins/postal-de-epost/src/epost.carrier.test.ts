import { describe, expect, it } from 'vitest';
import { rejectionReason, toLetterEvent } from './epost.carrier.js';

const base = { letterID: 42, fileName: 'tollgate-x.pdf', createdDate: '2026-03-02T09:00:00.000Z' };

describe('toLetterEvent: E-POST statuses as letter statuses', () => {
  it.each([
    [{ statusID: 1 }, 'submitted', '2026-03-02T09:00:00.000Z'],
    [{ statusID: 2, processedDate: '2026-03-02T09:05:00.000Z' }, 'accepted', '2026-03-02T09:05:00.000Z'],
    [{ statusID: 3, printUploadDate: '2026-03-02T11:05:00.000Z' }, 'printed', '2026-03-02T11:05:00.000Z'],
    [{ statusID: 4, printFeedbackDate: '2026-03-03T11:05:00.000Z' }, 'posted', '2026-03-03T11:05:00.000Z'],
    [
      {
        statusID: 4,
        printFeedbackDate: '2026-03-03T11:05:00.000Z',
        destinationAreaStatus: 'eingetroffen',
        destinationAreaStatusDate: '2026-03-04T08:00:00.000Z',
      },
      'delivered',
      '2026-03-04T08:00:00.000Z',
    ],
  ])('%o → %s', (status, expected, at) => {
    const event = toLetterEvent({ ...base, ...status });
    expect(event).toEqual({ eventId: `epost:42:${expected}`, carrierLetterId: '42', status: expected, occurredAt: new Date(at) });
  });

  it('99 is rejected before the print centre and failed after it, with the reason from the error list', () => {
    const errorList = [
      { level: 'Warning', code: 'W101', description: 'PDF/A' },
      { level: 'Error', code: 'E318', description: 'Ablehnung in Druckzentrum', date: '2026-03-02T20:00:00.000Z' },
    ];
    expect(toLetterEvent({ ...base, statusID: 99, errorList })).toMatchObject({ status: 'rejected', reason: 'print_centre_rejected' });
    expect(toLetterEvent({ ...base, statusID: 99, printUploadDate: '2026-03-02T11:05:00.000Z', errorList })).toMatchObject({
      status: 'failed',
      reason: 'print_centre_rejected',
      occurredAt: new Date('2026-03-02T20:00:00.000Z'),
    });
    expect(toLetterEvent({ ...base, statusID: 99 })).toMatchObject({ status: 'rejected', reason: 'epost_rejected' });
  });

  it('rejectionReason names the fault in our words, or the E-POST code', () => {
    expect(rejectionReason('E306')).toBe('address_not_in_window');
    expect(rejectionReason('E301')).toBe('pdf_unreadable');
    expect(rejectionReason('E307')).toBe('pdf_not_a4_portrait');
    expect(rejectionReason('E312')).toBe('epost_e312');
  });
});
