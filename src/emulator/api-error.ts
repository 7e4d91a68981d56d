/**
 * Errors the emulator answers with, in the API's documented body shape
 * `{"error":{code,message,target,innerError}}`. The handler throws these; one
 * place turns them into responses, anything else becomes a logged 500.
 */
export class ApiFault extends Error {
  readonly status: number;
  readonly code: string;
  readonly target: string | null;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, target: string | null = null, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiFault';
    this.status = status;
    this.code = code;
    this.target = target;
    this.headers = headers;
  }

  body(): string {
    return JSON.stringify({
      error: {
        code: this.code,
        message: this.message.slice(0, 1024),
        target: this.target,
        innerError: { code: this.code, message: this.message.slice(0, 1024) },
      },
    });
  }
}

export const invalidRequest = (message: string, target: string | null = null): ApiFault =>
  new ApiFault(400, 'invalidRequest', message, target);

export const itemNotFound = (id: string): ApiFault =>
  new ApiFault(404, 'itemNotFound', `no referral with id '${id}'`, id);
