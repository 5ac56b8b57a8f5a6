import { startDrill, DRILL_TOKEN } from './drill-env';
const d = await startDrill();
try {
  const form = (state: string, ts: number) => new URLSearchParams({ alertName: 'az1-availability', alertState: state, metricName: 'Availability', timestamp: String(ts), dimensions: '{taskId=c-ack-az1}', ruleId: 'r1', namespace: 'acs_networkmonitor' }).toString();
  let t = Date.now();
  const r1 = await d.invoker.invokeHttp('alarm-failover', { method: 'POST', query: { token: 'bad' }, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form('ALERT', t) });
  console.log('bad token', r1.statusCode, r1.body.toString(), Date.now() - t);
  t = Date.now();
  const r2 = await d.invoker.invokeHttp('alarm-failover', { method: 'POST', query: { token: DRILL_TOKEN }, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form('ALERT', t) });
  console.log('healthy', r2.statusCode, r2.body.toString(), r2.error, Date.now() - t);
  const inv = d.invoker.invocations.at(-1);
  console.log(inv?.logs.map((l) => l.message).join('\n'));
} finally { await d.stop(); }
