/** The Markdown summary of a run: what was computed, from which configuration, under which cache keys. */

/** One upstream artifact the summary cites. */
export interface CitedStage {
  input: string;
  instance: string;
  key: string;
}

/** Everything the summary shows; plain data so the renderer is a pure function. */
export interface SummaryInput {
  title: string;
  config: Record<string, unknown>;
  stages: CitedStage[];
  versions: Record<string, string>;
}

/** Renders the summary as Markdown. */
export function renderSummary(input: SummaryInput): string {
  const lines = [`# ${input.title}`, '', '## Configuration', '', '| key | value |', '|---|---|'];
  for (const [k, v] of Object.entries(input.config)) lines.push(`| \`${k}\` | \`${JSON.stringify(v)}\` |`);
  lines.push('', '## Stages', '');
  if (input.stages.length === 0) lines.push('No experiment stages are registered yet.');
  else {
    lines.push('| input | stage instance | cache key |', '|---|---|---|');
    for (const s of input.stages) lines.push(`| ${s.input} | \`${s.instance}\` | \`${s.key.slice(0, 16)}\` |`);
  }
  lines.push('', '## Software', '', '| package | version |', '|---|---|');
  for (const [k, v] of Object.entries(input.versions)) lines.push(`| ${k} | ${v} |`);
  return `${lines.join('\n')}\n`;
}
