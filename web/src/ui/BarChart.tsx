import { useId } from "react";

export interface Bar {
  label: string;
  /** Decimal string from the API; charts need only approximate heights, so Number() is fine here. */
  value: string;
  estimated?: boolean;
}

/**
 * An accessible SVG bar chart: role="img" with a title and a summary for screen readers, and the same numbers in a
 * table (the caller renders it) for anyone who would rather read than look.
 */
export function BarChart({ title, summary, bars, format, estimatedLabel }: {
  title: string;
  summary: string;
  bars: Bar[];
  format: (value: string) => string;
  estimatedLabel: string;
}) {
  const id = useId();
  const width = 360;
  const height = 180;
  const top = 18;
  const bottom = 30;
  const values = bars.map((b) => Math.max(0, Number(b.value)));
  const max = Math.max(1, ...values);
  const slot = width / Math.max(1, bars.length);
  const barWidth = Math.max(4, Math.min(48, slot * 0.7));
  const labelEvery = Math.ceil(bars.length / 6); // at most six period labels fit a phone; the newest always has one
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={`${id}-t ${id}-d`} preserveAspectRatio="xMidYMid meet">
        <title id={`${id}-t`}>{title}</title>
        <desc id={`${id}-d`}>{summary}</desc>
        <line x1="0" y1={height - bottom} x2={width} y2={height - bottom} className="axis" />
        {bars.map((bar, i) => {
          const h = ((values[i] ?? 0) / max) * (height - top - bottom);
          const x = i * slot + (slot - barWidth) / 2;
          const y = height - bottom - h;
          return (
            <g key={`${bar.label}-${i}`}>
              <rect x={x} y={y} width={barWidth} height={h} className={bar.estimated ? "bar bar-estimated" : "bar"}>
                <title>{`${bar.label}: ${format(bar.value)}${bar.estimated ? ` (${estimatedLabel})` : ""}`}</title>
              </rect>
              {bars.length <= 12 ? <text x={x + barWidth / 2} y={y - 4} textAnchor="middle" className="bar-value">{format(bar.value)}</text> : null}
              {(bars.length - 1 - i) % labelEvery === 0 ? <text x={x + barWidth / 2} y={height - bottom + 16} textAnchor="middle" className="bar-label">{bar.label}</text> : null}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
