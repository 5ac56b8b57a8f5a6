/**
 * `fleet-dr preflight [--config <policy.yaml>] [--json] [--alarm-failover-url <url>]
 * [--write-test | --write-test=live --test-path <path>] [--notify-test] [--probe-from function|here]
 * [--account-id <id>]`: checks that the functions' credentials, RBAC, gateway, signals and clusters are set up as
 * fleet-dr needs (shared/preflight/, docs/preflight.md). Read-only unless --write-test (server-side dry runs,
 * nothing stored) or --notify-test (one DingTalk message). The alarm-failover URL (the HTTP trigger URL
 * deploy/create-alarm-rules.ts was given as --callback-url) comes from --alarm-failover-url or
 * FLEET_DR_ALARM_FAILOVER_URL; without it the rules' URL is not compared (WARN).
 * Endpoints from FLEET_DR_ENDPOINTS (the sandbox prints it) or the real ones; credentials from the standard
 * chain (run it with the functions' role's STS credentials). The probes are asked from the deployed
 * fleet-dr-health-check (its FC endpoint needs the account id: --account-id or FC_ACCOUNT_ID) unless
 * --probe-from here. Exit 0 nothing FAILs, 1 something FAILs, 2 bad usage.
 */

import { overridesFromEnv } from '../clients/endpoints';
import { loadPolicy } from '../config-loader';
import { exitOf, renderJson, renderTable } from '../preflight/render';
import { type PreflightOptions, runPreflight } from '../preflight/run';
import { testPathProblem } from '../preflight/write-live';
import { wire } from '../runtime/wiring';
import { parseFlags } from './args';
import { type CliIo, EXIT } from './io';
import { EXAMPLE_POLICY } from './main';
import { UsageError } from './operator-client';

const NO_ACCOUNT_ID = 'account-id-not-given';

/** `--write-test` / `--write-test=live` out of argv (parseFlags takes booleans without a value). */
function writeTestOf(argv: string[]): { argv: string[]; dry: boolean; live: boolean } {
  let dry = false;
  let live = false;
  const rest = argv.filter((a) => {
    if (a === '--write-test') dry = true;
    else if (a.startsWith('--write-test=')) {
      if (a !== '--write-test=live')
        throw new UsageError(`--write-test takes no value or =live, got ${JSON.stringify(a.slice(0, 60))}`);
      dry = live = true;
    } else return true;
    return false;
  });
  return { argv: rest, dry, live };
}

/** Where the probes are asked, from --probe-from and what the FC endpoint needs. */
function probeFromOf(
  f: Record<string, string | true>,
  accountId: string | undefined,
  env: NodeJS.ProcessEnv,
): PreflightOptions['probeFrom'] {
  const v = f['probe-from'];
  if (v !== undefined && v !== 'function' && v !== 'here')
    throw new UsageError('--probe-from must be function (the default) or here');
  if (v === 'here') return { kind: 'here' };
  if (!accountId && !overridesFromEnv(env).fc)
    return {
      kind: 'here',
      why: 'the account id is not known (--account-id or FC_ACCOUNT_ID): the Function Compute endpoint is <account-id>.<region>.fc.aliyuncs.com',
    };
  return { kind: 'function' };
}

/** Runs the command; returns the exit code. */
export async function preflightCommand(
  argv: string[],
  io: CliIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const write = writeTestOf(argv);
  const f = parseFlags(write.argv, {
    values: ['--config', '--alarm-failover-url', '--test-path', '--probe-from', '--account-id'],
    booleans: ['--json', '--notify-test'],
  });
  const alarmFailoverUrl =
    typeof f['alarm-failover-url'] === 'string'
      ? f['alarm-failover-url']
      : env.FLEET_DR_ALARM_FAILOVER_URL || undefined;
  if (alarmFailoverUrl !== undefined && !URL.canParse(alarmFailoverUrl))
    throw new UsageError(
      '--alarm-failover-url must be a URL (the HTTP trigger URL of fleet-dr-alarm-failover)',
    );
  const testPath = typeof f['test-path'] === 'string' ? f['test-path'] : undefined;
  if (write.live && testPath === undefined)
    throw new UsageError(
      '--write-test=live needs --test-path <path> (a path no route serves, e.g. /fleet-dr-preflight)',
    );
  if (testPath !== undefined && !write.live)
    throw new UsageError('--test-path is only for --write-test=live');
  const pathProblem = testPath === undefined ? undefined : testPathProblem(testPath);
  if (pathProblem) throw new UsageError(pathProblem);
  const accountId = typeof f['account-id'] === 'string' ? f['account-id'] : env.FC_ACCOUNT_ID || undefined;
  if (accountId !== undefined && !/^\d{1,32}$/.test(accountId))
    throw new UsageError('--account-id must be the Alibaba Cloud account id (digits)');
  const probeFrom = probeFromOf(f, accountId, env);
  const policy = loadPolicy(
    typeof f.config === 'string' ? f.config : (env.FLEET_DR_POLICY ?? EXAMPLE_POLICY),
  );
  // Without an account id (probes asked from here) the FC client is never called: a placeholder keeps wire()
  // from refusing to build it.
  const context = { requestId: 'fleet-dr-preflight', accountId: accountId ?? NO_ACCOUNT_ID };
  const rows = await runPreflight(wire(policy, context, env), {
    alarmFailoverUrl,
    writeTest: write.dry,
    ...(write.live && testPath ? { liveWrite: { testPath } } : {}),
    notifyTest: f['notify-test'] === true,
    probeFrom,
  });
  io.stdout.write(f.json ? renderJson(rows) : renderTable(rows));
  return exitOf(rows) === 0 ? EXIT.ok : EXIT.refused;
}
