/**
 * Test seeding on the admin origin (not part of Globus): hostile or unusual names for the
 * injection tests — a collection with any `display_name`, files with any name in any
 * collection, an identity with any name, username or organization. Everything else about
 * the world stays as seeded.
 *
 * - `POST /seed/collections` `{display_name, description?, organization?, department?,
 *   keywords?, public?, files?}` → 201 `{id, display_name, https_server}`: a guest collection
 *   on the mapped collection, owned by the demo user (`rw` on `/`), anonymously readable
 *   unless `public` is false, served over its own GCS HTTPS origin
 * - `PATCH /seed/collections/<id>` `{display_name?, description?, organization?,
 *   department?, keywords?, high_assurance?, session_required_single_domain?}` → 200
 *   `{id, display_name, …}`. A `session_required_single_domain` (a domain, or null to
 *   clear) makes the collection high-assurance: Transfer operations on it (ls, mkdir,
 *   rename, delete, transfer and delete submissions) answer 403 `AuthPolicyFailed` with
 *   `authorization_parameters` unless the token comes from a login that asked for that
 *   domain, with an identity in it, within the collection's
 *   `authentication_assurance_timeout` (30 minutes)
 * - `POST /seed/collections/<id>/files` `{files: {"/path": "text"}}` → 201 `{written: [...]}`
 *   (parents created; `..` refused)
 * - `POST /seed/collections/<id>/unreadable` `{paths: ["/path", …]}` → 201
 *   `{unreadable: [...]}`: transfer tasks may not read those files (a `PERMISSION_DENIED`
 *   fault mid-task, or a skipped error under `skip_source_errors`); the files stay as they are
 * - `PATCH /seed/identities/<id>` `{name?, username?, email?, organization?}` → 200 the identity
 *   (`GLOBUS_DATA`, userinfo and identity look-ups made afterwards carry the new values)
 * - `POST /seed/tasks` `{count, label?, status?, source?, destination?, owner?, bytes?}` →
 *   201 `{task_ids: [...]}` (oldest first): `count` (1 to 10,000) finished transfer tasks
 *   recorded without running (no bytes move), one file of `bytes` each (default 1000),
 *   `status` `SUCCEEDED` (default) or `FAILED` (a `PERMISSION_DENIED` fault), labelled
 *   `<label> 0001`… (default label `seeded task`), from `source` to `destination`
 *   (collection ids; default the tutorial public collection to the guest collection),
 *   owned by `owner` (an identity id; default the demo user), requested one second apart
 *   up to now: a task history for the Activity view's tests and benchmark
 *
 * Errors: 400 `BadRequest` with `field`, 404 `NotFound`, 409 `Conflict`.
 */
import { EmulatorHttpError, type Router } from '../../http/router.js';
import type { AuthState } from '../../state/auth/auth-state.js';
import { normalizePath } from '../../state/collection-paths.js';
import { isCollectionError, type CollectionStore } from '../../state/collections.js';
import type { TaskEngine } from '../../state/tasks.js';
import type { ICollectionSpec } from '../../state/collection-seed.js';
import { actorOfUser } from '../../state/actor.js';
import {
  DEMO_IDENTITY_ID,
  GUEST_COLLECTION_ID,
  MAPPED_COLLECTION_ID,
  PUBLIC_COLLECTION_ID,
  TUTORIAL_ENDPOINT_ID
} from '../../state/seed.js';
import { nameUuid } from '../../state/transfer-format.js';

/** Longest text a seeded field may hold (room for "very long name" tests). */
export const MAX_SEED_TEXT = 100_000;

/** Most tasks one `POST /seed/tasks` records. */
export const MAX_SEED_TASKS = 10_000;

/** What the seed routes act on. */
export interface ISeedTarget {
  collections: CollectionStore;
  auth: AuthState;
  /** The task engine (for files seeded as unreadable). */
  tasks: TaskEngine;
  /** Serves a newly added HTTPS collection on its own origin; returns that origin. */
  serveHttps(collectionId: string): Promise<string>;
}

const COLLECTION_FIELDS = {
  display_name: 'displayName',
  description: 'description',
  organization: 'organization',
  department: 'department',
  keywords: 'keywords'
} as const;

/**
 * Adds the `/seed/*` routes to the admin router.
 * @param router - the admin origin's router
 * @param target - the collection store, Auth state and the HTTPS starter
 */
