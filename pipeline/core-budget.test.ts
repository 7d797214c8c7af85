import test from 'ava';
import { CoreBudget, GpuBudget, type CoreGrant, type GpuGrant } from './core-budget.ts';

test('an instance alone gets the cores it can use, up to the budget', async (t) => {
  const budget = new CoreBudget(4);
  const a = await budget.acquire(3);
  t.is(a.cores, 3);
  t.is(budget.idle, 1);
  const b = await budget.acquire(8);
  t.is(b.cores, 1, 'only what is idle');
  a.release();
  b.release();
  t.is(budget.idle, 4);
});

test('instances that become ready together get one core each: no extras while anyone waits', async (t) => {
  const budget = new CoreBudget(2);
  const grants = await Promise.all([budget.acquire(2), budget.acquire(2)]);
  t.deepEqual(
    grants.map((g) => g.cores),
    [1, 1],
  );
  for (const g of grants) g.release();
});

test('waiters are served first-come first-served as cores come back, and release is idempotent', async (t) => {
  const budget = new CoreBudget(1);
  const first = await budget.acquire(1);
  const order: string[] = [];
  const second = budget.acquire(1).then((g) => (order.push('second'), g));
  const third = budget.acquire(1).then((g) => (order.push('third'), g));
  first.release();
  first.release();
  const g2 = await second;
  t.is(budget.idle, 0, 'a double release gave nothing extra');
  g2.release();
  (await third).release();
  t.deepEqual(order, ['second', 'third']);
  t.is(budget.idle, 1);
});

test('waiters of higher priority go first; extras are taken past lower-priority waiters only', async (t) => {
  const budget = new CoreBudget(2);
  const a = await budget.acquire(1);
  const b = await budget.acquire(1);
  const order: string[] = [];
  const low = budget.acquire(1, undefined, 1).then((g) => (order.push('low'), g));
  const high = budget.acquire(2, undefined, 5).then((g) => (order.push('high'), g));
  a.release();
  const gHigh = await high;
  t.is(gHigh.cores, 1, 'nothing idle yet');
  b.release();
  const gLow = await low;
  t.deepEqual(order, ['high', 'low']);
  gHigh.release();
  gLow.release();
  // a critical instance takes the idle core although a lower-priority one waits
  const held = await budget.acquire(1);
  const lowWaiting = budget.acquire(1, undefined, 0);
  const critical = budget.acquire(2, undefined, 9);
  held.release();
  const gCritical = await critical;
  t.is(gCritical.cores, 1);
  gCritical.release();
  (await lowWaiting).release();
  const alone = await budget.acquire(2, undefined, 9);
  const lowLater = budget.acquire(1, undefined, 0);
  t.is(alone.cores, 2, 'took both before the low-priority one queued');
  alone.release();
  (await lowLater).release();
  t.is(budget.idle, 2);
});

test('instances that become ready together start by priority, whoever asked first', async (t) => {
  const budget = new CoreBudget(2);
  const order: number[] = [];
  const priorities = [1, 5, 3, 9];
  const asks = priorities.map((p) => budget.acquire(1, undefined, p).then((g) => (order.push(p), g)));
  const [g9, g5] = await Promise.all([asks[3]!, asks[1]!]);
  t.deepEqual(order, [9, 5], 'the two highest got the two cores');
  g9!.release();
  g5!.release();
  for (const g of await Promise.all(asks)) g.release();
  t.deepEqual(order, [9, 5, 3, 1]);
  t.is(budget.idle, 2);
});

test('an aborted waiter leaves the line without taking a core', async (t) => {
  const budget = new CoreBudget(1);
  const held = await budget.acquire(1);
  const controller = new AbortController();
  const waiting = budget.acquire(1, controller.signal);
  controller.abort(new Error('stop'));
  await t.throwsAsync(waiting, { message: 'stop' });
  held.release();
  t.is(budget.idle, 1);
});

