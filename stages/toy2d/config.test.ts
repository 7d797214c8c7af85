import test from 'ava';
import { toy2dPaper, toy2dSchema } from './config.ts';

test('the toy refuses the M-SGD kinds in toy2d.kinds and toy2d.shapes.kinds, naming the key; its own kinds pass', (t) => {
  t.true(toy2dSchema.safeParse(toy2dPaper).success);
  for (const kind of ['msgd_gaussian', 'msgd_bernoulli']) {
    const top = toy2dSchema.safeParse({ ...toy2dPaper, kinds: [...toy2dPaper.kinds, kind] });
    t.false(top.success);
    t.regex(top.error!.issues[0]!.message, new RegExp(`^toy2d\\.kinds: ${kind} is an M-SGD kind`));
    t.deepEqual(top.error!.issues[0]!.path, ['kinds', toy2dPaper.kinds.length]);
    const shapes = toy2dSchema.safeParse({ ...toy2dPaper, shapes: { ...toy2dPaper.shapes, kinds: [kind] } });
    t.false(shapes.success);
    t.regex(shapes.error!.issues[0]!.message, new RegExp(`^toy2d\\.shapes\\.kinds: ${kind}`));
  }
});
