// Fault injection for the engine seam: real Wasm traps at chosen export calls, and an engine whose memory
// has a maximum, so that `memory.grow` is refused inside the engine exactly as when a browser or the
// 4 GiB limit refuses it. Every engine instance created while `injectEngineFaults` is active is affected.

import { vi, type MockInstance } from "vitest";
import { ENGINE_BASE64 } from "../engine/wasm-binary.js";

// (module (func (export "trap") unreachable)): calling it throws a genuine WebAssembly.RuntimeError.
const TRAP_MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: one type, () -> ()
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x07, 0x08, 0x01, 0x04, 0x74, 0x72, 0x61, 0x70, 0x00, 0x00, // export section: "trap" = function 0
  0x0a, 0x05, 0x01, 0x03, 0x00, 0x00, 0x0b, // code section: no locals, `unreachable`, end
]);
const trapInstance = new WebAssembly.Instance(new WebAssembly.Module(TRAP_MODULE), {});
const trap = trapInstance.exports.trap as () => void;
// Taken once, when no spy can be in place yet: a spy set up while another is active must not call it.
const ORIGINAL_INSTANTIATE = WebAssembly.instantiate.bind(WebAssembly);

/** A controller for the faults of every engine instance created while it is installed. */
export interface EngineFaults {
  /** Makes the `nth` call (1-based, counted from now, across instances) of export `name` trap. */
  trapAt(name: string, nth?: number): void;
  /** Calls of export `name` since the last `trapAt` for it. */
  calls(name: string): number;
  /** The Wasm memories of the instances created so far. */
  readonly memories: WebAssembly.Memory[];
  /** The (wrapped) exports of the instances created so far. */
  readonly instances: Record<string, unknown>[];
  restore(): void;
}

/**
 * Wraps every engine instance's exports so that a chosen call traps, and optionally instantiates an engine
 * whose memory may grow to `maxPages` pages (64 KiB each) at most.
 *
 * @example
 * const faults = injectEngineFaults();
 * faults.trapAt("finish");
 */
export function injectEngineFaults(options: { maxPages?: number } = {}): EngineFaults {
  const armed = new Map<string, number>();
  const counts = new Map<string, number>();
  const memories: WebAssembly.Memory[] = [];
  const instances: Record<string, unknown>[] = [];
  const capped = options.maxPages !== undefined ? new WebAssembly.Module(withMaxMemory(decode(ENGINE_BASE64), options.maxPages) as BufferSource) : undefined;
  const original = ORIGINAL_INSTANTIATE;
  const spy: MockInstance = vi.spyOn(WebAssembly, "instantiate").mockImplementation((async (module: WebAssembly.Module, imports?: WebAssembly.Imports) => {
    const instance = (await original(capped ?? module, imports)) as unknown as WebAssembly.Instance;
    const real = instance.exports;
    memories.push(real.memory as WebAssembly.Memory);
    // A copy: the instance's own exports object is frozen.
    const exports: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(real)) {
      exports[name] = typeof v !== "function" ? v : (...args: unknown[]) => {
        const n = (counts.get(name) ?? 0) + 1;
        counts.set(name, n);
        if (armed.get(name) === n) {
          armed.delete(name);
          trap();
        }
        return (v as (...a: unknown[]) => unknown)(...args);
      };
    }
    instances.push(exports);
    return { exports } as WebAssembly.Instance;
  }) as never);
  return {
    trapAt(name, nth = 1) {
      counts.set(name, 0);
      armed.set(name, nth);
    },
    calls: (name) => counts.get(name) ?? 0,
    memories,
    instances,
    restore: () => spy.mockRestore(),
  };
}

function decode(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** The module with its one memory given a maximum of `maxPages` (memory section, id 5). */
function withMaxMemory(bytes: Uint8Array, maxPages: number): Uint8Array {
  const out: number[] = Array.from(bytes.subarray(0, 8));
  let i = 8;
  let patched = false;
  while (i < bytes.length) {
    const id = bytes[i++]!;
    let size = 0;
    let shift = 0;
    let b: number;
    do {
      b = bytes[i++]!;
      size |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    let payload = Array.from(bytes.subarray(i, i + size));
    if (id === 5) {
      // One memory, limits without a maximum (flag 0): the engine's build has no maximum.
      if (payload[0] !== 1 || payload[1] !== 0) throw new Error("unexpected memory section");
      const min = payload.slice(2);
      payload = [1, 1, ...min, ...leb(maxPages)];
      patched = true;
    }
    out.push(id, ...leb(payload.length), ...payload);
    i += size;
  }
  if (!patched) throw new Error("no memory section");
  return new Uint8Array(out);
}
