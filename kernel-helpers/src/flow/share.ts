/**
 * `globus.share(collection, path, { identity | group, permissions })` (or
 * `globus.share({ collection, path }, { … })`): an access rule on a guest collection.
 */
import { joinHtml, keyValueHtml, linkHtml } from '../display/html';
import { BadInputError } from '../errors/bad-input-error';
import { sdkCall } from '../services/sdk-call';
import { requireServiceToken } from '../services/service-context';
import type { IEndpointDocument } from '../services/transfer/types';
import { webAppUrl } from './link';
import {
  collectionArguments,
  collectionLabel,
  type CollectionInput,
  type ICollectionPath,
  labelPath,
  resolveCollection
} from './resolve-collection';
import { type IVerbContext, type IVerbOptions, runVerb, showHtml } from './verb-context';

/** Options of `share()`: exactly one of `identity` and `group`. */
export interface IShareOptions extends IVerbOptions {
  /** A Globus identity id or username (e.g. `grace.colleague@globusid.org`). */
  identity?: string;
  /** A Globus group id. */
  group?: string;
  /** `r` (default) or `rw`. */
  permissions?: 'r' | 'rw';
  /** A note sent with the invitation email (Transfer's `notify_message`). */
  message?: string;
}

/** What `share()` returns. */
export interface IShareResult {
  /** The access rule id. */
  accessId: string;
  collection: string;
  /** The shared folder (ends with `/`). */
  path: string;
  principalType: 'identity' | 'group';
  /** Identity or group id. */
  principal: string;
  /** The username, when shared with an identity given by username. */
  principalName: string | null;
  permissions: 'r' | 'rw';
  /** True when an identical rule existed already (nothing was created). */
  existing: boolean;
  /** The Globus web app page of the shared folder. */
  webAppUrl: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface IAccessDocument {
  id?: string;
  access_id?: string;
  principal_type: string;
  principal: string;
  path: string;
  permissions: string;
  code?: string;
}

/**
 * Grant an identity or a group access to a folder of a guest collection you manage.
 * Access rules apply to folders, so a file path shares its folder. Repeating the same
 * share is harmless: the existing rule is returned.
 *
 * @param ctx - the session
 * @param collection - a guest collection, by id or display name
 * @param path - absolute folder path (a file path shares its folder)
 * @param options - `identity` or `group`, `permissions`, signal
 * @throws BadInputError (`BAD_PRINCIPAL`, `IDENTITY_NOT_FOUND`, `NOT_A_GUEST_COLLECTION`);
 *   GlobusApiError from Transfer (e.g. 403 when you do not manage the collection)
 */
export function share(
  ctx: IVerbContext,
  collection: CollectionInput,
  path: string,
  options: IShareOptions
): Promise<IShareResult>;
/**
 * Share a folder given as `{ collection, path }` (the form `fetchCsv` and `upload` take).
 *
 * @param ctx - the session
 * @param target - `{ collection, path }` on a guest collection
 * @param options - `identity` or `group`, `permissions`, signal
 */
export function share(
  ctx: IVerbContext,
  target: ICollectionPath,
  options: IShareOptions
): Promise<IShareResult>;
export function share(
  ctx: IVerbContext,
  first: CollectionInput | ICollectionPath,
  second: string | IShareOptions,
  third?: IShareOptions
): Promise<IShareResult> {
  return runVerb(ctx, `Sharing ${labelPath(first, second)}`, async () => {
    const { collection, path, options } = collectionArguments('share', first, second, third);
    const { signal } = options ?? {};
    if (!options || (options.identity === undefined) === (options.group === undefined)) {
      throw new BadInputError('share needs exactly one of { identity } or { group }', {
        code: 'BAD_PRINCIPAL'
      });
    }
    const permissions = options.permissions ?? 'r';
    if (permissions !== 'r' && permissions !== 'rw') {
      throw new BadInputError(
        `permissions must be 'r' or 'rw' (got ${JSON.stringify(permissions)})`,
        {
          code: 'BAD_PERMISSIONS'
        }
      );
    }
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new BadInputError(
        `A collection path must start with '/' (got ${JSON.stringify(path)})`,
        {
          code: 'BAD_PATH'
        }
      );
    }
    const folder = path.endsWith('/') ? path : path.slice(0, path.lastIndexOf('/') + 1);
    const doc = await resolveCollection(ctx.transfer, collection, { signal });
    if (doc.entity_type && doc.entity_type !== 'GCSv5_guest_collection') {
      throw new BadInputError(
        `${collectionLabel(doc)} is a ${doc.entity_type}; access rules can only be set on guest collections`,
        { code: 'NOT_A_GUEST_COLLECTION' }
      );
    }
    let principalType: 'identity' | 'group';
    let principal: string;
    let principalName: string | null = null;
    if (options.group !== undefined) {
      if (!UUID.test(options.group)) {
        throw new BadInputError(
          `group must be a Globus group id (got ${JSON.stringify(options.group)})`,
          {
            code: 'BAD_PRINCIPAL'
          }
        );
      }
      principalType = 'group';
      principal = options.group;
    } else {
      principalType = 'identity';
      const who = String(options.identity).trim();
      if (UUID.test(who)) {
        principal = who;
      } else {
        const found = await ctx.auth.identities.getByUsername(who, { signal });
        if (!found) {
          throw new BadInputError(`No Globus identity has the username '${who}'`, {
            code: 'IDENTITY_NOT_FOUND'
          });
        }
        principal = found.id;
        principalName = found.username;
      }
    }
    const token = requireServiceToken(ctx.context, 'transfer', 'create access rule');
    const id = encodeURIComponent(doc.id);
    const payload = {
      DATA_TYPE: 'access' as const,
      principal_type: principalType,
      principal,
      path: folder,
      permissions,
      ...(options.message ? { notify_message: options.message } : {})
    };
    // Through @globus/sdk's transfer.access (see services/sdk-call.ts).
    const res = await sdkCall<IAccessDocument>(
      ctx.context,
      'transfer',
      {
        operation: 'create access rule',
        token,
        resource: ctx.transfer.describe(doc, folder),
        okStatuses: [409],
        signal
      },
      (sdk, o) => sdk.transfer.access.create(id, { payload }, o)
    );
    let accessId = res.data?.access_id;
    let existing = false;
    if (res.status === 409) {
      const list = await sdkCall<{ DATA?: IAccessDocument[] }>(
        ctx.context,
        'transfer',
        {
          operation: 'list access rules',
          token,
          resource: ctx.transfer.describe(doc),
          signal
        },
        (sdk, o) => sdk.transfer.access.getAll(id, {}, o)
      );
      const same = (list.data?.DATA ?? []).find(
        r => r.principal === principal && r.path === folder && r.principal_type === principalType
      );
      if (!same?.id) {
        throw new BadInputError(
          `Transfer says a rule for ${folder} exists already, but it is not in the access list`,
          { code: 'ACCESS_RULE_CONFLICT' }
        );
      }
      accessId = same.id;
      existing = true;
    }
    const result: IShareResult = {
      accessId: String(accessId),
      collection: doc.id,
      path: folder,
      principalType,
      principal,
      principalName,
      permissions,
      existing,
      webAppUrl: webAppUrl(doc.id, folder)
    };
    showHtml(ctx.display, shareCard(doc, result));
    return result;
  });
}

/**
 * The card shown after sharing.
 *
 * @param doc - the collection
 * @param r - the result
 */
export function shareCard(doc: IEndpointDocument, r: IShareResult) {
  return joinHtml(
    [
      keyValueHtml(
        [
          ['Collection', collectionLabel(doc)],
          ['Folder', r.path],
          ['Shared with', `${r.principalType} ${r.principalName ?? r.principal}`],
          ['Permissions', r.permissions === 'rw' ? 'read and write' : 'read'],
          ['Access rule', `${r.accessId}${r.existing ? ' (existed already)' : ''}`],
          ['Globus web app', linkHtml('Open in the Globus web app', r.webAppUrl)]
        ],
        { title: 'Shared' }
      )
    ],
    { className: 'jp-GlobusKit-Share' }
  );
}
