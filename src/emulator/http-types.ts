/** The socket-free request/response the handler works on (server.ts adapts node:http to it). */
export interface EmulatorRequest {
  method: string;
  /** Path without the query string, e.g. `/v1.0/engagements/referrals/abc`. */
  path: string;
  /** Raw query string without `?` ('' when none). */
  query: string;
  /** Header names in lower case (node:http already lower-cases them). */
  headers: Record<string, string | string[] | undefined>;
  /** Raw body text ('' when none). */
  body: string;
  /** Scheme and authority the client used, for absolute links (`http://127.0.0.1:4780`). */
  origin: string;
}

export interface EmulatorResponse {
  status: number;
  headers: Record<string, string>;
  /** Serialised body ('' for none). */
  body: string;
  /**
   * Fault injection: the write was committed, now drop the connection instead of
   * answering (the ambiguous failure a client must resolve by reading).
   */
  destroySocket?: boolean;
}

export function headerValue(req: EmulatorRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
