/**
 * `--notify-test`: one test message through the product's DingTalk client (the robot, token, secret and
 * keywords the policy names, the way the outbox sends), passing when the robot accepts it (errcode 0: the
 * signature and the keyword were accepted). Nobody is @-mentioned. Without the flag nothing is sent.
 */

import { overridesFromEnv } from '../clients/endpoints';
import { NotifyError } from '../clients/errors';
import type { Policy } from '../config';
import { toDingTalkPayload } from '../notify/dingtalk';
import { createDingTalkSender, type DingTalkSend, type Robot } from '../notify/dingtalk-client';
import { fail, messageOf, type PreflightCheck, pass } from './types';

export const NOTIFY_ROW = 'notify: test message reaches the DingTalk robot';

const toUrl = (s: string) => (/^https?:\/\//.test(s) ? s : `http://${s}`);

/** The robot the outbox would send to, or why there is none (a variable not set). */
export function robotOf(policy: Policy, env: NodeJS.ProcessEnv): Robot | { missing: string } {
  const d = policy.notify.dingtalk;
  const accessToken = env[d.accessTokenEnv];
  if (!accessToken) return { missing: d.accessTokenEnv };
  if (d.secretEnv && !env[d.secretEnv]) return { missing: d.secretEnv };
  const override = overridesFromEnv(env).dingtalk;
  const url = override ? new URL('/robot/send', toUrl(override)).toString() : d.url;
  return { url, accessToken, secret: d.secretEnv ? env[d.secretEnv] : undefined };
}

/** Sends the test message; one row. */
export async function runNotifyTest(
  policy: Policy,
  env: NodeJS.ProcessEnv,
  send: DingTalkSend = createDingTalkSender({ retries: 0 }),
): Promise<PreflightCheck> {
  const robot = robotOf(policy, env);
  if ('missing' in robot)
    return fail(
      NOTIFY_ROW,
      `not sent: ${robot.missing} is not set`,
      `set ${robot.missing} where preflight runs (the functions get it from s.yaml)`,
    );
  const host = new URL(robot.url).host;
  const payload = toDingTalkPayload(
    {
      title: 'fleet-dr preflight',
      text: '#### fleet-dr preflight\n\nA test message: the robot accepts fleet-dr\u2019s notifications.',
    },
    {},
    policy.notify.dingtalk.keywords,
  );
  try {
    await send(robot, payload);
    return pass(
      NOTIFY_ROW,
      `accepted by ${host} (signature ${robot.secret ? 'checked' : 'not used'}, keyword ${policy.notify.dingtalk.keywords.length > 0 ? 'included' : 'not needed'})`,
    );
  } catch (err) {
    const code = err instanceof NotifyError ? err.code : 'error';
    return fail(
      NOTIFY_ROW,
      `refused by ${host}: ${code}: ${messageOf(err).slice(0, 200)}`,
      `check ${policy.notify.dingtalk.accessTokenEnv}${policy.notify.dingtalk.secretEnv ? ` and ${policy.notify.dingtalk.secretEnv}` : ''} and notify.dingtalk.keywords against the robot's security settings`,
    );
  }
}
