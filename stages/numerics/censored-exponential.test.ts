import test from 'ava';
import { censoredExponential } from './censored-exponential.ts';
import { Rng } from './random.ts';

/** n exponential times of rate λ censored at horizon c. */
function draw(rng: Rng, n: number, rate: number, c: number): { times: number[]; escaped: number[] } {
  const times: number[] = [];
  const escaped: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = -Math.log(1 - rng.uniform()) / rate;
    times.push(Math.min(t, c));
    escaped.push(t <= c ? 1 : 0);
  }
  return { times, escaped };
}

test('the MLE is escapes / time at risk; censored runs count their horizon, not dropped', (t) => {
  const e = censoredExponential([10, 30, 5], [1, 0, 1], [100, 30, 100]);
  t.is(e.escapes, 2);
  t.is(e.censored, 1);
  t.is(e.timeAtRisk, 45);
  t.is(e.rate, 2 / 45);
  t.is(e.tau, 22.5);
  t.true(e.tauLower < 22.5 && e.tauUpper > 22.5);
});

test('the interval ends satisfy the likelihood-ratio equation 2(ℓ(λ̂) − ℓ(λ)) = 3.8415', (t) => {
  const e = censoredExponential([1, 2, 3, 4], [1, 1, 1, 0], 4);
  const ll = (l: number) => e.escapes * Math.log(l) - l * e.timeAtRisk;
  for (const l of [e.rateLower, e.rateUpper]) t.true(Math.abs(2 * (ll(e.rate) - ll(l)) - 3.841459) < 1e-5);
  t.true(e.rateLower < e.rate && e.rate < e.rateUpper);
});

test('synthetic exponential times with censoring: the estimate is near the true mean', (t) => {
  const rng = new Rng(11);
  const { times, escaped } = draw(rng, 4000, 0.01, 40); // about 33% escape by 40
  const e = censoredExponential(times, escaped, 40);
  t.true(e.censored > 2000, 'most runs are censored');
  t.true(Math.abs(e.tau - 100) / 100 < 0.08, `τ̂ = ${e.tau}`);
  t.true(e.tauLower < 100 && 100 < e.tauUpper);
  // dropping the censored runs instead would be badly biased: the mean of the observed times is below 25
  const observed = times.filter((_, i) => escaped[i]);
  t.true(observed.reduce((a, b) => a + b, 0) / observed.length < 25);
});

test('coverage of the 95% interval on repeated censored draws is 95% within a binomial tolerance', (t) => {
  const rng = new Rng(5);
  const draws = 1000;
  let covered = 0;
  for (let k = 0; k < draws; k++) {
    const { times, escaped } = draw(rng, 40, 0.02, 50); // ~63% escape
    const e = censoredExponential(times, escaped, 50);
    if (e.rateLower <= 0.02 && 0.02 <= e.rateUpper) covered++;
  }
  const sd = Math.sqrt(draws * 0.95 * 0.05);
  t.true(Math.abs(covered - 0.95 * draws) < 3.5 * sd, `covered ${covered} of ${draws}`);
});

test('a 50% interval covers about half the time (the level is honoured, not just wide)', (t) => {
  const rng = new Rng(6);
  const draws = 1000;
  let covered = 0;
  for (let k = 0; k < draws; k++) {
    const { times, escaped } = draw(rng, 40, 0.02, 50);
    const e = censoredExponential(times, escaped, 50, 0.5);
    if (e.rateLower <= 0.02 && 0.02 <= e.rateUpper) covered++;
  }
  const sd = Math.sqrt(draws * 0.25);
  t.true(Math.abs(covered - 0.5 * draws) < 3.5 * sd, `covered ${covered} of ${draws}`);
});

test('no escapes: τ̂ and its upper end are infinite, the rate interval is one-sided [0, 1.92/T]', (t) => {
  const e = censoredExponential([100, 100, 100], [0, 0, 0], 100);
  t.is(e.escapes, 0);
  t.is(e.rate, 0);
  t.is(e.rateLower, 0);
  t.true(Math.abs(e.rateUpper - 3.841459 / 2 / 300) < 1e-8);
  t.is(e.tau, Number.POSITIVE_INFINITY);
  t.is(e.tauUpper, Number.POSITIVE_INFINITY);
  t.true(Math.abs(e.tauLower - 300 / 1.9207295) < 1e-3);
});

test('bad input is refused with the run named', (t) => {
  t.throws(() => censoredExponential([1], [1, 0], 10), { message: /1 times but 2/ });
  t.throws(() => censoredExponential([20], [1], 10), { message: /run 0 escaped at 20/ });
  t.throws(() => censoredExponential([], [], 10), { message: /no runs/ });
});
