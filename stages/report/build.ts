/** Builds the report document from the summary stages' cached outputs (never from anything it recomputes). */
import type { LineageEntry, RunFacts } from '../../pipeline/stage.ts';
import type { ReportDocument, ReportSection } from './document.ts';
import type { BatchSummary } from './figures/batch-size.ts';
import { beyondSection, type BeyondProtocol, type ShapesSummary, type Spectrum, type TailIndex } from './figures/beyond.ts';
import { claimsSection, judgeClaims, type Claim, type ClaimInputs } from './figures/claims.ts';
import { fashionOutcomes, fashionSection, type FashionSummary } from './figures/fashion.ts';
import { imageSection, type ImageSummary } from './figures/images.ts';
import { oneHiddenSection, type OneHiddenProtocol, type OneHiddenSummary } from './figures/onehidden.ts';
import { provenanceSection } from './figures/provenance.ts';
import { theoryAtHorizon, theoryRows, theorySection, type FashionTheory } from './figures/theory.ts';
import { toy2dSection, type Toy2dProtocol, type Toy2dSummary } from './figures/toy2d.ts';

/** The cached outputs the report reads, typed by their stages' declarations; an experiment switched off is absent. */
export interface ReportInputs {
  toy2d?: Toy2dSummary;
  /** `toy2d.shapesSummary` (beyond the paper: noise shapes against escape). */
  toy2dShapes?: ShapesSummary;
  /** `fashion.tailIndex[seed]` outputs in seed order (beyond the paper). */
  tailIndex?: TailIndex[];
  /** `fashion.spectrum[seed]` outputs in seed order (beyond the paper). */
  spectrum?: Spectrum[];
  /** `fashion.batchSummary` (beyond the paper: SGD's batch size). */
  batchSize?: BatchSummary;
  onehidden?: OneHiddenSummary;
  fashion?: FashionSummary;
  /** `fashion.theory[seed]` outputs in seed order. */
  theory?: FashionTheory[];
  svhn?: ImageSummary;
  cifar10?: ImageSummary;
}

/** Facts for the title and the provenance section. */
export interface ReportFacts {
  title: string;
  run: RunFacts;
  backend: string;
  config: Record<string, unknown>;
  lineage: readonly LineageEntry[];
  versions: Record<string, string>;
  /** Number of Fashion-MNIST training images (for the claims' wording). */
  fashionTrainImages: number | null;
  /** Inputs absent because their upstream failed or was skipped in this run (default none). */
  missing?: readonly { input: string; instance: string }[];
}

/** The document and the judged claims (also stored as their own output). */
export function buildReport(inputs: ReportInputs, facts: ReportFacts): { doc: ReportDocument; claims: Claim[] } {
  const claimInputs: ClaimInputs = {};
  if (inputs.toy2d) claimInputs.toy2d = inputs.toy2d.table;
  if (inputs.onehidden) claimInputs.oneHiddenRatios = inputs.onehidden.perEpoch.map((r) => r.ratio);
  if (inputs.fashion) {
    claimInputs.fashion = { starts: inputs.fashion.start, outcomes: fashionOutcomes(inputs.fashion), trainImages: facts.fashionTrainImages };
  }
  if (inputs.theory?.length) {
    claimInputs.theory = theoryAtHorizon(theoryRows(inputs.theory)).map((r) => ({ kind: r.kind, traceHSigma: r.traceHSigma, noiseInduced: r.noiseInduced }));
  }
  claimInputs.images = (['svhn', 'cifar10'] as const).flatMap((ds) => (inputs[ds] ? [{ ds, rows: inputs[ds]!.table }] : []));
  const claims = judgeClaims(claimInputs);

  const sections: ReportSection[] = [claimsSection(claims, facts.run.profile)];
  const missing = facts.missing ?? [];
  if (missing.length) sections.push(missingSection(missing));
  if (inputs.toy2d) sections.push(toy2dSection(inputs.toy2d, facts.config.toy2d as Toy2dProtocol));
  if (inputs.onehidden) sections.push(oneHiddenSection(inputs.onehidden, facts.config.onehidden as OneHiddenProtocol));
  if (inputs.fashion) sections.push(fashionSection(inputs.fashion));
  if (inputs.theory?.length) sections.push(theorySection(inputs.theory));
  if (inputs.svhn) sections.push(imageSection('svhn', inputs.svhn));
  if (inputs.cifar10) sections.push(imageSection('cifar10', inputs.cifar10));
  const beyond = beyondSection(
    { shapes: inputs.toy2dShapes, fashion: inputs.fashion?.table && inputs.fashion.table.some((r) => r.kind === 'gld_full') ? inputs.fashion : undefined, theory: inputs.theory, tailIndex: inputs.tailIndex, spectrum: inputs.spectrum, batchSize: inputs.batchSize },
    facts.config.toy2d as BeyondProtocol,
  );
  if (beyond) sections.push(beyond);
  sections.push(provenanceSection({ run: facts.run, config: facts.config, lineage: facts.lineage, versions: facts.versions }));
  const overrides = facts.run.overrides.length ? `, overrides ${facts.run.overrides.join(' ')}` : '';
  const incomplete = missing.length ? ` Incomplete: ${missing.map((m) => m.instance).join(', ')} did not run (see “Missing from this report”).` : '';
  return {
    doc: { title: facts.title, subtitle: `Profile ${facts.run.profile}${overrides}; backend ${facts.backend}. Rendered from cached stage outputs only.${incomplete}`, sections },
    claims,
  };
}

/** A section naming the experiments left out because an upstream stage failed or was skipped in this run. */
function missingSection(missing: readonly { input: string; instance: string }[]): ReportSection {
  return {
    id: 'missing',
    title: 'Missing from this report',
    blocks: [
      {
        type: 'text',
        text: `This run could not compute ${missing.map((m) => `\`${m.instance}\``).join(', ')}: a stage upstream of ${missing.length === 1 ? 'it' : 'them'} failed (the run's log and \`sgd-noise status\` say which, and why). Their sections and claims are left out; the claims table marks them "not run". Once the cause is fixed (for a dataset that could not be had, see the README's set-up section), \`npm start\` computes only what is missing and renders the complete report.`,
      },
    ],
  };
}
