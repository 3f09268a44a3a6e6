// Module: the base of every layer. Holds registered parameters, buffers and children under
// dotted names (PyTorch style: `seg.enc1.conv1.weight`), the train/eval switch, and the
// state dict used by checkpoints.
import { Tensor, Device } from '../tensor';

export type StateDict = Record<string, Tensor>;

export interface LoadStateDictOptions {
  strict?: boolean;     // default true: missing or unexpected keys throw
  source?: string;      // named in error messages (e.g. the checkpoint file)
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export class Module {
  training = true;
  private readonly paramMap = new Map<string, Tensor>();
  private readonly bufferMap = new Map<string, Tensor>();
  private readonly childMap = new Map<string, Module>();

  protected registerParameter(name: string, t: Tensor): Tensor {
    checkLocalName(name, this.paramMap, this.bufferMap, this.childMap);
    t.requiresGrad = true;
    this.paramMap.set(name, t);
    return t;
  }

  protected registerBuffer(name: string, t: Tensor): Tensor {
    checkLocalName(name, this.paramMap, this.bufferMap, this.childMap);
    t.requiresGrad = false;
    this.bufferMap.set(name, t);
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    checkLocalName(name, this.paramMap, this.bufferMap, this.childMap);
    this.childMap.set(name, m);
    return m;
  }

  namedChildren(): [string, Module][] {
    return [...this.childMap.entries()];
  }

  // Every module in the tree, depth first, with its dotted path ('' for this one).
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.childMap) out.push(...child.namedModules(join(prefix, name)));
    return out;
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, t] of this.paramMap) out.push([join(prefix, name), t]);
    for (const [name, child] of this.childMap) out.push(...child.namedParameters(join(prefix, name)));
    return out;
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, t] of this.bufferMap) out.push([join(prefix, name), t]);
    for (const [name, child] of this.childMap) out.push(...child.namedBuffers(join(prefix, name)));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  numParameters(): number {
    return this.parameters().reduce((n, t) => n + t.numel, 0);
  }

  // Switches this module and all children to training (true) or evaluation (false) mode.
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  // Drops every parameter's gradient and frees it (Tensor.zeroGrad).
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  // Moves every parameter and buffer to `device` in place (layers keep their references;
  // gradients are dropped). Create optimizers after moving the model.
  to(device: Device): this {
    for (const [, t] of this.namedParameters()) t.moveTo(device);
    for (const [, t] of this.namedBuffers()) t.moveTo(device);
    return this;
  }

  // Parameters and buffers by dotted name, in registration order. The tensors are live
  // (not copies): clone them to keep a snapshot.
  stateDict(): StateDict {
    const sd: StateDict = {};
    for (const [name, t] of this.namedParameters()) sd[name] = t;
    for (const [name, t] of this.namedBuffers()) sd[name] = t;
    return sd;
  }

  // Copies values into the existing tensors (so optimizers keep their references).
  // A shape mismatch always throws; missing or unexpected keys throw when strict.
  loadStateDict(sd: StateDict, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    if (sd === null || typeof sd !== 'object') {
      throw new TypeError(`Expected a state dict (an object of name -> Tensor) for sd but received ${String(sd)}`);
    }
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in sd));
    const unexpectedKeys = Object.keys(sd).filter((k) => !(k in own));
    const problems: string[] = [];
    for (const [name, target] of Object.entries(own)) {
      const src = sd[name];
      if (!src) continue;
      if (!(src instanceof Tensor)) {
        problems.push(`${name} is not a Tensor`);
      } else if (!sameShape(src.shape, target.shape)) {
        problems.push(`${name} has shape [${src.shape.join(', ')}] but the model expects [${target.shape.join(', ')}]`);
      }
    }
    if (strict && missingKeys.length > 0) problems.push(`missing keys: ${listKeys(missingKeys)}`);
    if (strict && unexpectedKeys.length > 0) problems.push(`unexpected keys: ${listKeys(unexpectedKeys)}`);
    if (problems.length > 0) {
      const where = options.source ? ` from ${options.source}` : '';
      throw new Error(`loadStateDict${where} failed: ${problems.join('; ')}`);
    }
    for (const [name, target] of Object.entries(own)) {
      const src = sd[name];
      if (src) target.copyFrom(src);
    }
    return { missingKeys, unexpectedKeys };
  }
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

function listKeys(keys: string[]): string {
  const shown = keys.slice(0, 8).join(', ');
  return keys.length > 8 ? `${shown} (and ${keys.length - 8} more)` : shown;
}

function checkLocalName(name: string, ...maps: Map<string, unknown>[]): void {
  if (!/^[A-Za-z0-9_]+$/.test(name)) {
    throw new RangeError(`Expected a name of letters, digits and _ for a module member but received ${JSON.stringify(name)}`);
  }
  if (maps.some((m) => m.has(name))) throw new Error(`module member ${JSON.stringify(name)} is registered twice`);
}
