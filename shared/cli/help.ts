/**
 * `fleet-dr <command> --help`: each command's usage with every flag it takes. main() answers `--help` (or
 * `-h`) itself, before the command runs, so asking for help never needs a policy file, a URL or a key, and
 * always exits 0.
 */

const TARGET_FLAGS = [
  '  --url <url>          the operator function URL (default: $FLEET_DR_OPERATOR_URL; the sandbox prints it)',
  '  --key-file <file>    the operator key, <keyId>:<secret> (default: $FLEET_DR_OPERATOR_KEY)',
  '  --timeout <s>        give up on the request after this many seconds (default 60)',
  '  --json               print the answer as JSON',
];

const EXITS_OPERATOR = 'exit: 0 done, 1 refused or aborted (the reason printed), 2 bad usage';

/** The help text of each built-in command, by name. */
export const COMMAND_HELP: Record<string, string[]> = {
  'check-config': [
    'usage: fleet-dr check-config <policy.yaml|policy.json>',
    '',
    'Validates a policy file: one summary line, or every problem by its path.',
    'exit: 0 valid, 2 invalid or unreadable',
  ],
  'explain-event': [
    'usage: fleet-dr explain-event <event.json|->',
    '',
    'Prints a trigger event (CloudMonitor alarm, EventBridge event, timer, HTTP) as normalised JSON;',
    '`-` reads the event from stdin.',
    'exit: 0 recognised, 2 not recognised, malformed or unreadable',
  ],
  observe: [
    'usage: fleet-dr observe --event <alarm.json> [--policy <policy.yaml>] [--out <file>]',
    '',
    'Gathers, read-only, the observations a decision on this event would see (probes, ACK cluster state,',
    'MSE service health, ready replicas, membership), and prints them as JSON that `fleet-dr plan',
    '--observations` takes. Nothing is written anywhere.',
    '  --event <file>       a CloudMonitor alarm (callback form body or JSON, or an EventBridge alarm)',
    '  --policy <file>      the policy (default: $FLEET_DR_POLICY, else deploy/policy.yaml)',
    '  --out <file>         write the observations to this file instead of stdout',
    'Endpoints and credentials: FLEET_DR_ENDPOINTS (the sandbox prints it) or the real endpoints, and the',
    'standard Alibaba Cloud credential chain (ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, ...).',
    'exit: 0 printed, 2 bad arguments or event',
  ],
  preflight: [
    'usage: fleet-dr preflight [--config <policy.yaml>] [--json] [--alarm-failover-url <url>]',
    '         [--write-test | --write-test=live --test-path <path>] [--notify-test] [--probe-from function|here] [--account-id <id>]',
    '',
    "Checks before automation is turned on (and after every fleet change), with the functions'",
    'credentials: identity and RAM actions, Kubernetes RBAC on the Fleet and the members, the gateway',
    '(MseIngressConfig, remote-clusters, base Ingresses, pins, version), signals (probes, alarm rules) and',
    'the clusters (Fleet association, zones, Argo CD). Each row: PASS / WARN / FAIL, evidence, fix.',
    'Read-only unless --write-test or --notify-test. See docs/preflight.md.',
    '  --config <file>      the policy (default: $FLEET_DR_POLICY, else deploy/policy.yaml)',
    '  --json               print the rows as JSON',
    '  --alarm-failover-url <url>  the HTTP trigger URL of fleet-dr-alarm-failover the alarm rules must call',
    '                       (default $FLEET_DR_ALARM_FAILOVER_URL; the token is never printed)',
    '  --write-test         dry-run (dryRun=All) every write fleet-dr makes on the Fleet: nothing is stored',
    '  --write-test=live    the dry runs, then a canary at weight 0 created and removed on --test-path',
    "  --test-path <path>   with --write-test=live: a path no route serves, on the first route's host",
    '  --notify-test        send one test message to the DingTalk robot',
    '  --probe-from <where> function (default): ask the probes from the deployed fleet-dr-health-check',
    '                       (fc:InvokeFunction, deploy/ram-policy-preflight.json); here: from this host',
    '  --account-id <id>    the account of the functions (default $FC_ACCOUNT_ID): the FC endpoint needs it',
    'Endpoints and credentials: FLEET_DR_ENDPOINTS (the sandbox prints it) or the real endpoints, and the',
    "standard Alibaba Cloud credential chain (use the functions' RAM role's STS credentials).",
    'exit: 0 nothing FAILs, 1 a check FAILs, 2 bad usage',
  ],
  plan: [
    'usage: fleet-dr plan --config <policy.yaml> --observations <file> [--state <file>] [--now <iso-time>] [--summary]',
    '',
    'Runs the pure decision on files and prints the Plan as JSON on stdout, with a one-line summary on',
    'stderr. The same files always print the same Plan.',
    '  --config <file>        the policy file',
    '  --observations <file>  what was observed (JSON or YAML; `fleet-dr observe` writes one)',
    '  --state <file>         the routing state to start from (default: the initial state)',
    "  --now <iso-time>       decide at this time (default: the observations' observedAt)",
    '  --summary              print only the one-line summary, on stdout',
    'exit: 0 printed a Plan, 2 bad arguments or input',
  ],
  status: [
    'usage: fleet-dr status [--json] [--url <operator url>] [--key-file <file>] [--timeout <s>]',
    '',
    "The fleet as the Fleet's state says it is: clusters with verdicts, weights per route, the open",
    'incident, failback progress, outstanding drift, outbox backlog (a signed GET /status).',
    ...TARGET_FLAGS,
    EXITS_OPERATOR,
  ],
  failback: [
    'usage: fleet-dr failback --cluster <id> (--step | --auto | --dry-run | --abort) [--reason <text>]',
    '                         [--to-step <n>] [--no-follow] [--poll <s>] [--json] [--url <url>] [--key-file <file>]',
    '',
    'One signed failback request for a cluster that fleet-dr failed over or shifted away from.',
    '  --cluster <id>       the cluster to bring traffic back to',
    '  --step               take the next ramp step (e.g. 10 → 50 → 100 %)',
    "  --auto               start an automatic ramp (each step after the dwell, by the operator's timer)",
    '  --dry-run            say what the next step would do, change nothing',
    '  --abort              stop a failback: back to the safe weights',
    '  --reason <text>      why (required except with --dry-run): the audit record and message carry it',
    '  --to-step <n>        the step you mean; refused if the ramp moved on meanwhile',
    '  --no-follow          with --auto, return at once instead of following the ramp',
    '  --poll <s>           with --auto, how often to read the status while following (default 5)',
    ...TARGET_FLAGS,
    EXITS_OPERATOR,
  ],
  shift: [
    'usage: fleet-dr shift --cluster <id> --expires <30m|2h|1d> --reason <text> [--json] [--url <url>] [--key-file <file>]',
    '',
    'A planned shift of traffic off a healthy cluster (maintenance) that expires by itself; the same command',
    'again on the same cluster extends it. When it expires, the failback ramp brings traffic back.',
    '  --cluster <id>       the cluster to move traffic off',
    '  --expires <d>        how long: 30m, 2h, 1d',
    '  --reason <text>      why (required)',
    ...TARGET_FLAGS,
    EXITS_OPERATOR,
  ],
  pause: [
    'usage: fleet-dr pause --reason <text> [--json] [--url <url>] [--key-file <file>]',
    '',
    'Holds every automatic action and failback step until `fleet-dr resume` (moving traffic away from a',
    'failed zone by an operator still goes).',
    '  --reason <text>      why (required)',
    ...TARGET_FLAGS,
    EXITS_OPERATOR,
  ],
  resume: [
    'usage: fleet-dr resume --reason <text> [--json] [--url <url>] [--key-file <file>]',
    '',
    'Ends a pause.',
    '  --reason <text>      why (required)',
    ...TARGET_FLAGS,
    EXITS_OPERATOR,
  ],
};

/** The help of a command: its own text, else the usage line the command list gives it. */
export function commandHelp(name: string, usageLine: string | undefined): string | undefined {
  const own = COMMAND_HELP[name];
  if (own) return `${own.join('\n')}\n`;
  return usageLine ? `usage: fleet-dr ${usageLine}\n` : undefined;
}

/** Whether the arguments ask for help (`--help` or `-h` anywhere before a `--`). */
export function wantsHelp(argv: string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}
