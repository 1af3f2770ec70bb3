import { describe, expect, it } from 'vitest';
import * as T from '../tensor/index.js';
import { Rng } from '../util/rng.js';
import { Dropout, Embedding, LayerNorm, Linear, Module, ModuleList, RMSNorm } from './index.js';

class Block extends Module {
  readonly ln = this.child('ln', new LayerNorm(4));
  readonly fc: Linear;
  constructor(rng: Rng) {
    super();
    this.fc = this.child('fc', new Linear(4, 3, rng));
  }
}

class Net extends Module {
  readonly scale = this.param('scale', T.ones([1]));
  readonly wte: Embedding;
  readonly h: ModuleList<Block>;
  readonly drop: Dropout;
  constructor(rng: Rng) {
    super();
    this.wte = this.child('wte', new Embedding(5, 4, rng));
    this.h = this.child('h', new ModuleList([new Block(rng), new Block(rng)]));
    this.drop = this.child('drop', new Dropout(0.5, rng));
  }
}

describe('Module', () => {
  it('names parameters in registration order with dotted paths', () => {
    const net = new Net(new Rng(1));
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'scale',
      'wte.weight',
      'h.0.ln.weight',
      'h.0.ln.bias',
      'h.0.fc.weight',
      'h.0.fc.bias',
      'h.1.ln.weight',
      'h.1.ln.bias',
      'h.1.fc.weight',
      'h.1.fc.bias',
    ]);
    expect(net.parameters().every((p) => p.requiresGrad)).toBe(true);
    expect(net.numParameters()).toBe(1 + 20 + 2 * (8 + 15));
  });
  it('state dicts round-trip; mismatches are named', () => {
    const a = new Net(new Rng(1));
    const b = new Net(new Rng(2));
    expect(b.h.items[0].fc.weight.toArray()).not.toEqual(a.h.items[0].fc.weight.toArray());
    b.loadStateDict(a.stateDict());
    expect(b.h.items[0].fc.weight.toArray()).toEqual(a.h.items[0].fc.weight.toArray());
    const sd = a.stateDict();
    sd.set('h.0.fc.weight', new Float32Array(3));
    expect(() => b.loadStateDict(sd)).toThrow(
      "loadStateDict: 'h.0.fc.weight' has 3 values, parameter (3,4) needs 12",
    );
    const partial = a.stateDict();
    partial.delete('scale');
    partial.set('extra', new Float32Array(1));
    expect(() => b.loadStateDict(partial)).toThrow('loadStateDict: missing [scale], unexpected [extra]');
    b.loadStateDict(partial, { strict: false });
  });
  it('train/eval reach every descendant (dropout becomes the identity)', () => {
    const net = new Net(new Rng(1)).eval();
    expect(net.h.items[1].ln.training).toBe(false);
    const x = T.ones([4]);
    expect(net.drop.forward(x)).toBe(x);
    net.train();
    expect(net.drop.forward(x)).not.toBe(x);
  });
  it('rejects duplicate and dotted names', () => {
    class Bad extends Module {
      constructor() {
        super();
        this.param('w', T.ones([1]));
        this.param('w', T.ones([1]));
      }
    }
    expect(() => new Bad()).toThrow("Module: name 'w' is registered twice");
  });
  it('layers compute what they say', () => {
    const rng = new Rng(4);
    const lin = new Linear(3, 2, rng);
    lin.weight.data.set([1, 0, 0, 0, 1, 1]);
    lin.bias!.data.set([10, 20]);
    expect(lin.forward(T.tensor([[1, 2, 3]])).toArray()).toEqual([11, 25]);
    const noBias = new Linear(3, 2, rng, { bias: false, std: 0.02 });
    expect(noBias.bias).toBeNull();
    expect(noBias.namedParameters().map(([n]) => n)).toEqual(['weight']);
    const rms = new RMSNorm(2, { eps: 0 });
    expect(
      rms
        .forward(T.tensor([[3, 4]]))
        .toArray()
        .map((v) => Math.round(v * 1e5) / 1e5),
    ).toEqual([Math.round((3 / Math.sqrt(12.5)) * 1e5) / 1e5, Math.round((4 / Math.sqrt(12.5)) * 1e5) / 1e5]);
    const emb = new Embedding(3, 2, rng);
    expect(emb.forward(new Int32Array([2]), [1]).toArray()).toEqual(
      Array.from(emb.weight.data.subarray(4, 6)),
    );
  });
  it('init is seeded', () => {
    expect(new Linear(4, 4, new Rng(9)).weight.toArray()).toEqual(
      new Linear(4, 4, new Rng(9)).weight.toArray(),
    );
  });
});
