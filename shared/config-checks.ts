/**
 * Cross-field checks the zod schema cannot express: unique ids, zones of a failover pair, network blocks
 * (as the ACK One zone-DR and network-planning docs require), weights and ramps. Each check returns
 * `path: message` problems. They are written defensively (`?? []`, parseCidr returning undefined) so that
 * they can also run over a document that failed the schema and the user sees every problem in one pass.
 */

import { localityOf, type Policy } from './config';
import { type Block, contains, overlaps, parseCidr } from './config-cidr';
import { problem } from './config-path';

type Check = (p: Policy) => string[];

/**
 * The pin (`gateway.pin`, shared/gateway/pin.ts) can tell every cluster apart: a `label` pin needs each
 * cluster's podLabel; a `zone` pin needs each cluster in its own zone.
 */
export const checkPins: Check = (p) => {
  const clusters = arr(p.clusters);
  const pin = p.gateway?.pin;
  if (pin === 'label')
    return clusters.flatMap((c, i) =>
      c && !c.podLabel
        ? [
            problem(
              ['clusters', i, 'podLabel'],
              'required by gateway.pin "label": the label that pins this cluster\'s canary',
            ),
          ]
        : [],
    );
  if (pin !== 'zone') return [];
  const out: string[] = [];
  dupes(
    clusters.map((c) => c?.zone),
    (i, j, v) =>
      out.push(
        problem(
          ['clusters', i, 'zone'],
          `zone "${v}" also holds clusters[${j}]: gateway.pin "zone" would pin both canaries to both clusters`,
        ),
      ),
  );
  return out;
};

/**
 * The ASM settings (`router: asm`, shared/gateway/asm-distribute.ts): a route with `router: asm` needs the `asm`
 * section, and ASM-only settings are not left where nothing reads them (a forgotten `router: asm` must not
 * silently leave a route on MSE). ASM weighs traffic by locality (`<region>/<zone>`, localityOf), so the
 * clusters' localities must tell them apart. fleet-dr names no locality of its own: it writes one
 * `distribute` entry per cluster's locality and never `failover` (Istio allows only one of the two).
 */
export const checkAsm: Check = (p) => {
  const out: string[] = [];
  const routes = arr(p.routes);
  const asmRoutes = routes.flatMap((r, i) => (r?.router === 'asm' ? [i] : []));
  if (asmRoutes.length > 0 && !p.asm)
    out.push(
      problem(
        ['asm'],
        `required by ${asmRoutes.map((i) => `routes[${i}]`).join(', ')} (router "asm"): the ASM instance (serviceMeshId) whose control plane holds the DestinationRules`,
      ),
    );
  if (asmRoutes.length === 0 && p.asm)
    out.push(problem(['asm'], 'set, but no route has router "asm": add router: asm to the routes it steers'));
  routes.forEach((r, i) => {
    if (r?.destinationRule && r.router !== 'asm')
      out.push(
        problem(
          ['routes', i, 'destinationRule'],
          `only used with router "asm" (this route has "${r.router ?? 'mse-ingress'}")`,
        ),
      );
  });
  if (asmRoutes.length === 0 || typeof p.region !== 'string') return out;
  const clusters = arr(p.clusters);
  dupes(
    clusters.map((c) => (typeof c?.zone === 'string' ? localityOf(p, c) : undefined)),
    (i, j, v) =>
      out.push(
        problem(
          ['clusters', i, 'zone'],
          `locality "${v}" also holds clusters[${j}]: router "asm" weighs traffic by locality, so the two clusters' weights would be ambiguous`,
        ),
      ),
  );
  return out;
};

/** Cluster ids, names and pod labels, route names and Ingresses are each unique. */
export const checkUniqueIds: Check = (p) => {
  const out: string[] = [];
  const clusters = arr(p.clusters);
  dupes(
    clusters.map((c) => c?.id),
    (i, j, v) =>
      out.push(problem(['clusters', i, 'id'], `duplicate cluster id "${v}" (also clusters[${j}])`)),
  );
  dupes(
    clusters.map((c) => c?.name),
    (i, j, v) =>
      out.push(problem(['clusters', i, 'name'], `duplicate cluster name "${v}" (also clusters[${j}])`)),
  );
  dupes(
    clusters.map((c) => (c?.podLabel ? `${c.podLabel.key}=${c.podLabel.value}` : undefined)),
    (i, j, v) =>
      out.push(
        problem(
          ['clusters', i, 'podLabel'],
          `pod label ${v} also names clusters[${j}]: pods would be ambiguous`,
        ),
      ),
  );
  const routes = arr(p.routes);
  dupes(
    routes.map((r) => r?.name),
    (i, j, v) => out.push(problem(['routes', i, 'name'], `duplicate route name "${v}" (also routes[${j}])`)),
  );
  dupes(
    routes.map((r) => (r?.namespace && r.ingress ? `${r.namespace}/${r.ingress}` : undefined)),
    (i, j, v) =>
      out.push(problem(['routes', i, 'ingress'], `Ingress ${v} is already governed by routes[${j}]`)),
  );
  return out;
};

