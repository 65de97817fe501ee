/**
 * The timeline's time axis (pure): time ↔ pixel, zoom about a pixel (the wheel), pan by pixels (a
 * drag), and tick marks at round steps with their labels (UTC).
 */

export interface TimeScale {
  /** The visible window, epoch ms. */
  readonly start: number;
  readonly end: number;
  /** Its width in pixels. */
  readonly width: number;
}

/** The narrowest and widest windows zooming allows. */
export const MIN_SPAN_MS = 1000;
export const MAX_SPAN_MS = 30 * 86_400_000;

export function xOf(s: TimeScale, t: number): number {
  return ((t - s.start) / (s.end - s.start)) * s.width;
}

export function tOf(s: TimeScale, x: number): number {
  return s.start + (x / s.width) * (s.end - s.start);
}

/** Zoom by `factor` (< 1 in, > 1 out) keeping the time under pixel x where it is. */
export function zoomAt(s: TimeScale, x: number, factor: number): TimeScale {
  const span = s.end - s.start;
  const next = Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, span * factor));
  const anchor = tOf(s, x);
  const start = anchor - (x / s.width) * next;
  return { ...s, start, end: start + next };
}

/** A wheel's deltaY as a zoom factor: scrolling down (positive) zooms out, smoothly. */
export function wheelFactor(deltaY: number): number {
  return Math.exp(Math.max(-500, Math.min(500, deltaY)) * 0.002);
}

/** Move the window by a drag of dx pixels (dragging right shows earlier times). */
export function panBy(s: TimeScale, dx: number): TimeScale {
  const dt = (dx / s.width) * (s.end - s.start);
  return { ...s, start: s.start - dt, end: s.end - dt };
}

/** A window covering [start, end] with a margin of `pad` of its span on each side. */
export function fit(start: number, end: number, width: number, pad = 0.02): TimeScale {
  const span = Math.max(MIN_SPAN_MS, end - start);
  return { start: start - span * pad, end: start + span * (1 + pad), width };
}

const STEPS_MS = [
  1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

export interface Tick {
  readonly t: number;
  readonly x: number;
  readonly label: string;
}

/** Ticks at the smallest round step leaving at least `minPx` pixels between them. */
export function ticks(s: TimeScale, minPx = 90): Tick[] {
  const msPerPx = (s.end - s.start) / s.width;
  const step = STEPS_MS.find((st) => st / msPerPx >= minPx) ?? Math.ceil((minPx * msPerPx) / 86_400_000) * 86_400_000;
  const out: Tick[] = [];
  for (let t = Math.ceil(s.start / step) * step; t <= s.end; t += step) out.push({ t, x: xOf(s, t), label: tickLabel(t, step) });
  return out;
}

function tickLabel(t: number, step: number): string {
  const iso = new Date(t).toISOString();
  if (step >= 86_400_000) return iso.slice(0, 10);
  if (step >= 60_000) return t % 86_400_000 === 0 ? iso.slice(5, 10) : iso.slice(11, 16);
  return iso.slice(11, 19);
}
