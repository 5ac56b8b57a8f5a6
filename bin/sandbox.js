#!/usr/bin/env node
// `npm run sandbox`: runs the TypeScript sandbox CLI through tsx, like bin/fleet-dr.js. Exits explicitly once
// main() is done, so a stray handle in a stand-in can never keep a stopped sandbox alive.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../sandbox/sandbox-cli.ts');
process.exit(await main(process.argv.slice(2)));
