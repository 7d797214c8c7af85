/** The escape-law part of "Beyond the paper": its blocks from a summary, the figure renders, the findings pass through. */
import test from 'ava';
import type { EscapeLawsConfig } from '../../toy2d/escape-config.ts';
import { ESCAPE_SWEEPS, sweepPoints } from '../../toy2d/escape-points.ts';
import { summarizeEscapeLaws, type MeasuredPoint } from '../../toy2d/escape-summary.ts';
import { renderSvg } from '../render/vega.ts';
import { beyondSection } from './beyond.ts';
import { escapeLawBlocks } from './escape-laws.ts';

const c: EscapeLawsConfig = {
  enabled: true,
  repeats: 50,
  horizon: 1000,
  lr: 0.0008,
  batch: 1,
  curvature: 1,
  barrier: 0.07,
  gldBarrier: 0.07,
  ratios: [
    { batch: 1, lr: 0.001 },
    { batch: 2, lr: 0.0008 },
    { batch: 3, lr: 0.0006 },
  ],
  curvatures: [0.8, 1, 1.2],
  barriers: [0.05, 0.07, 0.09],
  gldBarriers: [0.05, 0.07, 0.09],
};

/** Every point escapes at τ = 10·(point index + 1), except the GLD barrier sweep's last, which never escapes. */
function measured(): MeasuredPoint[] {
  const out: MeasuredPoint[] = [];
  let k = 0;
  for (const sweep of ESCAPE_SWEEPS) {
    for (const p of sweepPoints(c, sweep)) {
      k++;
      const never = sweep === 'gld-barrier' && p.barrier === 0.09;
      out.push({ point: p, times: new Float64Array(50).fill(never ? 1000 : 10 * k), escaped: new Uint8Array(50).fill(never ? 0 : 1) });
    }
  }
  return out;
}

test('the part: text citing both papers, a figure without the infinite point, the fits and every point', async (t) => {
  const s = summarizeEscapeLaws(c, measured());
  const { blocks, findings } = escapeLawBlocks({ table: s.table, fits: s.fits, findings: s.findings });
  t.is(findings.length, 4);
  const text = blocks.find((b) => b.type === 'text')!;
  t.regex(text.type === 'text' ? text.text : '', /Xie, Sato & Sugiyama \(ICLR 2021/);
  t.regex(text.type === 'text' ? text.text : '', /Mori, Ziyin, Liu & Ueda \(ICML 2022/);
  t.regex(text.type === 'text' ? text.text : '', /1 point with no escape/);
  // η·λ_max from 0.0006·200 (B = 3) to 0.001·200 (B = 1, s = 1); the slowest relaxation 1/(η·λ_min) from 1/(0.001·20) = 50
  t.regex(text.type === 'text' ? text.text : '', /η·λ_max 0\.120–0\.200 \(at most 0\.2, enforced by the config\)/);
  t.regex(text.type === 'text' ? text.text : '', /relaxes over 1\/\(η·λ_min\) = 50\.0–/);
  const fig = blocks.find((b) => b.type === 'figure');
  t.truthy(fig);
  if (fig?.type !== 'figure') return;
  t.is(fig.figure.data.length, s.table.length - 1);
  const svg = await renderSvg(fig.figure.spec, fig.figure.data, { onWarning: (m) => t.fail(m) });
  t.regex(svg, /<svg/);
  const points = blocks.find((b) => b.type === 'table' && b.table.id === 'beyond-escape-points');
  t.is(points?.type === 'table' ? points.table.rows.length : 0, s.table.length);
});

test('the findings table of "Beyond the paper" carries the escape-law rows', (t) => {
  const s = summarizeEscapeLaws(c, measured());
  const section = beyondSection(
    { escapeLaws: { table: s.table, fits: s.fits, findings: s.findings } },
    { lr: 0, iterations: 0, variance: 0, shapes: { repeats: 0, angles: 0, alphas: 0 } },
  );
  const findings = section?.blocks[0];
  t.is(findings?.type === 'table' ? findings.table.rows.length : 0, 4);
});
