import type { EPostLetterStatus, ReceivedLetter, StatusTimings } from './epost-sandbox.server.js';

/** The letter's status at `now`: computed from its arrival and the timings, so it follows the sandbox clock. */
export function letterStatusAt(input: { letter: ReceivedLetter; now: Date; timings: StatusTimings }): EPostLetterStatus {
  const { letter, timings: t } = input;
  const now = input.now.getTime();
  const created = Date.parse(letter.createdDate);
  const processed = created + t.processedAfterMs + letter.slowMs;
  const printUpload = processed + t.printUploadAfterMs;
  const printFeedback = printUpload + t.printFeedbackAfterMs;
  const destination = printFeedback + t.destinationAfterMs;
  const iso = (ms: number, reached: boolean) => (reached ? new Date(ms).toISOString() : null);
  const base: EPostLetterStatus = {
    letterID: letter.letterID,
    fileName: letter.fileName,
    statusID: 1,
    statusDetails: 'Annahme der Sendung',
    createdDate: letter.createdDate,
    processedDate: null,
    printUploadDate: null,
    printFeedbackDate: null,
    testFlag: letter.testFlag,
    registeredLetter: letter.registeredLetter,
    registeredLetterID: null,
    batchID: letter.batchID,
    coverLetter: letter.coverLetter,
    noOfPages: letter.pages + (letter.coverLetter ? 1 : 0),
    custom1: letter.custom[0] ?? null,
    custom2: letter.custom[1] ?? null,
    custom3: letter.custom[2] ?? null,
    custom4: letter.custom[3] ?? null,
    custom5: letter.custom[4] ?? null,
    zipCode: letter.zipCode,
    city: letter.city,
    country: letter.country,
    isColor: letter.isColor,
    isDuplex: letter.isDuplex,
    destinationAreaStatus: null,
    destinationAreaStatusDate: null,
    errorList: null,
  };
  const rejected = (at: number): EPostLetterStatus => ({
    ...base,
    statusID: 99,
    statusDetails: 'Verarbeitungsfehler',
    errorList: [{ level: 'Error', code: letter.rejection!.code, description: letter.rejection!.description, date: new Date(at).toISOString() }],
  });
  if (now < processed) return base;
  if (letter.rejection?.stage === 'processing') return rejected(processed);
  const afterProcessing = { ...base, statusID: 2 as const, statusDetails: 'Verarbeitung der Sendung', processedDate: iso(processed, true) };
  // A test letter is checked and sent back by e-mail, never printed.
  if (letter.testFlag) return { ...afterProcessing, statusDetails: 'Testsendung verarbeitet - kein Versand' };
  if (now < printUpload) return afterProcessing;
  const registeredLetterID = letter.registeredLetter ? `RR${String(letter.letterID).padStart(9, '0')}DE` : null;
  const inPrint = {
    ...afterProcessing,
    statusID: 3 as const,
    statusDetails: 'Einlieferung in Druckzentrum',
    printUploadDate: iso(printUpload, true),
    registeredLetterID,
  };
  if (letter.rejection?.stage === 'print' && now >= printUpload + Math.floor(t.printFeedbackAfterMs / 2))
    return {
      ...rejected(printUpload + Math.floor(t.printFeedbackAfterMs / 2)),
      processedDate: inPrint.processedDate,
      printUploadDate: inPrint.printUploadDate,
    };
  if (now < printFeedback) return inPrint;
  const posted = { ...inPrint, statusID: 4 as const, statusDetails: 'Verarbeitung in Druckzentrum', printFeedbackDate: iso(printFeedback, true) };
  if (now < destination) return posted;
  return { ...posted, destinationAreaStatus: 'Sendung im Zielgebiet eingetroffen', destinationAreaStatusDate: iso(destination, true) };
}
