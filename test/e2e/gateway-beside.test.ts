// fleet-dr beside the gateway's own fallback, never instead of it: every zone fault runs twice on the same
// seed and load (sandbox/drill/compare.ts), with the gateway's fallback alone and with fleet-dr beside it.
// "Never worse": fleet-dr fails no larger share of the load than the gateway alone, beyond a stated tolerance.
// "Better" where the gateway's TCP check is blind: a zone answering 5xx, or answering too slowly. After the
// heal, the gateway alone sends traffic back at once; fleet-dr holds the zone away and says why and until when.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMPARED_FAULTS, type Comparison, compareFault } from '../../sandbox/drill/compare';

/** Randomness between runs (scheduling on a shared 2-core machine): fleet-dr may fail at most this much more. */
const TOLERANCE = 0.03;

const faultOf = (kind: string) => COMPARED_FAULTS.find((f) => f.kind === kind)!;

function report(c: Comparison): void {
  console.log(
    `gateway-beside ${c.kind}: alone ${JSON.stringify({ ...c.alone, heldAwayText: undefined })} / with fleet-dr ${JSON.stringify({ ...c.withFleetDr, heldAwayText: undefined })}`,
  );
}

function neverWorse(c: Comparison): void {
  // Closed client loops: a zone that hangs (blackhole) or answers after the client timeout (slow) stalls them,
  // so a window left to the gateway alone may carry only a few dozen requests.
  assert.ok(
    c.alone.requests > 30 && c.withFleetDr.requests > 30,
    `both windows carried load: ${c.alone.requests} / ${c.withFleetDr.requests}`,
  );
  assert.ok(
    c.withFleetDr.share <= c.alone.share + TOLERANCE,
    `never worse: ${c.withFleetDr.share} vs ${c.alone.share}`,
  );
}

/** After the heal: the gateway alone returns traffic; fleet-dr held the zone away and said why and until when. */
function healedAsDesigned(c: Comparison): void {
  assert.notEqual(c.alone.backAfterHealMs, null, 'the gateway alone sends traffic back to the healed zone');
  assert.equal(c.withFleetDr.backAfterHealMs, null, 'fleet-dr holds the healed zone away');
  assert.match(
    c.withFleetDr.heldAwayText ?? '',
    /Held away.*gets no traffic until it has been healthy \d+ s.*from \S+ \(in \d+ s\)/,
    `the message says why and until when: ${c.withFleetDr.messages.join(' | ')}`,
  );
}

describe('e2e: fleet-dr beside the gateway fallback is never worse than the gateway alone', {
  timeout: 600_000,
}, () => {
  for (const kind of ['errors', 'slow'] as const)
    it(`${kind} (the TCP check passes the zone): fleet-dr fails fewer requests, and holds the healed zone away`, async () => {
      const c = await compareFault(kind, faultOf(kind).opts);
      report(c);
      neverWorse(c);
      assert.ok(c.alone.share > 0.35, `the gateway alone keeps the bad zone's share: ${c.alone.share}`);
      assert.equal(c.withFleetDr.decision, 'shift', 'fleet-dr moved the traffic');
      assert.ok(
        c.withFleetDr.share < c.alone.share * 0.75,
        `better: ${c.withFleetDr.share} vs ${c.alone.share}`,
      );
      assert.ok(
        c.withFleetDr.offBadZoneMs < c.alone.offBadZoneMs,
        'traffic left the bad zone only with fleet-dr',
      );
      healedAsDesigned(c);
    });

  for (const kind of ['dead', 'blackhole'] as const)
    it(`${kind} (the TCP check catches it): fleet-dr beside the gateway is not worse`, async () => {
      const c = await compareFault(kind, faultOf(kind).opts);
      report(c);
      neverWorse(c);
      assert.notEqual(c.alone.backAfterHealMs, null, 'the gateway alone sends traffic back after the heal');
      // Where fleet-dr moved the traffic too, it must say why the healed zone stays away, and until when.
      if (c.withFleetDr.decision === 'shift') healedAsDesigned(c);
    });
});
