#!/usr/bin/env node
// The `b2b` command. The project runs from its TypeScript sources through tsx, so a fresh
// `npm ci` is all a user needs: no build step, nothing stale.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