/** A primary and a secondary never share a zone, and the clusters span at least two zones. */
export const checkZones: Check = (p) => {
  const out: string[] = [];
  const clusters = arr(p.clusters);
  clusters.forEach((b, j) => {
    clusters.slice(0, j).forEach((a, i) => {
      if (a?.zone && a.zone === b?.zone && a.role !== b.role)
        out.push(
          problem(
            ['clusters', j, 'zone'],
            `same zone "${b.zone}" as clusters[${i}]: a primary and a secondary must be in different zones`,
          ),
        );
    });
  });
  const zones = new Set(clusters.map((c) => c?.zone).filter(Boolean));
  if (clusters.length >= 2 && zones.size === 1)
    out.push(
      problem(['clusters'], `every cluster is in zone ${[...zones][0]}: zone recovery needs two zones`),
    );
  return out;
};

/** Every cluster is in the policy's VPC (the Fleet, the ACK cluster and the registered cluster share it). */
export const checkVpc: Check = (p) => {
  const vpcId = p.network?.vpc?.id;
  if (!vpcId) return [];
  return arr(p.clusters).flatMap((c, i) =>
    c?.vpcId && c.vpcId !== vpcId
      ? [problem(['clusters', i, 'vpcId'], `"${c.vpcId}" is not the policy's VPC "${vpcId}"`)]
      : [],
  );
};

interface Located {
  path: PropertyKey[];
  block: Block;
  what: string;
}

/** vSwitches lie inside the VPC and are disjoint; pod, service and on-premises blocks overlap nothing. */
export const checkNetworkBlocks: Check = (p) => {
  const out: string[] = [];
  const vpc = parseCidr(p.network?.vpc?.cidr);
  const vSwitches: Located[] = [];
  const isolated: Located[] = [];
  arr(p.clusters).forEach((c, i) => {
    arr(c?.vSwitches).forEach((v, k) => {
      const block = parseCidr(v?.cidr);
      if (block)
        vSwitches.push({ path: ['clusters', i, 'vSwitches', k, 'cidr'], block, what: `vSwitch ${v.id}` });
    });
    for (const f of ['podCidr', 'serviceCidr'] as const) {
      const block = parseCidr(c?.[f]);
      const what = `${f === 'podCidr' ? 'pod' : 'service'} block of ${c?.id}`;
      if (block) isolated.push({ path: ['clusters', i, f], block, what });
    }
  });
  arr(p.network?.onPremisesCidrs).forEach((cidr, k) => {
    const block = parseCidr(cidr);
    if (block) isolated.push({ path: ['network', 'onPremisesCidrs', k], block, what: 'on-premises block' });
  });
  for (const [k, v] of vSwitches.entries()) {
    if (vpc && !contains(vpc, v.block))
      out.push(problem(v.path, `${v.block.cidr} is not inside the VPC block ${vpc.cidr}`));
    for (const u of vSwitches.slice(0, k))
      if (overlaps(u.block, v.block))
        out.push(problem(v.path, `${v.block.cidr} overlaps ${u.what} (${u.block.cidr})`));
  }
  const vpcEntry: Located[] = vpc
    ? [{ path: ['network', 'vpc', 'cidr'], block: vpc, what: 'the VPC block' }]
    : [];
  for (const [k, s] of isolated.entries()) {
    for (const o of [...vpcEntry, ...vSwitches, ...isolated.slice(0, k)])
      if (overlaps(o.block, s.block))
        out.push(problem(s.path, `${s.block.cidr} overlaps ${o.what} (${o.block.cidr})`));
  }
  return out;
};

