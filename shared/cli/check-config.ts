/** `fleet-dr check-config <file>`: validate a policy file; one summary line, or every problem by path. */
import { asmRegionOf, destinationRuleOf, localityOf, type Policy, type Route } from '../config';
import { loadPolicy } from '../config-loader';
import { ConfigError } from '../errors';
import { explainPin } from '../gateway/pin';
import { type CliIo, EXIT } from './io';

/** One line that says what the policy governs. */
export function summarisePolicy(p: Policy): string {
  const clusters = p.clusters.map((c) => `${c.id} ${c.role} in ${c.zone}`).join(', ');
  const routes = p.routes.map((r) => `${r.namespace}/${r.ingress}${viaAsm(r)}`).join(', ');
  const flags = [p.dryRun ? 'dry run' : '', p.paused ? 'paused' : ''].filter(Boolean).join(', ');
  return `valid policy: region ${p.region}, Fleet ${p.fleet.id}, ${p.clusters.length} clusters (${clusters}), ${p.routes.length} route(s) (${routes}), ${explainPin(p.gateway.pin, p.clusters)}${asmSummary(p)}${flags ? `, ${flags}` : ''}`;
}

/** ` via ASM DestinationRule ns/name` for a route with `router: asm`. */
function viaAsm(r: Route): string {
  if (r.router !== 'asm') return '';
  const dr = destinationRuleOf(r);
  return ` via ASM DestinationRule ${dr.namespace}/${dr.name}`;
}

/** The ASM instance and each cluster's locality, when a route uses it. */
function asmSummary(p: Policy): string {
  if (!p.asm || !p.routes.some((r) => r.router === 'asm')) return '';
  const localities = p.clusters.map((c) => `${c.id} ${localityOf(p, c)}`).join(', ');
  const network = p.asm.privateIpAddress ? ', internal kubeconfig' : '';
  return `, ASM ${p.asm.serviceMeshId} in ${asmRegionOf(p)}${network} (localities: ${localities})`;
}

/** Runs the command; returns the exit code (0 valid, 2 invalid or unreadable). */
export async function checkConfigCommand(argv: string[], io: CliIo): Promise<number> {
  if (argv.length !== 1 || !argv[0]) {
    io.stderr.write('usage: fleet-dr check-config <policy.yaml|policy.json>\n');
    return EXIT.invalid;
  }
  const file = argv[0];
  try {
    const policy = loadPolicy(file);
    io.stdout.write(`${file}: ${summarisePolicy(policy)}\n`);
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr.write(`${err.message}\n`);
    // File-level failures (unreadable, empty, binary) are already said in the message.
    const listed = err.problems.filter((p) => !p.startsWith('(file)'));
    for (const p of listed) io.stderr.write(`  ${p}\n`);
    return EXIT.invalid;
  }
}
