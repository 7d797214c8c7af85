/** `sgd-noise dag`: the stage graph as text, Mermaid (`--mermaid`) or JSON; needs no cache. */
import type { Plan } from '../plan.ts';
import { noTargets, type Command } from './command.ts';

/** `dag`; see the module comment. */
export const dagCommand: Command = {
  cache: () => 'none',
  async run({ values, targets, plan, out, json }) {
    noTargets('dag', targets);
    if (values.json) json(dagJson(plan));
    else out(values.mermaid ? dagMermaid(plan) : dagText(plan));
    return 0;
  },
};

function dagJson(plan: Plan) {
  return {
    nodes: plan.order.map((id) => {
      const n = plan.nodes.get(id)!;
      return {
        instance: id,
        stage: n.stage.id,
        key: n.key,
        reads: n.reads,
        isolate: Boolean(n.stage.isolate),
        deps: n.deps,
        ...(n.point ? { point: n.point.values } : {}),
      };
    }),
    edges: plan.order.flatMap((id) => Object.values(plan.nodes.get(id)!.deps).map((from) => ({ from, to: id }))),
  };
}

function dagText(plan: Plan): string {
  return plan.order
    .map((id) => {
      const n = plan.nodes.get(id)!;
      const deps = [...new Set(Object.values(n.deps))];
      return `${id}${n.stage.isolate ? ' [child]' : ''}\n    ${n.stage.description}${n.point ? `\n    point: ${n.point.label}` : ''}\n    reads: ${n.reads.join(', ') || '-'}\n    after: ${deps.join(', ') || '-'}`;
    })
    .join('\n');
}

function dagMermaid(plan: Plan): string {
  const ids = new Map(plan.order.map((id, i) => [id, `n${i}`]));
  const lines = ['graph TD'];
  for (const id of plan.order) lines.push(`  ${ids.get(id)}["${id.replace(/"/g, '#quot;')}"]`);
  for (const id of plan.order) for (const dep of new Set(Object.values(plan.nodes.get(id)!.deps))) lines.push(`  ${ids.get(dep)} --> ${ids.get(id)}`);
  return lines.join('\n');
}