/** Baseline weights name only known clusters and sum to 100; the least healthy weight fits every cluster. */
export const checkWeights: Check = (p) => {
  const out: string[] = [];
  const ids = [...new Set(arr(p.clusters).map((c) => c?.id))];
  arr(p.routes).forEach((r, i) => {
    const weights = r?.baselineWeights && typeof r.baselineWeights === 'object' ? r.baselineWeights : {};
    let sum = 0;
    for (const [id, w] of Object.entries(weights)) {
      if (!ids.includes(id))
        out.push(
          problem(['routes', i, 'baselineWeights', id], `unknown cluster id (known: ${ids.join(', ')})`),
        );
      if (typeof w === 'number') sum += w;
    }
    if (sum !== 100)
      out.push(problem(['routes', i, 'baselineWeights'], `weights sum to ${sum}, must be 100`));
  });
  const min = p.safety?.minHealthyWeight;
  if (typeof min === 'number' && min * ids.length > 100)
    out.push(problem(['safety', 'minHealthyWeight'], `${min} × ${ids.length} clusters is more than 100`));
  return out;
};

/** Failback steps rise strictly and end at 100 (the baseline). */
export const checkFailback: Check = (p) => {
  const steps = arr(p.failback?.steps).filter((s): s is number => typeof s === 'number');
  if (steps.length === 0) return [];
  const out: string[] = [];
  steps.forEach((s, i) => {
    if (i === 0 && s === 0) out.push(problem(['failback', 'steps', 0], 'the first step must be above 0'));
    const prev = steps[i - 1];
    if (prev !== undefined && s <= prev)
      out.push(problem(['failback', 'steps', i], `${s} does not rise above the previous step ${prev}`));
  });
  if (steps.at(-1) !== 100)
    out.push(problem(['failback', 'steps'], 'the last step must be 100 (the baseline)'));
  return out;
};

/** Confirming sources are distinct, exclude the alarm itself, and can supply the confirmations required. */
export const checkDetection: Check = (p) => {
  const d = p.detection;
  if (!d) return [];
  const out: string[] = [];
  const sources = arr(d.confirmingSources);
  dupes(sources, (i, _j, v) =>
    out.push(problem(['detection', 'confirmingSources', i], `"${v}" is listed twice`)),
  );
  sources.forEach((s, i) => {
    if (s === 'alarm')
      out.push(
        problem(['detection', 'confirmingSources', i], 'the alarm cannot confirm itself; list other sources'),
      );
  });
  const usable = new Set(sources.filter((s) => s !== 'alarm')).size;
  if (typeof d.confirmationsRequired === 'number' && d.confirmationsRequired > usable)
    out.push(
      problem(
        ['detection', 'confirmationsRequired'],
        `${d.confirmationsRequired} confirmations required but only ${usable} confirming source(s) listed`,
      ),
    );
  return out;
};

/** The health-check's rounds must not overlap: its probe interval is above the slowest probe timeout. */
export const checkProbeInterval: Check = (p) => {
  const interval = p.detection?.probeIntervalSeconds;
  const timeouts = arr(p.clusters).flatMap((c) => arr(c?.probes).map((x) => x?.timeoutMs));
  const slowest = Math.max(0, ...timeouts.filter((t): t is number => typeof t === 'number'));
  if (typeof interval !== 'number' || interval * 1000 > slowest) return [];
  return [
    problem(
      ['detection', 'probeIntervalSeconds'],
      `${interval} s is not above the slowest probe timeout (${slowest} ms): a health-check round would run into the next`,
    ),
  ];
};

/** The shortest period between two scheduled rounds: Function Compute timers fire at most once a minute. */
export const SHORTEST_ROUND_SECONDS = 60;

/** The level sources (one reading per round): their settings live in `detection.sources.<source>`. */
const LEVEL_SOURCES = ['gatewayHealth', 'readyReplicas', 'ackState'] as const;

/**
 * Readings must outlive what they are used for. A level (gateway health, ready replicas, cluster state) is read
 * once a round, so a level that needs more than one consecutive reading must keep each reading beyond the time
 * to the next round; one round's probe samples (taken one after the other, each up to its timeout) must outlive
 * the round. A source's own `maxReadingAgeSeconds` replaces `detection.maxReadingAgeSeconds` for it.
 */
