/**
 * `fleet-dr plan --config <file> --observations <file> [--state <file>] [--now <iso>]`: runs the pure decision
 * on files and prints the Plan as JSON (a one-line summary on stderr; `--summary` prints only that line, on
 * stdout). Without --state it starts from the initial state; without --now it
 * decides at the observations' `observedAt`, so the same files always print the same Plan.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import type { Policy } from '../config';
import { loadPolicy, zodProblems } from '../config-loader';
import { decide } from '../decision/decide';
import { IsoTimeSchema, type Observations, ObservationsSchema } from '../decision/observations';
import type { Plan } from '../decision/plan';
import { initialRoutingState, type RoutingState, RoutingStateSchema } from '../decision/routing-state';
import { ConfigError } from '../errors';
import { type CliIo, EXIT } from './io';

const USAGE =
  'usage: fleet-dr plan --config <policy.yaml> --observations <file> [--state <file>] [--now <iso-time>] [--summary]\n';

/** One line a person reads first: the kind (and rule), the cluster, the weights after, the reason. */
export function summarisePlan(plan: Plan): string {
  const what = plan.kind === 'hold' ? `hold (${plan.rule})` : plan.kind;
  const cluster = 'cluster' in plan ? ` ${plan.cluster}` : '';
  const weights =
    'weights' in plan
      ? `; weights ${Object.entries(plan.weights)
          .map(
            ([route, w]) =>
              `${route}: ${Object.entries(w)
                .map(([c, x]) => `${c} ${x}`)
                .join(', ')}`,
          )
          .join('; ')}`
      : '';
  const wait =
    plan.kind === 'hold' && plan.remainingSeconds !== undefined ? ` (${plan.remainingSeconds} s left)` : '';
  return `plan: ${what}${cluster}${weights}${wait}: ${plan.reason.split('\n')[0]}`;
}

/** Bad arguments or an input file that does not parse or validate; `problems` lists `path: message`. */
export class PlanInputError extends ConfigError {}

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const known = new Set(['--config', '--observations', '--state', '--now']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--summary') {
      out.summary = 'true';
      continue;
    }
    const [flag, inline] = a.includes('=')
      ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
      : [a, undefined];
    if (!known.has(flag)) throw new PlanInputError(`unknown argument "${a}"`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new PlanInputError(`${flag} needs a value`);
    out[flag.slice(2)] = value;
  }
  for (const required of ['config', 'observations'])
    if (!out[required]) throw new PlanInputError(`--${required} is required`);
  return out;
}

function readData(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PlanInputError(
      `${path}: cannot read the ${what} file (${(err as NodeJS.ErrnoException).code})`,
    );
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0)
    throw new PlanInputError(`${path}: the ${what} file is not valid JSON or YAML`, [
      doc.errors[0]!.message.split('\n')[0]!,
    ]);
  return doc.toJS();
}

function validate<T>(schema: z.ZodType<T>, data: unknown, path: string, what: string): T {
  const r = schema.safeParse(data);
  if (!r.success) {
    const problems = zodProblems(r.error);
    throw new PlanInputError(`${path}: invalid ${what} (${problems.length} problem(s))`, problems);
  }
  return r.data;
}

function checkClusters(policy: Policy, obs: Observations, path: string): void {
  const known = new Set(policy.clusters.map((c) => c.id));
  const unknown = Object.keys(obs.clusters).filter((id) => !known.has(id));
  if (obs.trigger && !known.has(obs.trigger.clusterId)) unknown.push(obs.trigger.clusterId);
  if (unknown.length > 0)
    throw new PlanInputError(
      `${path}: observations name clusters that are not in the policy: ${unknown.join(', ')}`,
    );
}

/** Runs the command; returns the exit code (0 printed a Plan, 2 bad arguments or input). */
export async function planCommand(argv: string[], io: CliIo): Promise<number> {
  try {
    const args = parseArgs(argv);
    const policy = loadPolicy(args.config!);
    const obsPath = args.observations!;
    const observations = validate(
      ObservationsSchema,
      readData(obsPath, 'observations'),
      obsPath,
      'observations',
    );
    checkClusters(policy, observations, obsPath);
    const state: RoutingState = args.state
      ? validate(RoutingStateSchema, readData(args.state, 'state'), args.state, 'routing state')
      : initialRoutingState(policy);
    const now = args.now ?? observations.observedAt;
    if (!IsoTimeSchema.safeParse(now).success)
      throw new PlanInputError(`--now "${now}" is not an ISO-8601 time such as 2025-06-01T08:00:00Z`);
    const plan = decide(policy, observations, state, now);
    // The summary goes to stderr by default, so stdout stays one JSON document a program can read.
    if (args.summary) io.stdout.write(`${summarisePlan(plan)}\n`);
    else {
      io.stderr.write(`${summarisePlan(plan)}\n`);
      io.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    }
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr.write(`fleet-dr plan: ${err.message}\n`);
    for (const p of err.problems.filter((x) => !x.startsWith('(file)'))) io.stderr.write(`  ${p}\n`);
    if (err instanceof PlanInputError && !err.problems.length) io.stderr.write(USAGE);
    return EXIT.invalid;
  }
}
