/** A tiny encoder for hand-built wasm modules (type, import and export sections). */
import type { ValType } from '../../../src/wali/module-types.js';

export const CODES: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b, funcref: 0x70, externref: 0x6f };

export function uleb(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}

export const str = (s: string): number[] => {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
};
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
export const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
export const module_ = (...sections: number[][]): Uint8Array => new Uint8Array([...HEADER, ...sections.flat()]);
export const functype = (params: ValType[], results: ValType[]): number[] => [0x60, ...vec(params.map((p) => [CODES[p]])), ...vec(results.map((r) => [CODES[r]]))];
export const typeSection = (...types: number[][]): number[] => section(1, vec(types));
export const importSection = (...imports: number[][]): number[] => section(2, vec(imports));
export const exportSection = (...exports: number[][]): number[] => section(7, vec(exports));
export const funcImport = (mod: string, name: string, typeIndex: number): number[] => [...str(mod), ...str(name), 0x00, ...uleb(typeIndex)];
export const memImport = (mod: string, name: string, flags: number, min: number, max?: number): number[] => [
  ...str(mod),
  ...str(name),
  0x02,
  flags,
  ...uleb(min),
  ...(max === undefined ? [] : uleb(max)),
];