export const checkReadingAge: Check = (p) => {
  const d = p.detection;
  const global = d?.maxReadingAgeSeconds;
  const sources = (d?.sources ?? {}) as Partial<Record<string, Record<string, unknown>>>;
  const out: string[] = [];
  const limitOf = (source: string): { max: number; path: PropertyKey[] } | undefined => {
    const own = sources[source]?.maxReadingAgeSeconds;
    if (typeof own === 'number')
      return { max: own, path: ['detection', 'sources', source, 'maxReadingAgeSeconds'] };
    return typeof global === 'number'
      ? { max: global, path: ['detection', 'maxReadingAgeSeconds'] }
      : undefined;
  };
  for (const source of LEVEL_SOURCES) {
    const n = sources[source]?.consecutiveReadings;
    const limit = limitOf(source);
    if (typeof n !== 'number' || n <= 1 || !limit || limit.max > SHORTEST_ROUND_SECONDS) continue;
    out.push(
      problem(
        limit.path,
        `${limit.max} s is not more than the ${SHORTEST_ROUND_SECONDS} s between two rounds (timers fire at most once a minute): ${source}, read once a round, would expire before the next round and never reach detection.sources.${source}.consecutiveReadings ${n}`,
      ),
    );
  }
  const probeLimit = limitOf('probe');
  if (!probeLimit) return out;
  const f = typeof d.failuresToDown === 'number' ? d.failuresToDown : 1;
  const s = typeof d.successesToUp === 'number' ? d.successesToUp : 1;
  const samples = Math.max(f, s);
  let slowest: { i: number; ms: number } | undefined;
  arr(p.clusters).forEach((c, i) => {
    const timeouts = arr(c?.probes).map((probe) =>
      typeof probe?.timeoutMs === 'number' ? probe.timeoutMs : 2_000,
    );
    const ms = timeouts.length > 0 ? Math.max(...timeouts) : 0;
    if (!slowest || ms > slowest.ms) slowest = { i, ms };
  });
  if (slowest && samples * slowest.ms > probeLimit.max * 1000)
    out.push(
      problem(
        probeLimit.path,
        `${probeLimit.max} s is shorter than one probe round of clusters[${slowest.i}] (${samples} sample(s) × ${slowest.ms} ms timeout = ${(samples * slowest.ms) / 1000} s): its first samples would expire before the decision`,
      ),
    );
  return out;
};

const SECRET_HEADER =
  /^(authorization|proxy-authorization|cookie|x-api-key)$|token|secret|password|signature/i;

/** Secrets are referenced by environment-variable name: inline probe headers must not look like one. */
export const checkInlineSecrets: Check = (p) =>
  arr(p.clusters).flatMap((c, i) =>
    arr(c?.probes).flatMap((probe, k) => {
      const headers = probe?.headers && typeof probe.headers === 'object' ? Object.keys(probe.headers) : [];
      const secret = new Set(Object.keys(probe?.secretHeadersEnv ?? {}).map((h) => h.toLowerCase()));
      return headers.flatMap((h) => {
        const path = ['clusters', i, 'probes', k, 'headers', h];
        if (secret.has(h.toLowerCase())) return [problem(path, 'also set in secretHeadersEnv; keep one')];
        return SECRET_HEADER.test(h)
          ? [problem(path, 'looks like a secret: name its environment variable in secretHeadersEnv instead')]
          : [];
      });
    }),
  );

/** Every cross-field check, in the order problems are listed. */
export const CHECKS: Check[] = [
  checkUniqueIds,
  checkPins,
  checkAsm,
  checkZones,
  checkVpc,
  checkNetworkBlocks,
  checkWeights,
  checkFailback,
  checkDetection,
  checkProbeInterval,
  checkReadingAge,
  checkInlineSecrets,
];

/** Runs every check; a check that trips over malformed input (already reported by the schema) is skipped. */
export function crossFieldProblems(policy: Policy): string[] {
  return CHECKS.flatMap((check) => {
    try {
      return check(policy);
    } catch {
      return [];
    }
  });
}

function arr<T>(v: T[] | undefined | null): T[] {
  return Array.isArray(v) ? v : [];
}

function dupes<T>(values: T[], report: (i: number, first: number, v: T) => void): void {
  const seen = new Map<T, number>();
  values.forEach((v, i) => {
    if (v === undefined || v === null) return;
    const first = seen.get(v);
    if (first === undefined) seen.set(v, i);
    else report(i, first, v);
  });
}