export function addSeedRoutes(router: Router, target: ISeedTarget): Router {
  const { collections, auth } = target;
  let added = 0;

  router.add('POST', '/seed/collections', async ctx => {
    const body = objectBody(await ctx.json<unknown>());
    const patch = collectionPatch(body);
    if (typeof patch.displayName !== 'string' || patch.displayName === '') {
      throw bad("'display_name' is required (a string)", 'display_name');
    }
    const isPublic = body.public === undefined ? true : body.public;
    if (typeof isPublic !== 'boolean') throw bad("'public' must be true or false", 'public');
    const files = fileMap(body.files);
    const id = nameUuid(`emulator:seeded-collection:${++added}`);
    const spec: ICollectionSpec = {
      id,
      displayName: patch.displayName,
      entityType: 'GCSv5_guest_collection',
      ownerId: DEMO_IDENTITY_ID,
      description: patch.description ?? null,
      organization: patch.organization ?? null,
      department: patch.department ?? null,
      keywords: patch.keywords ?? null,
      public: isPublic,
      highAssurance: false,
      hostCollectionId: MAPPED_COLLECTION_ID,
      endpointId: TUTORIAL_ENDPOINT_ID,
      https: true,
      policy: 'rules',
      rules: [
        { principal_type: 'identity', principal: DEMO_IDENTITY_ID, path: '/', permissions: 'rw' },
        ...(isPublic
          ? [
              {
                principal_type: 'anonymous' as const,
                principal: '',
                path: '/',
                permissions: 'r' as const
              }
            ]
          : [])
      ],
      files: {}
    };
    await collections.addCollection(spec);
    await writeFiles(collections, id, files);
    const httpsServer = await target.serveHttps(id);
    ctx.send(201, { id, display_name: spec.displayName, https_server: httpsServer });
  });

  router.add('PATCH', '/seed/collections/:id', async ctx => {
    const body = objectBody(await ctx.json<unknown>());
    const patch: Parameters<CollectionStore['updateCollection']>[1] = collectionPatch(body);
    if (!collections.get(ctx.params.id)) throw notFound(`No collection '${ctx.params.id}'`);
    if (patch.displayName === '' || (patch.displayName as unknown) === null) {
      throw bad("'display_name' must be a non-empty string", 'display_name');
    }
    if ('high_assurance' in body) {
      if (typeof body.high_assurance !== 'boolean') {
        throw bad("'high_assurance' must be true or false", 'high_assurance');
      }
      patch.highAssurance = body.high_assurance;
    }
    if ('session_required_single_domain' in body) {
      const domain = body.session_required_single_domain;
      if (domain !== null && (typeof domain !== 'string' || !/^[a-z0-9.-]{1,253}$/i.test(domain))) {
        throw bad(
          "'session_required_single_domain' must be a domain name or null",
          'session_required_single_domain'
        );
      }
      patch.sessionDomain = domain === null ? null : domain.toLowerCase();
      if (domain !== null) patch.highAssurance = true;
    }
    const spec = collections.updateCollection(ctx.params.id, patch);
    ctx.send(200, {
      id: spec.id,
      display_name: spec.displayName,
      description: spec.description,
      organization: spec.organization,
      department: spec.department,
      keywords: spec.keywords,
      high_assurance: spec.highAssurance,
      session_required_single_domain: spec.sessionDomain ?? null
    });
  });

  router.add('POST', '/seed/collections/:id/files', async ctx => {
    const body = objectBody(await ctx.json<unknown>());
    if (!collections.get(ctx.params.id)) throw notFound(`No collection '${ctx.params.id}'`);
    const files = fileMap(body.files);
    if (Object.keys(files).length === 0) throw bad("'files' must name at least one file", 'files');
    ctx.send(201, { written: await writeFiles(collections, ctx.params.id, files) });
  });

  router.add('POST', '/seed/collections/:id/unreadable', async ctx => {
    const body = objectBody(await ctx.json<unknown>());
    if (!collections.get(ctx.params.id)) throw notFound(`No collection '${ctx.params.id}'`);
    const paths = body.paths;
    if (
      !Array.isArray(paths) ||
      paths.length === 0 ||
      !paths.every(p => typeof p === 'string' && p.startsWith('/'))
    ) {
      throw bad("'paths' must be a non-empty list of absolute paths", 'paths');
    }
    const marked: string[] = [];
    for (const raw of paths as string[]) {
      let path: string;
      try {
        path = normalizePath(raw, '/');
      } catch {
        throw bad(`Invalid path '${raw.slice(0, 80)}'`, 'paths');
      }
      target.tasks.markUnreadable(ctx.params.id, path);
      marked.push(path);
    }
    ctx.send(201, { unreadable: marked });
  });

  router.add('POST', '/seed/tasks', async ctx => {
    const body = objectBody(await ctx.json<unknown>());
    const count = body.count;
    if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > MAX_SEED_TASKS) {
      throw bad(`'count' must be a whole number from 1 to ${MAX_SEED_TASKS}`, 'count');
    }
    const label = body.label ?? 'seeded task';
    if (typeof label !== 'string' || label.length > 100) {
      throw bad("'label' must be a string of at most 100 characters", 'label');
    }
    const status = body.status ?? 'SUCCEEDED';
    if (status !== 'SUCCEEDED' && status !== 'FAILED') {
      throw bad("'status' must be SUCCEEDED or FAILED", 'status');
    }
    const bytes = body.bytes ?? 1000;
    if (!Number.isSafeInteger(bytes) || (bytes as number) < 0) {
      throw bad("'bytes' must be a whole number of bytes", 'bytes');
    }
    const ids: Record<'source' | 'destination' | 'owner', string> = {
      source: PUBLIC_COLLECTION_ID,
      destination: GUEST_COLLECTION_ID,
      owner: DEMO_IDENTITY_ID
    };
    for (const key of ['source', 'destination', 'owner'] as const) {
      const v = body[key];
      if (v === undefined) continue;
      if (typeof v !== 'string') throw bad(`'${key}' must be an id`, key);
      ids[key] = v;
    }
    for (const key of ['source', 'destination'] as const) {
      if (!collections.get(ids[key])) throw notFound(`No collection '${ids[key]}'`);
    }
    const user = auth.directory.userByIdentity(ids.owner);
    if (!user) throw notFound(`No identity '${ids.owner}'`);
    const tasks = target.tasks.seedFinished(actorOfUser(user), {
      count: count as number,
      label,
      sourceId: ids.source,
      destinationId: ids.destination,
      status,
      bytes: bytes as number
    });
    ctx.send(201, { task_ids: tasks.map(t => t.id) });
  });

  router.add('PATCH', '/seed/identities/:id', async ctx => {
    const body = objectBody(await ctx.json<unknown>());
    const patch: Partial<Record<'name' | 'username' | 'email' | 'organization', string | null>> =
      {};
    for (const key of ['name', 'username', 'email', 'organization'] as const) {
      if (!(key in body)) continue;
      const v = body[key];
      const nullable = key !== 'username';
      if (!(typeof v === 'string' || (nullable && v === null))) {
        throw bad(`'${key}' must be a string${nullable ? ' or null' : ''}`, key);
      }
      if (typeof v === 'string' && (v.length > MAX_SEED_TEXT || (key === 'username' && !v))) {
        throw bad(`'${key}' must be 1 to ${MAX_SEED_TEXT} characters`, key);
      }
      patch[key] = v;
    }
    let identity;
    try {
      identity = auth.directory.updateIdentity(ctx.params.id, patch as { username?: string });
    } catch (e) {
      throw new EmulatorHttpError(409, { code: 'Conflict', message: (e as Error).message });
    }
    if (!identity) throw notFound(`No identity '${ctx.params.id}'`);
    ctx.send(200, identity);
  });

  return router;
}

