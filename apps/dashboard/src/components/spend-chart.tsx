import { useId } from 'react';
import { formatMonth, formatMonthShort } from '../i18n/format-day.js';
import { formatMoney } from '../i18n/format.js';
import { useI18n } from '../i18n/index.js';
import { fromCents } from '../money/cents.js';
import { monthTotal, type MonthlySpending } from '../money/spending-by-month.js';
import { useChannelName } from './channel-name.js';

// Colours (3:1 against white and each other's neighbours) and a pattern each, so channels differ without colour too.
const COLOURS = ['#0b5cad', '#a4161a', '#1e6b33', '#6b3fa0', '#8a5a00', '#00636b', '#4f5661'];
const PATTERNS = ['solid', 'diagonal', 'dots', 'horizontal', 'vertical', 'cross', 'back'] as const;

const WIDTH = 720;
const HEIGHT = 260;
const LEFT = 80;
const BOTTOM = 40;
const TOP = 10;

/**
 * Spending per channel per month as stacked bars, drawn as SVG (no chart library). The picture is
 * hidden from screen readers, which read the same figures from the table that follows it; every
 * figure is an exact sum of cents.
 */
export function SpendChart({ spending, title }: { spending: MonthlySpending; title: string }) {
  const { t, locale } = useI18n();
  const channelName = useChannelName();
  const id = useId().replace(/:/g, '');
  const months = spending.months;
  // The tallest bar is the largest month's total, not the largest single channel.
  let maxTotal = 0n;
  for (const month of months) {
    const total = Object.values(spending.cents[month] ?? {}).reduce((sum, value) => sum + value, 0n);
    if (total > maxTotal) maxTotal = total;
  }
  const plotHeight = HEIGHT - BOTTOM - TOP;
  const slot = months.length > 0 ? (WIDTH - LEFT - 10) / months.length : 0;
  const barWidth = Math.min(60, slot * 0.6);
  const scale = (cents: bigint) => (maxTotal === 0n ? 0 : (Number(cents) / Number(maxTotal)) * plotHeight);
  const ticks = [0n, 1n, 2n, 3n, 4n].map((step) => (maxTotal * step) / 4n);
  // Long month names fit six to the axis; more months get short ones ("Sep 26").
  const axisMonth = (month: string) => (months.length > 6 ? formatMonthShort(locale, month) : formatMonth(locale, month));

  return (
    <figure className="spend-chart" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="presentation" aria-hidden="true" focusable="false">
        <defs>
          {spending.channels.map((channel, index) => (
            <Pattern key={channel} id={`${id}-p${index}`} colour={COLOURS[index % COLOURS.length]!} kind={PATTERNS[index % PATTERNS.length]!} />
          ))}
        </defs>
        {ticks.map((tick, index) => {
          const y = TOP + plotHeight - scale(tick);
          return (
            <g key={index}>
              <line x1={LEFT} x2={WIDTH - 5} y1={y} y2={y} stroke="#c9ced6" />
              <text x={LEFT - 6} y={y + 4} textAnchor="end" fontSize="11" fill="#4f5661">
                {formatMoney(locale, fromCents(tick))}
              </text>
            </g>
          );
        })}
        {months.map((month, monthIndex) => {
          const x = LEFT + slot * monthIndex + (slot - barWidth) / 2;
          let y = TOP + plotHeight;
          return (
            <g key={month}>
              {spending.channels.map((channel, channelIndex) => {
                const cents = spending.cents[month]?.[channel];
                if (!cents) return null;
                const height = scale(cents);
                y -= height;
                return (
                  <rect key={channel} x={x} y={y} width={barWidth} height={height} fill={`url(#${id}-p${channelIndex})`} stroke="#1b1f24" strokeWidth="0.5">
                    <title>{`${formatMonth(locale, month)} · ${channelName(channel)}: ${formatMoney(locale, fromCents(cents))}`}</title>
                  </rect>
                );
              })}
              <text x={x + barWidth / 2} y={HEIGHT - BOTTOM + 16} textAnchor="middle" fontSize="11" fill="#1b1f24">
                {axisMonth(month)}
              </text>
            </g>
          );
        })}
      </svg>
      <ul className="chart-legend" aria-hidden="true">
        {spending.channels.map((channel, index) => (
          <li key={channel}>
            <svg width="18" height="18" aria-hidden="true" focusable="false">
              <rect width="18" height="18" fill={`url(#${id}-p${index})`} stroke="#1b1f24" strokeWidth="0.5" />
            </svg>
            {channelName(channel)}
          </li>
        ))}
      </ul>
      <table className="sr-only">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{t('history.chart.month')}</th>
            {spending.channels.map((channel) => (
              <th key={channel} scope="col">
                {channelName(channel)}
              </th>
            ))}
            <th scope="col">{t('history.chart.total')}</th>
          </tr>
        </thead>
        <tbody>
          {months.map((month) => (
            <tr key={month}>
              <th scope="row">{formatMonth(locale, month)}</th>
              {spending.channels.map((channel) => (
                <td key={channel}>{formatMoney(locale, fromCents(spending.cents[month]?.[channel] ?? 0n))}</td>
              ))}
              <td>{formatMoney(locale, monthTotal(spending, month))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function Pattern({ id, colour, kind }: { id: string; colour: string; kind: (typeof PATTERNS)[number] }) {
  return (
    <pattern id={id} patternUnits="userSpaceOnUse" width="8" height="8">
      <rect width="8" height="8" fill={kind === 'solid' ? colour : '#ffffff'} />
      {kind === 'diagonal' && <path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke={colour} strokeWidth="3" />}
      {kind === 'back' && <path d="M-2,6 l4,4 M0,0 l8,8 M6,-2 l4,4" stroke={colour} strokeWidth="3" />}
      {kind === 'dots' && (
        <>
          <rect width="8" height="8" fill={colour} opacity="0.25" />
          <circle cx="4" cy="4" r="2.5" fill={colour} />
        </>
      )}
      {kind === 'horizontal' && <rect y="2" width="8" height="4" fill={colour} />}
      {kind === 'vertical' && <rect x="2" width="4" height="8" fill={colour} />}
      {kind === 'cross' && <path d="M0,4 h8 M4,0 v8" stroke={colour} strokeWidth="3" />}
    </pattern>
  );
}
