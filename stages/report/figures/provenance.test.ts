import test from 'ava';
import type { CodeFacts } from '../../../pipeline/code-facts.ts';
import { renderMarkdown } from '../markdown.ts';
import { renderHtml } from '../render/html.ts';
import { provenanceSection } from './provenance.ts';

const COMMIT = '3f9a2c1d4e5f60718293a4b5c6d7e8f901234567';
const LOCK = 'ab'.repeat(32);

function summary(code: CodeFacts | undefined) {
  const doc = {
    title: 't',
    subtitle: 's',
    sections: [provenanceSection({ run: { profile: 'quick', overrides: [], ...(code ? { code } : {}) }, config: {}, lineage: [], versions: {} })],
  };
  return { md: renderMarkdown(doc), html: renderHtml(doc, new Map()) };
}

test('summary.md and index.html show the commit, short and full, the dirty flag and the lockfile hash', (t) => {
  const { md, html } = summary({ commit: COMMIT, dirty: true, lockfileSha256: LOCK });
  t.true(md.includes('### Code'), md);
  t.true(md.includes('| git commit | 3f9a2c1+dirty |'), md);
  t.true(md.includes(`| full commit | ${COMMIT} |`), md);
  t.true(md.includes('| working tree | dirty (uncommitted or untracked files) |'), md);
  t.true(md.includes(`| package-lock.json SHA-256 | ${LOCK} |`), md);
  for (const s of ['3f9a2c1+dirty', COMMIT, LOCK]) t.true(html.includes(s), s);
  t.true(summary({ commit: COMMIT, dirty: false, lockfileSha256: LOCK }).md.includes('| working tree | clean |'));
});

test('a run outside a git checkout says so, and nothing else is missing', (t) => {
  const { md } = summary({ commit: null, dirty: null, reason: 'not a git checkout', lockfileSha256: null });
  t.true(md.includes('| git commit | no git checkout |'), md);
  t.true(md.includes('| package-lock.json SHA-256 | no package-lock.json |'), md);
  t.false(md.includes('full commit'));
});

test('run facts without code (a caller of the runner outside the command line) add no code table', (t) => {
  t.false(summary(undefined).md.includes('### Code'));
});
