#!/usr/bin/env node
// The CLI runs from the compiled library (npm install builds it through `prepare`).
import { main } from '../dist/cli/main.js';

// A reader that goes away (`fdwarden audit ... | head`) ends the output, not the program with a trace.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    if (err && err.code === 'EPIPE') return;
    process.stderr.write(`fdwarden: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
