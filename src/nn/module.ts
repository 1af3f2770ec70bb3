/**
 * Module: a named tree of parameters. Parameters and children are registered explicitly, in the
 * order the constructor creates them, so `namedParameters()` is stable ("h.0.attn.weight", …) and a
 * saved name → Float32Array map loads back into the same places.
 */
import { fmt } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

export type StateDict = Map<string, Float32Array>;

export class Module {
  /** Training mode (dropout active); switch with train() / eval(). */
  training = true;
  private readonly ownParams: [string, Tensor][] = [];
  private readonly children: [string, Module][] = [];

  /** Registers a parameter (requiresGrad is set) and returns it. */
  protected param(name: string, t: Tensor): Tensor {
    this.checkName(name);
    t.requiresGrad = true;
    if (t.name === '') t.name = name;
    this.ownParams.push([name, t]);
    return t;
  }

  /** Registers a child module and returns it. */
  protected child<M extends Module>(name: string, m: M): M {
    this.checkName(name);
    this.children.push([name, m]);
    return m;
  }

  private checkName(name: string): void {
    if (name === '' || name.includes('.'))
      throw new Error(`Module: name '${name}' must be non-empty without dots`);
    if (this.ownParams.some(([n]) => n === name) || this.children.some(([n]) => n === name)) {
      throw new Error(`Module: name '${name}' is registered twice`);
    }
  }

  /** [dotted name, parameter] pairs: own parameters first, then each child's, in registration order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this.ownParams) out.push([prefix + n, p]);
    for (const [n, c] of this.children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Total number of parameter elements. */
  numParameters(): number {
    let n = 0;
    for (const p of this.parameters()) n += p.size;
    return n;
  }

  /** Sets training mode on this module and every descendant. */
  train(on = true): this {
    this.training = on;
    for (const [, c] of this.children) c.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Copies of every parameter, by dotted name. */
  stateDict(): StateDict {
    const out: StateDict = new Map();
    for (const [n, p] of this.namedParameters()) out.set(n, Float32Array.from(p.data));
    return out;
  }

  /**
   * Copies values into the parameters by name. strict (default): the names must match exactly; sizes
   * must always match. Errors name the parameter and both shapes/sizes.
   */
  loadStateDict(state: StateDict | Record<string, Float32Array>, opts: { strict?: boolean } = {}): void {
    const strict = opts.strict !== false;
    const map: StateDict = state instanceof Map ? state : new Map(Object.entries(state));
    const named = this.namedParameters();
    const missing: string[] = [];
    for (const [n, p] of named) {
      const v = map.get(n);
      if (v === undefined) {
        missing.push(n);
        continue;
      }
      if (v.length !== p.size) {
        throw new Error(
          `loadStateDict: '${n}' has ${v.length} values, parameter ${fmt(p.shape)} needs ${p.size}`,
        );
      }
    }
    const known = new Set(named.map(([n]) => n));
    const unexpected = [...map.keys()].filter((k) => !known.has(k));
    if (strict && (missing.length > 0 || unexpected.length > 0)) {
      throw new Error(
        `loadStateDict: missing [${missing.join(', ')}], unexpected [${unexpected.join(', ')}] (pass strict: false to skip)`,
      );
    }
    for (const [n, p] of named) {
      const v = map.get(n);
      if (v !== undefined) p.data.set(v);
    }
  }
}

/** An ordered list of child modules named 0, 1, 2, … (transformer blocks). */
export class ModuleList<M extends Module> extends Module {
  readonly items: M[];

  constructor(items: M[]) {
    super();
    this.items = items.map((m, i) => this.child(String(i), m));
  }

  get length(): number {
    return this.items.length;
  }
}