test('under random demand the cores held never exceed the budget and all come back', async (t) => {
  const total = 3;
  const budget = new CoreBudget(total);
  let held = 0;
  let peak = 0;
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const work = async () => {
    const g: CoreGrant = await budget.acquire(1 + Math.floor(rand() * 4));
    held += g.cores;
    peak = Math.max(peak, held);
    t.true(held <= total, `held ${held} of ${total}`);
    await new Promise((r) => setTimeout(r, Math.floor(rand() * 5)));
    held -= g.cores;
    g.release();
  };
  await Promise.all(Array.from({ length: 60 }, work));
  t.is(budget.idle, total);
  t.true(peak > 1);
});

test('bad arguments are refused', (t) => {
  t.throws(() => new CoreBudget(0), { message: /integer ≥ 1/ });
  return t.throwsAsync(new CoreBudget(2).acquire(0), { message: /want must be an integer ≥ 1/ });
});

test('GPUs: a request waits until as many are free as it needs, and takes exactly those', async (t) => {
  const gpus = new GpuBudget(2);
  const one = await gpus.acquire(1);
  t.is(one.gpus, 1);
  t.is(gpus.idle, 1);
  const order: string[] = [];
  const two = gpus.acquire(2).then((g) => (order.push('two'), g));
  const small = gpus.acquire(1).then((g) => (order.push('small'), g));
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  t.deepEqual(order, [], 'the request for 2 waits, and the one behind it does not overtake it although 1 is free');
  one.release();
  one.release();
  const g2 = await two;
  t.is(g2.gpus, 2);
  t.is(gpus.idle, 0);
  g2.release();
  (await small).release();
  t.deepEqual(order, ['two', 'small']);
  t.is(gpus.idle, 2, 'a double release gave nothing extra');
});

test('GPUs: zero is granted at once; more than the budget, a bad count and an abort are refused', async (t) => {
  const gpus = new GpuBudget(1);
  const held = await gpus.acquire(1);
  t.is((await gpus.acquire(0)).gpus, 0, 'a CPU-only instance never waits for a GPU');
  await t.throwsAsync(gpus.acquire(2), { message: 'needs 2 GPU(s) but the budget has 1' });
  await t.throwsAsync(gpus.acquire(1.5), { message: /want must be an integer ≥ 0/ });
  const controller = new AbortController();
  const waiting = gpus.acquire(1, controller.signal);
  controller.abort(new Error('stop'));
  await t.throwsAsync(waiting, { message: 'stop' });
  held.release();
  await new Promise((r) => setImmediate(r));
  t.is(gpus.idle, 1, 'the aborted waiter took nothing');
  t.throws(() => new GpuBudget(-1), { message: /integer ≥ 0/ });
  await t.throwsAsync(new GpuBudget(0).acquire(1), { message: 'needs 1 GPU(s) but the budget has 0' });
});

test('GPUs: waiters that ask together are served by priority', async (t) => {
  const gpus = new GpuBudget(1);
  const order: number[] = [];
  const asks = [1, 9, 5].map((p) => gpus.acquire(1, undefined, p).then((g) => (order.push(p), g)));
  (await asks[1]!).release();
  t.deepEqual(order, [9], 'the highest got the one GPU');
  (await asks[2]!).release();
  (await asks[0]!).release();
  t.deepEqual(order, [9, 5, 1]);
});

test('GPUs then cores, in that order, never deadlock and never exceed either budget under random demand', async (t) => {
  const cores = new CoreBudget(2);
  const gpus = new GpuBudget(2);
  let heldCores = 0;
  let heldGpus = 0;
  let seed = 11;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const work = async () => {
    const gWant = Math.floor(rand() * 3);
    const g: GpuGrant = await gpus.acquire(gWant);
    const c: CoreGrant = await cores.acquire(1 + Math.floor(rand() * 2));
    heldCores += c.cores;
    heldGpus += g.gpus;
    t.true(heldCores <= 2 && heldGpus <= 2, `held ${heldCores} cores, ${heldGpus} GPUs`);
    await new Promise((r) => setTimeout(r, Math.floor(rand() * 4)));
    heldCores -= c.cores;
    heldGpus -= g.gpus;
    c.release();
    g.release();
  };
  await Promise.all(Array.from({ length: 60 }, work));
  await new Promise((r) => setImmediate(r));
  t.is(cores.idle, 2);
  t.is(gpus.idle, 2);
});
