/** Minimal types for @alicloud/fc2 2.6.6 (plain JS, no declarations): only what fleet-dr and its tests use. */
declare module '@alicloud/fc2' {
  /** Client options; note `accessKeyID` (capital ID) as the package spells it. */
  export interface FcClientConfig {
    accessKeyID: string;
    accessKeySecret: string;
    securityToken?: string;
    region: string;
    endpoint?: string;
    timeout?: number;
    secure?: boolean;
    internal?: boolean;
    headers?: Record<string, string>;
  }
  /** What every call resolves to. */
  export interface FcResponse<T = unknown> {
    headers: Record<string, string>;
    data: T;
  }
  /** The FC 2.0 client. */
  export default class FC {
    constructor(accountId: string, config: FcClientConfig);
    invokeFunction(
      serviceName: string,
      functionName: string,
      event: string | Buffer,
      headers?: Record<string, string>,
      qualifier?: string,
      opts?: { rawBuf?: boolean },
    ): Promise<FcResponse<string | Buffer | Record<string, unknown>>>;
  }
}