async function writeFiles(
  collections: CollectionStore,
  id: string,
  files: Record<string, string>
): Promise<string[]> {
  const written: string[] = [];
  for (const [path, content] of Object.entries(files)) {
    try {
      written.push(await collections.seedFile(id, path, content));
    } catch (e) {
      if (isCollectionError(e)) throw bad(`Invalid file path '${path}'`, 'files');
      throw e;
    }
  }
  return written;
}

/** The collection fields a seed route may set. */
type CollectionPatch = Partial<
  Pick<ICollectionSpec, 'displayName' | 'description' | 'organization' | 'department' | 'keywords'>
>;

function collectionPatch(body: Record<string, unknown>): CollectionPatch {
  const patch: Record<string, string | null> = {};
  for (const [field, key] of Object.entries(COLLECTION_FIELDS)) {
    if (!(field in body)) continue;
    const v = body[field];
    if (!(typeof v === 'string' || v === null)) throw bad(`'${field}' must be a string`, field);
    if (typeof v === 'string' && v.length > MAX_SEED_TEXT) {
      throw bad(`'${field}' is longer than ${MAX_SEED_TEXT} characters`, field);
    }
    patch[key] = v;
  }
  return patch as CollectionPatch;
}

function fileMap(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isObject(value) || !Object.values(value).every(v => typeof v === 'string')) {
    throw bad("'files' must map absolute paths to text", 'files');
  }
  return value as Record<string, string>;
}

function objectBody(body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw bad('The body must be a JSON object', 'body');
  return body;
}

function bad(message: string, field: string): EmulatorHttpError {
  return new EmulatorHttpError(400, { code: 'BadRequest', message, field });
}

function notFound(message: string): EmulatorHttpError {
  return new EmulatorHttpError(404, { code: 'NotFound', message });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
