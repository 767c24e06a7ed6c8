/**
 * Everything the emulator uses from s3rver beyond its documented options, in one place.
 *
 * Why internals: s3rver's public API has no way to add or remove access keys while it runs
 * (it only knows its hard-coded `S3RVER`/`S3RVER` pair), and the workspace API must mint STS
 * keys at run time and retire them when they expire. s3rver keeps keys in a process-wide
 * registry on its `AWSAccount` model (`lib/models/account.js`), which its authentication
 * middleware (`lib/middleware/authentication.js`) consults for every signed request. We
 * register and revoke keys there, drop the default key, and write the seeded object through
 * its filesystem store. `platform-s3rver-internals.test.ts` fails if any of this moves.
 *
 * The registry is shared by every s3rver in the process, so keys are random and each
 * emulator revokes only its own.
 */

/** s3rver's account model (the parts used here). */
interface IAwsAccount {
  readonly accessKeys: Map<string, string>;
  createKeyPair(accessKeyId: string, secretAccessKey: string): void;
  revokeAccessKey(accessKeyId: string): void;
}

interface IAwsAccountModule {
  registry: Map<string, IAwsAccount>;
  DUMMY_ACCOUNT: IAwsAccount;
}

/** s3rver's stored-object model constructor. */
type S3ObjectCtor = new (
  bucket: string,
  key: string,
  content: Buffer,
  metadata: Record<string, string>
) => unknown;

/** An object as s3rver's store lists it (`lib/models/object.js`). */
interface IStoredObject {
  key: string;
  metadata: Record<string, string>;
  readonly size: number;
  readonly lastModifiedDate: Date;
}

/** The store an s3rver instance writes to (`app.store`). */
export interface IS3rverStore {
  putObject(object: unknown): Promise<{ size: number; md5: string }>;
  listObjects(
    bucket: string,
    options: { prefix?: string; delimiter?: string; startAfter?: string; maxKeys?: number }
  ): Promise<{ objects: IStoredObject[]; commonPrefixes: string[]; isTruncated: boolean }>;
}

/** One listed object. */
export interface IListedObject {
  key: string;
  /** As stored, quoted (`"<md5>"`). */
  etag: string;
  size: number;
  lastModified: Date;
}

/**
 * Every object (and common prefix, with a delimiter) under `prefix`, unpaged. s3rver's own
 * paging is unusable here: its store walks folders in directory order (not key order) and
 * its ListObjectsV2 continuation tokens use DES, which OpenSSL 3 no longer offers (HTTP 500).
 * @param store - `s3rver.store`
 */
export async function listAllObjects(
  store: IS3rverStore,
  bucket: string,
  prefix: string,
  delimiter: string
): Promise<{ objects: IListedObject[]; commonPrefixes: string[] }> {
  const result = await store.listObjects(bucket, { prefix, delimiter, maxKeys: Infinity });
  return {
    objects: result.objects.map(o => ({
      key: o.key,
      etag: o.metadata.etag ?? '',
      size: o.size,
      lastModified: o.lastModifiedDate
    })),
    commonPrefixes: result.commonPrefixes
  };
}

/** The s3rver module paths this file depends on. */
export const S3RVER_INTERNAL_MODULES = {
  account: 's3rver/lib/models/account.js',
  object: 's3rver/lib/models/object.js'
} as const;

/** The access key s3rver accepts out of the box. */
export const S3RVER_DEFAULT_ACCESS_KEY = 'S3RVER';

function accounts(): IAwsAccountModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- s3rver is CommonJS without types
  return require(S3RVER_INTERNAL_MODULES.account) as IAwsAccountModule;
}

/** Removes s3rver's built-in `S3RVER` key, so only keys registered here authenticate. */
export function dropDefaultKey(): void {
  accounts().DUMMY_ACCOUNT.revokeAccessKey(S3RVER_DEFAULT_ACCESS_KEY);
}

/** Makes s3rver accept `accessKeyId` (its signature check is done by the emulator first). */
export function registerKey(accessKeyId: string, secretAccessKey: string): void {
  accounts().DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
}

/** Makes s3rver refuse `accessKeyId` again. */
export function revokeKey(accessKeyId: string): void {
  accounts().DUMMY_ACCOUNT.revokeAccessKey(accessKeyId);
}

/** Whether s3rver currently knows `accessKeyId`. */
export function isKeyRegistered(accessKeyId: string): boolean {
  return accounts().registry.has(accessKeyId);
}

/**
 * Writes an object straight into an s3rver store (seed data, before any client connects).
 * @param store - `s3rver.store`
 */
export async function putSeedObject(
  store: IS3rverStore,
  bucket: string,
  key: string,
  body: Buffer,
  contentType: string
): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- s3rver is CommonJS without types
  const S3Object = require(S3RVER_INTERNAL_MODULES.object) as S3ObjectCtor;
  await store.putObject(
    new S3Object(bucket, key, body, {
      'content-type': contentType,
      'content-length': String(body.length)
    })
  );
}
