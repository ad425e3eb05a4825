/**
 * "Now" as the host sees it. Months, prices in force and quotas turn on the host's clock; a browser
 * whose clock is off (or a host on a test clock) would otherwise show the wrong month.
 */
let offsetMs = 0;

/** Learns the offset from the host's answer (`serverTime` of the session routes). */
export function setServerTime(iso: string | undefined): void {
  const at = iso ? Date.parse(iso) : Number.NaN;
  if (!Number.isNaN(at)) offsetMs = at - Date.now();
}

export function serverNow(): Date {
  return new Date(Date.now() + offsetMs);
}
