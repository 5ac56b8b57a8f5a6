#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `fleet-dr` works straight after `npm ci`, without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../shared/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
