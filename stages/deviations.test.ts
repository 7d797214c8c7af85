import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import project from '../pipeline.config.ts';
import { getPath } from '../pipeline/config.ts';
import { resolveConfig } from '../pipeline/project.ts';
import { DEVIATIONS, applicableDeviations, claimDeviations, deviationsMarkdown, reproducesCode } from './deviations.ts';
import { judgeClaims } from './report/figures/claims.ts';

const DOC = new URL('../docs/deviations.md', import.meta.url);
const BEGIN = '<!-- deviations:begin -->';
const END = '<!-- deviations:end -->';

const reader = (profile: string) => {
  const { config } = resolveConfig(project, profile, []);
  return (p: string) => getPath(config, p);
};

test('docs/deviations.md shows the deviations table as stages/deviations.ts has it', (t) => {
  const text = readFileSync(DOC, 'utf8');
  const [head, rest] = text.split(BEGIN);
  const [, tail] = rest!.split(END);
  const expected = `${head}${BEGIN}\n${deviationsMarkdown()}\n${END}${tail}`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(DOC, expected);
  t.is(text, expected);
});

test('paper-code reproduces every row that has keys; paper follows the code exactly where the paper is silent', (t) => {
  const code = reader('paper-code');
  const paper = reader('paper');
  for (const d of DEVIATIONS.filter((r) => r.reproduce.length > 0)) t.true(reproducesCode(d, code), d.id);
  const following = DEVIATIONS.filter((d) => reproducesCode(d, paper)).map((d) => d.id);
  t.deepEqual(following, ['cifar10-data', 'vgg-iterations', 'fashion-top1-eigvec', 'fashion-pretrain']);
  t.false(reproducesCode(DEVIATIONS.find((d) => d.id === 'toy-covariance')!, paper), 'paper keeps the correct toy covariance');
});

test('rows apply only where their experiment runs; ids are unique and every claim names known rows', (t) => {
  const ids = DEVIATIONS.map((d) => d.id);
  t.is(new Set(ids).size, ids.length);
  const quick = applicableDeviations(reader('quick')).map((d) => d.id);
  t.false(
    quick.some((id) => id.startsWith('vgg') || id.startsWith('cifar10')),
    'SVHN and CIFAR-10 are off in quick',
  );
  t.true(quick.includes('toy-covariance'));
  t.is(applicableDeviations(reader('paper')).length, DEVIATIONS.length);
  for (const c of judgeClaims({})) for (const id of claimDeviations(c.id)) t.true(ids.includes(id), `${c.id} → ${id}`);
});
