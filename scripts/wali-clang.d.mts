/** Types of wali-clang.mjs (building C for WALI). */
export declare const WALI_CLANG: string;
export declare const WALI_CFLAGS: readonly string[];
export declare function clangEnv(): NodeJS.ProcessEnv;
export declare function clangWasm(out: string, inputs: readonly string[], extra?: readonly string[]): void;
