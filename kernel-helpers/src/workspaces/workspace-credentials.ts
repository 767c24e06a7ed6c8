/**
 * Temporary (STS) S3 credentials of one workspace that never show their secret parts:
 * the secret key and session token live in private fields and leave only through
 * `unsafeReveal()`, which the S3 client's credential provider calls. Every other view
 * (`util.inspect`, `toString`, `toJSON`, tslab display) shows the access key id, the
 * expiry and a fingerprint.
 */
import { inspect, type InspectOptions } from 'node:util';
import { fingerprintOf } from '../tokens/token';

/** The STS answer's credentials (snake_case as the workspace API sends them). */
export interface IStsCredentialsDocument {
  access_key: string;
  secret_key: string;
  token?: string;
  /** ISO 8601. */
  expiration?: string;
}

/** The redacted, JSON-safe view of {@link WorkspaceCredentials}. */
export interface IWorkspaceCredentialsSummary {
  workspace: string;
  accessKeyId: string;
  expiresAt: string | null;
  expiresInSeconds: number | null;
  status: 'valid' | 'expired' | 'unknown';
  hasSessionToken: boolean;
  /** First 8 hex digits of the secret key's SHA-256. */
  fingerprint: string;
}

/** The raw credentials for an S3 client (secret: never print). */
export interface IRevealedS3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/**
 * STS credentials for one workspace.
 */
export class WorkspaceCredentials {
  /** The workspace they are for. */
  readonly workspace: string;
  /** The access key id (an identifier, not a secret, as in AWS). */
  readonly accessKeyId: string;
  /** When they stop working; `undefined` when the API did not say. */
  readonly expiresAt: Date | undefined;
  /** When they were received (epoch ms). */
  readonly receivedAt: number;
  /** First 8 hex digits of the secret key's SHA-256. */
  readonly fingerprint: string;
  readonly #secret: string;
  readonly #sessionToken: string | undefined;

  /**
   * @param workspace - the workspace name
   * @param doc - the STS answer's `credentials`
   */
  constructor(workspace: string, doc: IStsCredentialsDocument) {
    this.workspace = workspace;
    this.accessKeyId = doc.access_key;
    this.#secret = doc.secret_key;
    this.#sessionToken = doc.token || undefined;
    const t = doc.expiration ? Date.parse(doc.expiration) : Number.NaN;
    this.expiresAt = Number.isFinite(t) ? new Date(t) : undefined;
    this.receivedAt = Date.now();
    this.fingerprint = fingerprintOf(doc.secret_key);
  }

  /**
   * Seconds until expiry (negative when past); `undefined` when unknown.
   *
   * @param now - epoch ms (default now)
   */
  expiresInSeconds(now = Date.now()): number | undefined {
    return this.expiresAt ? Math.floor((this.expiresAt.getTime() - now) / 1000) : undefined;
  }

  /** Their lifetime when received, in seconds (`undefined` when unknown). */
  get lifetimeSeconds(): number | undefined {
    return this.expiresAt ? (this.expiresAt.getTime() - this.receivedAt) / 1000 : undefined;
  }

  /** The raw credentials. Only the S3 client's credential provider calls this. */
  unsafeReveal(): IRevealedS3Credentials {
    return {
      accessKeyId: this.accessKeyId,
      secretAccessKey: this.#secret,
      sessionToken: this.#sessionToken,
      expiration: this.expiresAt
    };
  }

  /** The secret parts, for scrubbing text that might echo them. */
  secrets(): string[] {
    return [this.#secret, ...(this.#sessionToken ? [this.#sessionToken] : [])];
  }

  /** The redacted, JSON-safe view. */
  toJSON(): IWorkspaceCredentialsSummary {
    const left = this.expiresInSeconds();
    return {
      workspace: this.workspace,
      accessKeyId: this.accessKeyId,
      expiresAt: this.expiresAt ? this.expiresAt.toISOString() : null,
      expiresInSeconds: left ?? null,
      status: left === undefined ? 'unknown' : left > 0 ? 'valid' : 'expired',
      hasSessionToken: this.#sessionToken !== undefined,
      fingerprint: this.fingerprint
    };
  }

  /** `WorkspaceCredentials(<workspace>, <access key id>, expires …, sha256:<fp>…)` */
  toString(): string {
    const j = this.toJSON();
    return `WorkspaceCredentials(${j.workspace}, ${j.accessKeyId}, ${j.status}${j.expiresAt ? ` until ${j.expiresAt}` : ''}, sha256:${j.fingerprint}…)`;
  }

  /** Redacted `util.inspect` / console / tslab view. */
  [inspect.custom](_depth: number, options: InspectOptions): string {
    return `WorkspaceCredentials ${inspect(this.toJSON(), { ...options, depth: 2 })}`;
  }
}
