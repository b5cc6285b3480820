#!/usr/bin/env -S node --max-semi-space-size=16
// The `b2b` command. The project runs from its TypeScript sources through tsx, so a fresh
// `npm ci` is all a user needs: no build step, nothing stale.
//
// --max-semi-space-size=16 caps V8's young generation: on a machine with plenty of memory V8 grows
// it up to 64 MB per semi-space under a burst of 1,000 concurrent deliveries, which put a
// 200,000-exchange scenario at ~370 MB resident; capped, the same run peaks at ~265 MB and is no
// slower (test/harness/exchanges/exchangeStorm.ts). `env -S` passes the flag on Linux and macOS.
//
// The Node.js version is checked first, with nothing but plain JavaScript loaded: tsx and the
// dependencies are imported dynamically, only once the check has passed, because on an old Node
// they die at import time with a stack trace instead of a reason.
import { readFileSync } from 'node:fs';
import { nodeVersionProblem } from './requiredNode.js';

// A reader that goes away early (`b2b scenarios list | head -1`) is not an error of ours. Node
// does not die of SIGPIPE: a write then fails with EPIPE, and an unhandled 'error' on stdout or
// stderr would end the program with a stack trace. The stream is closed after the first one, so
// later writes are dropped silently; the command finishes its work (a certify run still writes
// and seals its evidence) and exits with its own code.
[process.stdout, process.stderr].forEach(function (output) {
  output.on('error', function (error) {
    if (error.code !== 'EPIPE') throw error;
  });
});

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const problem = nodeVersionProblem(
  process.versions.node,
  (manifest.engines && manifest.engines.node) || '',
  process.execPath,
);

if (problem) {
  process.stderr.write(problem + '\n');
  // Bad configuration, nothing was run: the same exit code as every other usage error.
  process.exitCode = 2;
} else {
  import('tsx/esm/api')
    .then(function (tsx) {
      tsx.register();
      return import('../cli/main.ts');
    })
    .catch(function (error) {
      process.stderr.write('b2b: ' + ((error && error.stack) || String(error)) + '\n');
      process.exitCode = 1;
    });
}
