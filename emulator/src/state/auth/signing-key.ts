/**
 * The RS256 key that signs id_tokens, generated fresh at every start (nothing to leak or
 * rotate), published at `/jwk.json`. jose is ESM-only while this package builds to
 * CommonJS, so it is loaded with a dynamic `import()`.
 */
import { createHash, randomUUID } from 'node:crypto';

const loadJose = () => import('jose');
type Jose = Awaited<ReturnType<typeof loadJose>>;
type PrivateKey = Awaited<ReturnType<Jose['generateKeyPair']>>['privateKey'];

/** The id_token signing algorithm (Globus itself uses RS512; the emulator's choice is RS256). */
export const ID_TOKEN_ALG = 'RS256';

/** A public JWK as `/jwk.json` lists it. */
export interface IPublicJwk {
  kty: string;
  n: string;
  e: string;
  alg: string;
  use: 'sig';
  kid: string;
}

/** A generated signing key pair. */
export class SigningKey {
  private constructor(
    private readonly jose: Jose,
    private readonly privateKey: PrivateKey,
    /** The public half, as published. */
    readonly jwk: IPublicJwk
  ) {}

  /** Generates a new RSA key pair. */
  static async generate(): Promise<SigningKey> {
    const jose = await loadJose();
    const { privateKey, publicKey } = await jose.generateKeyPair(ID_TOKEN_ALG, {
      extractable: true
    });
    const pub = await jose.exportJWK(publicKey);
    const jwk: IPublicJwk = {
      kty: pub.kty ?? 'RSA',
      n: pub.n ?? '',
      e: pub.e ?? 'AQAB',
      alg: ID_TOKEN_ALG,
      use: 'sig',
      kid: randomUUID()
    };
    return new SigningKey(jose, privateKey, jwk);
  }

  /**
   * Signs an id_token.
   * @param claims - the JWT payload (`iss`, `aud`, `exp`, `iat` included by the caller)
   */
  sign(claims: Record<string, unknown>): Promise<string> {
    return new this.jose.SignJWT(claims)
      .setProtectedHeader({ alg: ID_TOKEN_ALG, typ: 'JWT', kid: this.jwk.kid })
      .sign(this.privateKey);
  }
}

/**
 * The OIDC `at_hash` of an access token for an RS256 id_token: base64url of the left half of
 * its SHA-256.
 * @param accessToken - the token the id_token is issued with
 */
export function atHash(accessToken: string): string {
  const digest = createHash('sha256').update(accessToken, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
