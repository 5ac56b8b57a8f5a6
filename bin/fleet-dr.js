#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `fleet-dr` works straight after `npm ci`, without a build step.
// `drill` and `start` (the drills) live in sandbox/drill because it starts the sandbox, which the product (shared/) never
// imports; this entry point, outside the product, hands it to main(). The drill loads only when it runs.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../shared/cli/main.ts');
const { startCommandSpec } = await import('../sandbox/drill/start-command.ts');
const { drillCommandSpec } = await import('../sandbox/drill/drill-command.ts');
process.exitCode = await main(process.argv.slice(2), undefined, {
  drill: drillCommandSpec,
  start: startCommandSpec,
});
