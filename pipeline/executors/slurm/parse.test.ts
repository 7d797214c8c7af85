/**
 * The Slurm output parsers on outputs recorded from slurm-wlm 22.05 (Debian 12) on the test cluster (fixtures/; job
 * 5's WorkDir was edited to hold spaces), and on hand-made edge cases.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { isTerminal, parseExitCode, parseSbatchParsable, parseScontrolFields, parseScontrolJobs, parseSqueue, parseState } from './parse.ts';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

test('sbatch --parsable: an id, an id with a cluster, and no id', (t) => {
  t.is(parseSbatchParsable('42\n'), '42');
  t.is(parseSbatchParsable('42;cluster\n'), '42');
  t.is(parseSbatchParsable('sbatch: warning: something\n43\n'), '43');
  t.throws(() => parseSbatchParsable(''), { message: /printed no job id.*got ""/ });
  t.throws(() => parseSbatchParsable('Submitted batch job 7'), { message: /printed no job id/ });
});

test('squeue lines: state, reason (None dropped), array tasks, blank lines', (t) => {
  const jobs = parseSqueue(fixture('squeue.txt'));
  t.deepEqual([...jobs.keys()], ['4', '5', '3', '6', '7', '8_2']);
  t.deepEqual(jobs.get('4'), { jobId: '4', state: 'CANCELLED', source: 'squeue' });
  t.deepEqual(jobs.get('5'), { jobId: '5', state: 'PENDING', reason: 'Dependency', source: 'squeue' });
  t.is(jobs.get('7')!.state, 'COMPLETING');
  t.is(jobs.get('8_2')!.state, 'RUNNING');
  t.is(parseSqueue('9|PENDING|a|b').get('9')!.reason, 'a|b', 'a reason holding the separator is kept whole');
  t.is(parseSqueue('').size, 0);
  t.throws(() => parseSqueue('garbage'), { message: /unexpected squeue line "garbage"/ });
});

test('scontrol show job -o: completed, failed with 3, killed by signal 9, pending on a dependency', (t) => {
  const jobs = parseScontrolJobs(fixture('scontrol-show-job.txt'));
  t.deepEqual(jobs.get('1'), { jobId: '1', state: 'COMPLETED', exitCode: 0, source: 'scontrol' });
  t.deepEqual(jobs.get('2'), { jobId: '2', state: 'FAILED', reason: 'NonZeroExitCode', exitCode: 3, source: 'scontrol' });
  t.deepEqual(jobs.get('3'), { jobId: '3', state: 'FAILED', reason: 'JobLaunchFailure', exitCode: 0, signal: 9, source: 'scontrol' });
  t.deepEqual(jobs.get('5'), { jobId: '5', state: 'PENDING', reason: 'Dependency', source: 'scontrol' }, 'no exit code before the end');
  t.is(parseScontrolJobs('No jobs in the system\n').size, 0);
});

test('scontrol fields: keys with : and /, values with spaces and =, empty values', (t) => {
  const line = fixture('scontrol-show-job.txt').split('\n')[3]!;
  const f = parseScontrolFields(line);
  t.is(f.get('WorkDir'), '/tmp/my dir with spaces');
  t.is(f.get('StdOut'), '/tmp/my dir with spaces/w.out');
  t.is(f.get('AllocNode:Sid'), 'localhost:30652');
  t.is(f.get('CPUs/Task'), '1');
  t.is(f.get('TRES'), 'cpu=1,mem=10M,node=1,billing=1');
  t.is(f.get('Dependency'), 'afterok:4(unfulfilled)');
  t.is(f.get('NodeList'), '');
  t.is(f.get('Power'), '');
});

test('array tasks from scontrol are keyed as squeue names them', (t) => {
  const jobs = parseScontrolJobs('JobId=11 ArrayJobId=10 ArrayTaskId=1 JobName=a JobState=COMPLETED Reason=None ExitCode=0:0');
  t.is(jobs.get('10_1')!.state, 'COMPLETED');
  t.is(jobs.get('11')!.jobId, '11');
});

test('states and exit codes', (t) => {
  t.deepEqual(parseState('CANCELLED by 0'), { state: 'CANCELLED' });
  t.deepEqual(parseState('COMPLETED+'), { state: 'COMPLETED' });
  t.deepEqual(parseState('WEIRD'), { state: 'UNKNOWN', rawState: 'WEIRD' });
  t.true(isTerminal('TIMEOUT'));
  t.false(isTerminal('COMPLETING'));
  t.false(isTerminal('UNKNOWN'));
  t.deepEqual(parseExitCode('3:0'), { exitCode: 3 });
  t.deepEqual(parseExitCode('0:15'), { exitCode: 0, signal: 15 });
  t.deepEqual(parseExitCode('junk'), {});
});
