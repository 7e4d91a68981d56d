import { esc } from './html-escape.js';

/**
 * Small horizontal bar charts as inline SVG: no script, no fonts to fetch, crisp
 * when printed. Sized from their own labels and values so nothing is clipped:
 * the label column is as wide as the longest label, and the picture as wide as
 * the longest value text beside its bar.
 */

export interface Bar {
  label: string;
  value: number;
  text: string;
  accent?: boolean;
}

/** A generous average glyph width for 12px system-ui, so estimated text boxes are never too small. */
const CHAR_W = 7.4;
const LABEL_MAX_CHARS = 48;
const ROW_H = 22;

export function barChart(bars: readonly Bar[], options: { barWidth?: number; label?: string } = {}): string {
  const barW = options.barWidth ?? 220;
  const labels = bars.map((b) => (b.label.length > LABEL_MAX_CHARS ? `${b.label.slice(0, LABEL_MAX_CHARS - 1)}…` : b.label));
  const labelW = Math.ceil(Math.max(...labels.map((l) => l.length)) * CHAR_W) + 10;
  const textW = Math.ceil(Math.max(...bars.map((b) => b.text.length)) * CHAR_W) + 10;
  const width = labelW + barW + 6 + textW;
  const max = Math.max(1, ...bars.map((b) => Math.abs(b.value)));
  const rows = bars.map((b, i) => {
    const y = i * ROW_H;
    const w = Math.max(1, Math.round((Math.abs(b.value) / max) * barW));
    return (
      `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${esc(labels[i]!)}<title>${esc(b.label)}</title></text>` +
      `<rect x="${labelW}" y="${y + 4}" width="${w}" height="${ROW_H - 8}" rx="3" class="${b.accent === true ? 'bar accent' : 'bar'}"><title>${esc(`${b.label}: ${b.text}`)}</title></rect>` +
      `<text x="${labelW + w + 6}" y="${y + 15}">${esc(b.text)}</text>`
    );
  });
  const height = bars.length * ROW_H + 4;
  const name = options.label === undefined ? '' : ` aria-label="${esc(options.label)}"`;
  return `<svg class="chart" role="img"${name} viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">${rows.join('')}</svg>`;
}

export function figure(caption: string, body: string, cls = ''): string {
  return `<figure${cls === '' ? '' : ` class="${cls}"`}><figcaption>${esc(caption)}</figcaption>${body}</figure>`;
}
