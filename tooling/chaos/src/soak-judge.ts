import { median } from './report.js';

/** One minute of the soak. */
export interface Minute {
  minute: number;
  /** Answered attempts (2xx and 4xx) in the minute. */
  ops: number;
  perSecond: number;
  /** Attempts with no answer or a 5xx. */
  errors: number;
  /** Times a client fell more than a second behind its pace. */
  late: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  /** Per host, in host order. */
  rssMb: Array<number | null>;
  heapUsedMb: Array<number | null>;
  load1: number;
}

export const SOAK_LIMITS = {
  /** RSS growth allowed over the last 10 minutes, per host: the larger of these. */
  rssGrowthMb: 24,
  rssGrowthRatio: 0.1,
  /** Median p99 of the last 10 minutes against the median p99 of minutes 2–11 (minute 1 warms up). */
  p99Drift: 1.5,
  p99DriftSlackMs: 5,
  /** Throughput held: each minute after the first at least this share of the rate. */
  rateShare: 0.9,
};

/**
 * Pass or fail, with reasons: memory flat (no host's RSS grew more than the limit over the last
 * 10 minutes), p99 stable (no upward drift from the early minutes to the late ones), no errors,
 * and the rate held. Needs at least 12 minutes for the memory and drift judgements.
 */
export function judgeSoak(input: { minutes: readonly Minute[]; rate: number }): { ok: boolean; findings: Array<{ ok: boolean; what: string }> } {
  const findings: Array<{ ok: boolean; what: string }> = [];
  const m = input.minutes;
  const errors = m.reduce((n, x) => n + x.errors, 0);
  findings.push({ ok: errors === 0, what: `errors (no answer or 5xx): ${errors}` });
  const slow = m.slice(1).filter((x) => x.perSecond < input.rate * SOAK_LIMITS.rateShare);
  findings.push({
    ok: slow.length === 0,
    what: `rate held (≥ ${SOAK_LIMITS.rateShare * 100} % of ${input.rate}/s every minute after the first): ${slow.length === 0 ? 'yes' : `no, minutes ${slow.map((x) => x.minute).join(', ')}`}`,
  });
  if (m.length < 12) {
    findings.push({ ok: true, what: `memory and p99 drift not judged: ${m.length} minutes (12 needed)` });
    return { ok: findings.every((f) => f.ok), findings };
  }
  const last = m[m.length - 1]!;
  const tenBefore = m[m.length - 11]!;
  last.rssMb.forEach((rss, host) => {
    const before = tenBefore.rssMb[host];
    if (rss === null || rss === undefined || before === null || before === undefined) {
      findings.push({ ok: false, what: `host ${host + 1}: no RSS sample` });
      return;
    }
    const allowed = Math.max(SOAK_LIMITS.rssGrowthMb, before * SOAK_LIMITS.rssGrowthRatio);
    findings.push({
      ok: rss - before <= allowed,
      what: `host ${host + 1} RSS over the last 10 minutes: ${before.toFixed(1)} → ${rss.toFixed(1)} MB (${(rss - before).toFixed(1)}; allowed ${allowed.toFixed(1)})`,
    });
  });
  const early = median(m.slice(1, 11).map((x) => x.p99 ?? 0))!;
  const late = median(m.slice(-10).map((x) => x.p99 ?? 0))!;
  const bound = early * SOAK_LIMITS.p99Drift + SOAK_LIMITS.p99DriftSlackMs;
  findings.push({
    ok: late <= bound,
    what: `p99 drift: median of minutes 2–11 ${early.toFixed(1)} ms, of the last 10 ${late.toFixed(1)} ms (allowed ${bound.toFixed(1)})`,
  });
  return { ok: findings.every((f) => f.ok), findings };
}
