/** Contour lines of a function sampled on a regular grid, as polylines in data coordinates (for Vega-Lite `line` marks). */
import type * as D3Contour from 'd3-contour';
import { lazyRequire } from '../../../pipeline/lazy-require.ts';

/** d3-contour, required on first use (an ES module; Node ≥ 20.19 requires those): importing a report module loads none. */
const loadD3Contour = lazyRequire<typeof D3Contour>('d3-contour');

/** A square or rectangular grid: axis coordinates and values with the first axis varying fastest. */
export interface Grid {
  x: readonly number[];
  y: readonly number[];
  values: readonly number[];
}

/** One vertex of a contour line: the threshold, which line it belongs to, its position along the line, and where it is. */
export interface ContourPoint {
  level: number;
  line: number;
  order: number;
  x: number;
  y: number;
}

/**
 * The contour lines of `grid` at `levels` (marching squares by d3-contour), cut where they run along the grid's border
 * (those edges are where the sampled region ends, not level sets). Grid points must be evenly spaced.
 */
export function contourLines(grid: Grid, levels: readonly number[]): ContourPoint[] {
  const nx = grid.x.length;
  const ny = grid.y.length;
  if (grid.values.length !== nx * ny) throw new Error(`contourLines: ${grid.values.length} values for a ${nx}×${ny} grid`);
  const dx = (grid.x[nx - 1]! - grid.x[0]!) / (nx - 1);
  const dy = (grid.y[ny - 1]! - grid.y[0]!) / (ny - 1);
  const out: ContourPoint[] = [];
  let line = 0;
  // d3-contour puts value i at coordinate i + 0.5; the ring parts outside [0.5, n − 0.5] follow the border.
  const inside = ([cx, cy]: number[]) => cx! >= 0.5 && cx! <= nx - 0.5 && cy! >= 0.5 && cy! <= ny - 0.5;
  for (const c of loadD3Contour()
    .contours()
    .size([nx, ny])
    .thresholds([...levels])([...grid.values])) {
    for (const polygon of c.coordinates) {
      for (const ring of polygon) {
        let order = 0;
        let open = false;
        for (const p of ring) {
          if (!inside(p)) {
            if (open) line++;
            open = false;
            continue;
          }
          if (!open) order = 0;
          open = true;
          out.push({ level: c.value, line, order: order++, x: grid.x[0]! + (p[0]! - 0.5) * dx, y: grid.y[0]! + (p[1]! - 0.5) * dy });
        }
        if (open) line++;
      }
    }
  }
  return out;
}
