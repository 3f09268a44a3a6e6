import t from 'tap';
import { Tensor } from '../lib/tensor';
import { nativeCore } from '../lib/native';
import { compareClose } from './support/check';

t.test('Tensor.from copies into an aligned native buffer', (t) => {
  const src = new Float32Array([1, 2, 3, 4, 5, 6]);
  const x = Tensor.from(src, [2, 3]);
  t.same([...x.shape], [2, 3]);
  t.ok(nativeCore().isAligned(x.data), 'data is 64-byte aligned');
  src[0] = 99;
  t.equal(x.data[0], 1, 'copy, not a view');
  t.same([...x.toFloat32Array()], [1, 2, 3, 4, 5, 6]);
  t.end();
});

t.test('Tensor.from rejects bad input with exact messages', (t) => {
  t.throws(() => Tensor.from([1, 2] as unknown, [2]), new TypeError('Expected a Float32Array for data but received an array of length 2'));
  t.throws(() => Tensor.from(new Float64Array(2), [2]), new TypeError('Expected a Float32Array for data but received Float64Array(2)'));
  t.throws(() => Tensor.from(new Float32Array(5), [2, 3]), new RangeError('Expected length 6 (the product of shape [2, 3]) for data but received length 5'));
  t.throws(() => Tensor.from(new Float32Array(0), [0]), new RangeError('Expected positive integer sizes for shape but received [0]'));
  t.throws(() => Tensor.from(new Float32Array(2), [-2]), new RangeError('Expected positive integer sizes for shape but received [-2]'));
  t.throws(() => Tensor.from(new Float32Array(2), [2], { device: 'cuda' }), /device 'cuda' is not available: /);
  t.end();
});

t.test('ndarray interop shares memory when contiguous', (t) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ndarray = require('ndarray');
  const data = new Float32Array([1, 2, 3, 4, 5, 6]);
  const nd = ndarray(data, [2, 3]);
  const x = Tensor.fromNdarray(nd);
  t.equal(x.data, data, 'no copy');
  const back = x.toNdarray();
  t.equal(back.data, x.data, 'toNdarray is a view');
  const transposed = nd.transpose(1, 0);
  const xt = Tensor.fromNdarray(transposed);
  t.same([...xt.shape], [3, 2]);
  t.ok(compareClose(xt.data, [1, 4, 2, 5, 3, 6], { atol: 0, rtol: 0 }).ok, 'strided view copied in order');
  t.end();
});

t.test('compareClose fails on NaN', (t) => {
  t.notOk(compareClose([NaN], [1], { atol: 1, rtol: 1 }).ok);
  t.notOk(compareClose([1], [NaN], { atol: 1, rtol: 1 }).ok);
  t.ok(compareClose([1.0001], [1], { atol: 1e-3, rtol: 0 }).ok);
  t.end();
});
