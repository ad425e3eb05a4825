const formats = new Map<string, Intl.DateTimeFormat>();

/** The first day (YYYY-MM-01) of the calendar month `at` falls in, in the given time zone (W-8). */
export function monthStart(at: Date, timeZone: string): string {
  // Building a DateTimeFormat costs ~70 µs; one per time zone is kept.
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' });
    formats.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const year = parts.find((p) => p.type === 'year')!.value;
  const month = parts.find((p) => p.type === 'month')!.value;
  return `${year}-${month}-01`;
}
