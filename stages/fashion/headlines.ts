/**
 * Fashion-MNIST's headline numbers (pipeline/headlines.ts), from the cached `fashion.summary` through the report's own
 * reader (`fashionOutcomes`): per dynamics the final test accuracy (mean over seeds), the training-loss rise from the
 * sharp minimum (final / start) and at its peak over the run, and Tr(HΣ) at the sharp minimum.
 */
import { readOutputs } from '../../pipeline/outputs.ts';
import type { ExperimentHeadlines } from '../experiment.ts';
import { fashionOutcomes, type FashionOutcome } from '../report/figures/fashion.ts';
import { kindLabel } from '../report/render/theme.ts';
import { fashionSummaryOutputs } from './outputs.ts';

/** The numbers per dynamics: id segment, label, the group `sgd-noise runs` shows, and where the outcome has it. */
const PER_KIND: readonly { id: string; label: string; brief: string; value: (o: FashionOutcome) => number | null }[] = [
  { id: 'testAccuracy', label: 'final test accuracy', brief: 'test acc', value: (o) => o.testAccuracy?.mean ?? null },
  { id: 'lossRise', label: 'training loss rise (final / start)', brief: 'loss rise', value: (o) => o.lossRise },
  { id: 'peakLossRise', label: 'training loss rise at its peak (largest logged / start)', brief: 'peak rise', value: (o) => o.peakLossRise },
  { id: 'traceHSigma', label: 'Tr(HΣ) at the sharp minimum', brief: 'Tr(HΣ) start', value: (o) => o.traceHSigmaAtStart },
];

/** `fashion.summary` → the metrics above for every configured kind (null where the summary is not cached). */
export const fashionHeadlines: ExperimentHeadlines = {
  stages: ['fashion.summary'],
  metrics(outputs, cfg) {
    const cached = outputs['fashion.summary'];
    const outcomes = cached ? fashionOutcomes(readOutputs(fashionSummaryOutputs, cached, 'fashion.summary')) : [];
    const kinds = cfg<string[]>('fashion.dynamics.kinds');
    return PER_KIND.flatMap((m) =>
      kinds.map((kind) => {
        const o = outcomes.find((x) => x.kind === kind);
        return { id: `fashion.${m.id}.${kind}`, label: `Fashion-MNIST ${m.label}, ${kindLabel(kind)}`, value: o ? m.value(o) : null, brief: m.brief };
      }),
    );
  },
};
