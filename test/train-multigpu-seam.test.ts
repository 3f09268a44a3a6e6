// The seam for data-parallel training: the loader's (rank, worldSize) shards and the
// gradient-reduction hook the trainer calls between backward and the optimizer step.
import t from 'tap';
import { generatePhantoms } from '../lib/data/phantom';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { DataLoader } from '../lib/train/loader';
import { Trainer } from '../lib/train/trainer';
import type { Tensor } from '../lib/tensor';

const samples = generatePhantoms({ count: 11, size: 32, seed: 5 });

t.test('the shards of one epoch are disjoint and cover the data, for each world size', async (t) => {
  for (const worldSize of [1, 2, 3, 4]) {
    for (const epoch of [0, 1]) {
      const seen: number[] = [];
      const sizes: number[] = [];
      for (let rank = 0; rank < worldSize; rank++) {
        const loader = new DataLoader(samples, { batchSize: 2, imageSize: 32, seed: 9, prefetch: 0, shard: { rank, worldSize } });
        const mine: number[] = [];
        for await (const b of loader.batches(epoch)) mine.push(...b.indices);
        t.equal(mine.length, loader.shardSize, `world ${worldSize} rank ${rank}: shardSize`);
        t.equal(loader.length, Math.ceil(loader.shardSize / 2), `world ${worldSize} rank ${rank}: batches`);
        seen.push(...mine);
        sizes.push(mine.length);
        await loader.close();
      }
      t.equal(new Set(seen).size, seen.length, `world ${worldSize} epoch ${epoch}: disjoint`);
      t.same([...seen].sort((a, b) => a - b), samples.map((_, i) => i), `world ${worldSize} epoch ${epoch}: cover every sample`);
      t.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `world ${worldSize}: sizes ${sizes} differ by at most one`);
    }
  }
  const whole = new DataLoader(samples, { batchSize: 2, imageSize: 32, seed: 9, prefetch: 0 });
  t.same(whole.shardOrder(3), whole.order(3), 'no shard option: the whole epoch');
  t.throws(() => new DataLoader(samples, { batchSize: 2, imageSize: 32, shard: { rank: 2, worldSize: 2 } }),
    { message: 'Expected an integer from 0 to 1 for options.shard.rank but received 2' });
  t.throws(() => new DataLoader(samples, { batchSize: 2, imageSize: 32, shard: { rank: 0, worldSize: 0 } }),
    { message: 'Expected an integer >= 1 for options.shard.worldSize but received 0' });
});

t.test('reduceGradients runs once per step, after backward and before the optimizer step', async (t) => {
  const model = FTMTLNet.create({ imageSize: 32, seed: 1 });
  const calls: { gradsPresent: boolean; weight: number }[] = [];
  const probe = model.stem.conv.weight;
  const trainer = new Trainer(model, samples.slice(0, 8), null, {
    epochs: 2, batchSize: 4, lr: 1e-3, progress: 'none', prefetch: 0, augment: false,
    reduceGradients: (params: readonly Tensor[]) => {
      calls.push({ gradsPresent: params.every((p) => p.grad !== null), weight: probe.data[0] });
    },
  });
  const before = probe.data[0];
  const r = await trainer.fit();
  t.equal(calls.length, 2 * trainer.stepsPerEpoch, `one call per step (${calls.length})`);
  t.equal(r.recoveries, 0);
  t.ok(calls.every((c) => c.gradsPresent), 'every parameter has its gradient when the hook runs');
  t.equal(calls[0].weight, before, 'the first call comes before the first optimizer step');
  t.not(calls[1].weight, before, 'the second call sees the first step applied');
});
