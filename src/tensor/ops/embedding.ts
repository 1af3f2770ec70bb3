/** Embedding lookup: rows of a table gathered by integer ids; the backward pass scatter-adds. */
import { getBackend } from '../../kernels/index.js';
import { gradOf, needsGrad, record } from '../autograd.js';
import { fmt, type Shape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * out[..., :] = table[ids[...], :] for a table (V, D) and ids of `idsShape` (default [ids.length]);
 * out has shape (...idsShape, D). Repeated ids add up their gradients.
 */
export function embedding(table: Tensor, ids: Int32Array, idsShape: Shape = [ids.length]): Tensor {
  table.assertLive('embedding', 'table');
  if (table.rank !== 2) throw new Error(`embedding: table ${fmt(table.shape)} must be (V, D)`);
  if (sizeOf(idsShape) !== ids.length) {
    throw new Error(
      `embedding: ids has ${ids.length} elements but idsShape ${fmt(idsShape)} needs ${sizeOf(idsShape)}`,
    );
  }
  const [V, D] = table.shape;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0 || id >= V)
      throw new Error(`embedding: ids[${i}] = ${id} is out of range for table ${fmt(table.shape)}`);
  }
  const out = Tensor.empty([...idsShape, D]);
  getBackend().gather(table.data, ids, D, out.data);
  if (needsGrad(table)) {
    const saved = ids.slice(); // the caller may refill its id buffer before backward runs
    record(out, [table], () => {
      getBackend().scatterAdd(gradOf(table), saved, D, out.grad!);
    });
  }
  return out;
}
