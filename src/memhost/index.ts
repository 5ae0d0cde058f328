// The in-memory WALI host: filled in by its own change.
export {};
