/** Builds the report document from the summary stages' cached outputs (never from anything it recomputes). */
import type { LineageEntry, RunFacts } from '../../pipeline/stage.ts';
import type { BeyondPart, Experiment } from '../experiment.ts';
import { EXPERIMENTS } from '../experiments.ts';
import type { ReportDocument, ReportSection } from './document.ts';
import type { ReportInputs } from './inputs.ts';
import { beyondSection, type BeyondProtocol } from './figures/beyond.ts';
import { claimsSection, judgeClaims, type Claim, type ClaimInputs } from './figures/claims.ts';
import { provenanceSection } from './figures/provenance.ts';

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

/**
 * The facts of one run's report from its configuration (`read` by dotted path), as the report stage and `report
 * --compare` both give them: the title, the backend, the config slice the report reads (`seed`, `backend`, each
 * experiment's section, `report`) and the Fashion-MNIST training size when that experiment gave inputs.
 */
export function reportFacts(
  experiments: readonly Experiment[],
  read: <T = unknown>(path: string) => T,
  o: Pick<ReportFacts, 'run' | 'lineage' | 'versions' | 'missing'> & { hasFashion: boolean },
): ReportFacts {
  const keys = ['seed', 'backend', ...experiments.map((e) => e.name), 'report'];
  return {
    title: read<string>('report.title'),
    run: o.run,
    backend: read<string>('backend'),
    config: Object.fromEntries(keys.map((k) => [k, read(k)])),
    lineage: o.lineage,
    versions: o.versions,
    fashionTrainImages: o.hasFashion ? read<number>('fashion.data.train') : null,
    ...(o.missing === undefined ? {} : { missing: o.missing }),
  };
}

/** Joins experiments' parts of one record: arrays are concatenated in list order, anything else is set. */
function joinParts<T extends object>(parts: readonly (T | undefined)[]): T {
  const out: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [k, v] of Object.entries(part ?? {})) {
      if (v === undefined) continue;
      const have = out[k];
      out[k] = Array.isArray(have) && Array.isArray(v) ? [...(have as unknown[]), ...(v as unknown[])] : v;
    }
  }
  return out as T;
}

/** The document and the judged claims (also stored as their own output), from `experiments`' report parts (default: sgd-noise's). */
export function buildReport(
  inputs: ReportInputs,
  facts: ReportFacts,
  experiments: readonly Experiment[] = EXPERIMENTS,
): { doc: ReportDocument; claims: Claim[] } {
  const parts = experiments.flatMap((e) => (e.report ? [e.report] : []));
  const claims = judgeClaims(joinParts<ClaimInputs>(parts.map((r) => r.claims?.(inputs, facts))));

  const sections: ReportSection[] = [claimsSection(claims, facts.run.profile)];
  const missing = facts.missing ?? [];
  if (missing.length) sections.push(missingSection(missing));
  for (const r of parts) sections.push(...r.sections(inputs, facts.config));
  const { protocol, ...beyondInputs } = joinParts<BeyondPart>(parts.map((r) => r.beyond?.(inputs, facts.config)));
  // The protocol comes with the shapes (the only part that quotes it).
  const beyond = beyondSection(beyondInputs, protocol as BeyondProtocol);
  if (beyond) sections.push(beyond);
  sections.push(provenanceSection({ run: facts.run, config: facts.config, lineage: facts.lineage, versions: facts.versions }));
  const overrides = facts.run.overrides.length ? `, overrides ${facts.run.overrides.join(' ')}` : '';
  const incomplete = missing.length ? ` Incomplete: ${missing.map((m) => m.instance).join(', ')} did not run (see “Missing from this report”).` : '';
  return {
    doc: {
      title: facts.title,
      subtitle: `Profile ${facts.run.profile}${overrides}; backend ${facts.backend}. Rendered from cached stage outputs only.${incomplete}`,
      sections,
    },
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
