/**
 * Consents: what a user has allowed a client to do, kept as Globus Auth keeps them — a
 * forest. A root node is a scope granted to the client; a dependency node (e.g. a
 * collection's `data_access` under Transfer's scope) is held by the resource server that will
 * use it. Ids are integers; `dependency_path` lists the ids from the root to the node.
 */
import { createHash } from 'node:crypto';
import type { IClock } from '../types.js';
import type { IScopeRequest } from './scopes.js';
import { resourceServerOf, TRANSFER_RESOURCE_SERVER } from './scopes.js';
import { TRANSFER_SERVICE_CLIENT_ID } from './directory.js';

/** A consent as `GET /v2/api/identities/{id}/consents` returns it. */
export interface IConsent {
  id: number;
  status: 'approved';
  created: string;
  updated: string;
  allows_refresh: boolean;
  dependency_path: number[];
  scope_name: string;
  atomically_revocable: boolean;
  effective_identity: string;
  auto_approved: boolean;
  last_used: string | null;
  /** The scope's id (a UUID derived from its name). */
  scope: string;
  /** The client holding this grant. */
  client: string;
}

/**
 * A stable UUID-shaped id for a name (scope ids, service client ids): SHA-1 of the name,
 * laid out like a version-5 UUID, so ids repeat across runs.
 * @param name - any string
 */
export function stableId(name: string): string {
  const h = createHash('sha1').update(name).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The client a resource server uses for the dependent grants it holds. */
function serviceClientOf(scope: string): string {
  const rs = resourceServerOf(scope);
  if (rs === TRANSFER_RESOURCE_SERVER) return TRANSFER_SERVICE_CLIENT_ID;
  return stableId(`service-client:${rs ?? scope}`);
}

/** The consent forest of every user. */
export class ConsentStore {
  private readonly consents: IConsent[] = [];
  private nextId = 142632;

  constructor(private readonly clock: IClock) {}

  /**
   * Records an approval: each requested scope becomes (or refreshes) a root consent for the
   * client, each dependency a child node. Already-approved nodes are kept, not duplicated.
   * @param clientId - the client the user approved
   * @param identityId - the identity the user logged in with (`effective_identity`)
   * @param requests - the parsed `scope` request
   * @param options - `offline` sets `allows_refresh`; `autoApproved` marks test-switch approvals
   */
  grant(
    clientId: string,
    identityId: string,
    requests: IScopeRequest[],
    options: { offline: boolean; autoApproved: boolean }
  ): void {
    const now = new Date(this.clock.now()).toISOString().replace('Z', '+00:00');
    const visit = (req: IScopeRequest, parent: IConsent | undefined): void => {
      const client = parent ? serviceClientOf(parent.scope_name) : clientId;
      let node = this.consents.find(
        c =>
          c.effective_identity === identityId &&
          c.scope_name === req.scope &&
          c.client === client &&
          (parent
            ? c.dependency_path.length === parent.dependency_path.length + 1 &&
              c.dependency_path[c.dependency_path.length - 2] === parent.id
            : c.dependency_path.length === 1)
      );
      if (node) {
        node.updated = now;
        node.allows_refresh ||= options.offline;
      } else {
        const id = this.nextId++;
        node = {
          id,
          status: 'approved',
          created: now,
          updated: now,
          allows_refresh: options.offline,
          dependency_path: parent ? [...parent.dependency_path, id] : [id],
          scope_name: req.scope,
          atomically_revocable: req.optional,
          effective_identity: identityId,
          auto_approved: options.autoApproved,
          last_used: now,
          scope: stableId(`scope:${req.scope}`),
          client
        };
        this.consents.push(node);
      }
      for (const dep of req.dependencies) visit(dep, node);
    };
    for (const req of requests) visit(req, undefined);
  }

  /**
   * Consents of a user, roots first then their descendants in creation order.
   * @param identityIds - every identity of the user's set
   * @param rootClientId - when given, only trees rooted at this client (`all=false`)
   */
  list(identityIds: ReadonlySet<string>, rootClientId?: string): IConsent[] {
    const roots = new Set(
      this.consents
        .filter(
          c =>
            c.dependency_path.length === 1 &&
            identityIds.has(c.effective_identity) &&
            (rootClientId === undefined || c.client === rootClientId)
        )
        .map(c => c.id)
    );
    return this.consents.filter(c => roots.has(c.dependency_path[0])).map(c => ({ ...c }));
  }

  /**
   * True when the user approved `childScope` as a dependency of `parentScope` for the client.
   * @param clientId - the root client
   * @param identityIds - every identity of the user's set
   */
  hasDependency(
    clientId: string,
    identityIds: ReadonlySet<string>,
    parentScope: string,
    childScope: string
  ): boolean {
    const parents = this.list(identityIds, clientId).filter(
      c => c.dependency_path.length === 1 && c.scope_name === parentScope
    );
    return parents.some(p =>
      this.consents.some(
        c =>
          c.scope_name === childScope &&
          c.dependency_path.length === 2 &&
          c.dependency_path[0] === p.id &&
          c.status === 'approved'
      )
    );
  }

  /**
   * True when the user approved `scope` at the top level for the client.
   * @param clientId - the root client
   * @param identityIds - every identity of the user's set
   */
  hasRoot(clientId: string, identityIds: ReadonlySet<string>, scope: string): boolean {
    return this.list(identityIds, clientId).some(
      c => c.dependency_path.length === 1 && c.scope_name === scope
    );
  }
}
