import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contains, overlaps, parseCidr } from '../../shared/config-cidr';
import { validatePolicy } from '../../shared/config-loader';
import { ConfigError } from '../../shared/errors';
import { example } from './helpers';

// biome-ignore lint/suspicious/noExplicitAny: the tests break arbitrary fields of a parsed copy
function problemsAfter(change: (p: any) => void): string[] {
  const p = example();
  change(p);
  try {
    validatePolicy(p);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
}

describe('cross-field checks', () => {
  it('pass on the example policy', () => {
    assert.deepEqual(
      problemsAfter(() => {}),
      [],
    );
  });

  // biome-ignore lint/suspicious/noExplicitAny: the cases break arbitrary fields of a parsed copy
  const cases: Array<[string, (p: any) => void, string[]]> = [
    [
      'a primary and a secondary in one zone',
      (p) => {
        p.clusters[1].zone = 'cn-hangzhou-h';
      },
      [
        'clusters[1].zone: same zone "cn-hangzhou-h" as clusters[0]: a primary and a secondary must be in different zones',
        'clusters: every cluster is in zone cn-hangzhou-h: zone recovery needs two zones',
      ],
    ],
    [
      'duplicate cluster ids',
      (p) => {
        p.clusters[1].id = 'c-ack-az1';
      },
      [
        'clusters[1].id: duplicate cluster id "c-ack-az1" (also clusters[0])',
        'routes[0].baselineWeights.c-reg-az2: unknown cluster id (known: c-ack-az1)',
      ],
    ],
    [
      'a cluster outside the policy VPC',
      (p) => {
        p.clusters[0].vpcId = 'vpc-other';
      },
      ['clusters[0].vpcId: "vpc-other" is not the policy\'s VPC "vpc-demo"'],
    ],
    [
      'a vSwitch outside the VPC',
      (p) => {
        p.clusters[1].vSwitches[0].cidr = '10.1.0.0/24';
      },
      ['clusters[1].vSwitches[0].cidr: 10.1.0.0/24 is not inside the VPC block 10.0.0.0/16'],
    ],
    [
      'overlapping vSwitches',
      (p) => {
        p.clusters[1].vSwitches[0].cidr = '10.0.1.128/25';
      },
      ['clusters[1].vSwitches[0].cidr: 10.0.1.128/25 overlaps vSwitch vsw-az1 (10.0.1.0/24)'],
    ],
    [
      'a pod block inside the VPC',
      (p) => {
        p.clusters[0].podCidr = '10.0.128.0/17';
      },
      ['clusters[0].podCidr: 10.0.128.0/17 overlaps the VPC block (10.0.0.0/16)'],
    ],
    [
      'pod blocks of two clusters overlapping',
      (p) => {
        p.clusters[1].podCidr = '172.20.0.0/16';
      },
      ['clusters[1].podCidr: 172.20.0.0/16 overlaps pod block of c-ack-az1 (172.20.0.0/16)'],
    ],
    [
      'a service block overlapping on-premises',
      (p) => {
        p.clusters[0].serviceCidr = '192.168.10.0/24';
      },
      ['network.onPremisesCidrs[0]: 192.168.0.0/16 overlaps service block of c-ack-az1 (192.168.10.0/24)'],
    ],
    [
      'weights that do not sum to 100',
      (p) => {
        p.routes[0].baselineWeights['c-reg-az2'] = 40;
      },
      ['routes[0].baselineWeights: weights sum to 90, must be 100'],
    ],
    [
      'a weight for an unknown cluster',
      (p) => {
        p.routes[0].baselineWeights = { 'c-ack-az1': 50, 'c-x': 50 };
      },
      ['routes[0].baselineWeights.c-x: unknown cluster id (known: c-ack-az1, c-reg-az2)'],
    ],
    [
      'duplicate route names',
      (p) => {
        p.routes.push({ ...p.routes[0], ingress: 'other' });
      },
      ['routes[1].name: duplicate route name "web-demo" (also routes[0])'],
    ],
    [
      'two routes on one Ingress',
      (p) => {
        p.routes.push({ ...p.routes[0], name: 'again' });
      },
      ['routes[1].ingress: Ingress web-demo/web-demo is already governed by routes[0]'],
    ],
    [
      'a shared pod label',
      (p) => {
        p.gateway = { ...p.gateway, pin: 'label' };
        p.clusters[0].podLabel = { key: 'team.example/cell', value: 'cell-1' };
        p.clusters[1].podLabel = { key: 'team.example/cell', value: 'cell-1' };
      },
      [
        'clusters[1].podLabel: pod label team.example/cell=cell-1 also names clusters[0]: pods would be ambiguous',
      ],
    ],
    [
      'falling failback steps',
      (p) => {
        p.failback.steps = [50, 10, 100];
      },
      ['failback.steps[1]: 10 does not rise above the previous step 50'],
    ],
    [
      'failback steps short of 100',
      (p) => {
        p.failback.steps = [10, 50];
      },
      ['failback.steps: the last step must be 100 (the baseline)'],
    ],
    [
      'more confirmations than sources',
      (p) => {
        p.detection.confirmationsRequired = 2;
        p.detection.confirmingSources = ['probe'];
      },
      ['detection.confirmationsRequired: 2 confirmations required but only 1 confirming source(s) listed'],
    ],
    [
      'the alarm confirming itself',
      (p) => {
        p.detection.confirmingSources = ['alarm', 'probe'];
      },
      ['detection.confirmingSources[0]: the alarm cannot confirm itself; list other sources'],
    ],
    [
      'level readings that expire before the next round when a level needs two',
      (p) => {
        p.detection.maxReadingAgeSeconds = 60;
        p.detection.sources = { gatewayHealth: { consecutiveReadings: 2 } };
      },
      [
        'detection.maxReadingAgeSeconds: 60 s is not more than the 60 s between two rounds (timers fire at most once a minute): gatewayHealth, read once a round, would expire before the next round and never reach detection.sources.gatewayHealth.consecutiveReadings 2',
      ],
    ],
    [
      'readings that expire within one probe round',
      (p) => {
        p.detection.maxReadingAgeSeconds = 61;
        p.detection.probeIntervalSeconds = 31;
        p.clusters[1].probes[0].timeoutMs = 30_000;
      },
      [
        'detection.maxReadingAgeSeconds: 61 s is shorter than one probe round of clusters[1] (3 sample(s) × 30000 ms timeout = 90 s): its first samples would expire before the decision',
      ],
    ],
    [
      'a minimum weight too large for the clusters',
      (p) => {
        p.safety.minHealthyWeight = 60;
      },
      ['safety.minHealthyWeight: 60 × 2 clusters is more than 100'],
    ],
    [
      'an inline secret header',
      (p) => {
        p.clusters[0].probes[0].headers = { Authorization: 'Bearer x' };
      },
      [
        'clusters[0].probes[0].headers.Authorization: looks like a secret: name its environment variable in secretHeadersEnv instead',
      ],
    ],
    [
      'a probe interval not above the slowest probe timeout',
      (p) => {
        p.detection.probeIntervalSeconds = 2;
        p.clusters[1].probes[0].timeoutMs = 2000;
      },
      [
        'detection.probeIntervalSeconds: 2 s is not above the slowest probe timeout (2000 ms): a health-check round would run into the next',
      ],
    ],
    [
      'a route with router asm and no asm section',
      (p) => {
        p.routes[0].router = 'asm';
      },
      [
        'asm: required by routes[0] (router "asm"): the ASM instance (serviceMeshId) whose control plane holds the DestinationRules',
      ],
    ],
    [
      'an asm section no route uses',
      (p) => {
        p.asm = { serviceMeshId: 'c-mesh' };
      },
      ['asm: set, but no route has router "asm": add router: asm to the routes it steers'],
    ],
    [
      'a destinationRule on an mse-ingress route',
      (p) => {
        p.routes[0].destinationRule = { name: 'web-demo' };
      },
      ['routes[0].destinationRule: only used with router "asm" (this route has "mse-ingress")'],
    ],
    [
      'two clusters in one locality with router asm',
      (p) => {
        p.asm = { serviceMeshId: 'c-mesh' };
        p.routes[0].router = 'asm';
        p.clusters.push({ ...structuredClone(p.clusters[0]), id: 'c-ack-az1b', name: 'ack-az1b' });
        p.clusters[2].vSwitches = [];
        delete p.clusters[2].podCidr;
        delete p.clusters[2].serviceCidr;
      },
      [
        'clusters[2].zone: locality "cn-hangzhou/cn-hangzhou-h" also holds clusters[0]: router "asm" weighs traffic by locality, so the two clusters\' weights would be ambiguous',
      ],
    ],
    [
      'a failover setting in asm (fleet-dr only writes distribute) and a non-boolean privateIpAddress',
      (p) => {
        p.asm = { serviceMeshId: 'c-mesh', privateIpAddress: 'yes', failover: [] };
        p.routes[0].router = 'asm';
      },
      ['asm.privateIpAddress: expected boolean, received string', 'asm.failover: unknown field'],
    ],
  ];
  for (const [what, change, expected] of cases) {
    it(`reports ${what}`, () => assert.deepEqual(problemsAfter(change), expected));
  }

  it('accepts router asm with an asm section, and two clusters in one zone under mse-ingress', () => {
    assert.deepEqual(
      problemsAfter((p) => {
        p.asm = { serviceMeshId: 'c-mesh', regionId: 'cn-shanghai', privateIpAddress: true };
        p.routes[0].router = 'asm';
        p.routes[0].destinationRule = { name: 'web-demo-dr', namespace: 'mesh' };
      }),
      [],
    );
  });

  it('lets readings expire within a round when one sample decides', () => {
    assert.deepEqual(
      problemsAfter((p) => {
        p.detection.failuresToDown = 1;
        p.detection.successesToUp = 1;
        p.detection.maxReadingAgeSeconds = 30;
      }),
      [],
    );
  });

  it('still reports cross-field problems when a field also fails the schema', () => {
    const list = problemsAfter((p) => {
      p.clusters[0].probes[0].url = 'nope';
      p.routes[0].baselineWeights['c-reg-az2'] = 10;
    });
    assert.deepEqual(list, [
      'clusters[0].probes[0].url: invalid URL (http or https)',
      'routes[0].baselineWeights: weights sum to 60, must be 100',
    ]);
  });
});

describe('CIDR arithmetic', () => {
  it('parses, contains and overlaps', () => {
    const vpc = parseCidr('10.0.0.0/16')!;
    assert.deepEqual([vpc.first, vpc.last], [0x0a000000, 0x0a00ffff]);
    assert.ok(contains(vpc, parseCidr('10.0.255.0/24')!));
    assert.ok(!contains(vpc, parseCidr('10.1.0.0/24')!));
    assert.ok(overlaps(parseCidr('0.0.0.0/0')!, parseCidr('255.255.255.255/32')!));
    assert.ok(!overlaps(parseCidr('10.0.1.0/24')!, parseCidr('10.0.2.0/24')!));
    assert.equal(parseCidr('10.0.0.256/8'), undefined);
    assert.equal(parseCidr('10.0.0.0/33'), undefined);
    assert.equal(parseCidr(7), undefined);
  });
});
