/** The x86-64 stat, statx and dirent layouts live with WALI's node-free code (src/wali/stat-layout.ts): every host shares them. */
export * from '../wali/stat-layout.js';
