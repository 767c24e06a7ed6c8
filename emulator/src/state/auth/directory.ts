/**
 * The people, identities, OAuth clients and groups of the emulator's world. Ids come from
 * `../seed.ts` so that every service, the tests and the docs name the same things.
 */
import {
  COLLEAGUE_IDENTITY_ID,
  DEMO_IDENTITY_ID,
  DEMO_LINKED_IDENTITY_ID,
  GLOBUS_CLI_CLIENT_ID,
  HUB_CLIENT_ID,
  HUB_CLIENT_SECRET,
  NATIVE_CLIENT_ID,
  TUTORIAL_GROUP_ID
} from '../seed.js';
import type { IIdentity, IUser } from '../types.js';

/** Identity provider id of Globus ID (the real one; it appears in recorded responses). */
export const GLOBUS_ID_IDP = '41143743-f3c8-4d60-bbdb-eeecaba85bd9';
/** Identity provider id of the demo user's (fictional) university. */
export const EXAMPLE_UNIVERSITY_IDP = '8d4f2c1a-5b6e-4a7f-9c8d-0e1f2a3b4c77';
/** Pseudo identity provider of client identities (`<client_id>@clients.auth.globus.org`). */
export const CLIENTS_IDP = '2b7d0f3c-9e1a-4c5b-8d6f-7a0b1c2d3e88';
/**
 * The client id Transfer uses when it holds a dependent grant (the `client` of a
 * `data_access` node in a consent tree).
 */
export const TRANSFER_SERVICE_CLIENT_ID = '2fbdda78-a599-4cb5-ac3d-1fbcfbc6a754';

/** The demo user's primary username. */
export const DEMO_USERNAME = 'demo.researcher@globusid.org';
/** The demo user's linked institutional username. */
export const DEMO_LINKED_USERNAME = 'dresearcher@example.edu';
/** The colleague's username. */
export const COLLEAGUE_USERNAME = 'grace.colleague@globusid.org';

/** An OAuth client registered with the emulated Globus Auth. */
export interface IOAuthClient {
  id: string;
  name: string;
  /** Confidential clients authenticate with HTTP Basic; public (native) ones send `client_id`. */
  confidential: boolean;
  /** Only for confidential clients. */
  secret?: string;
  /**
   * Exact redirect URIs accepted besides the always-allowed ones: loopback URIs
   * (`http://127.0.0.1:*`, `http://localhost:*`, RFC 8252) and, for public clients, the
   * Auth service's own `/v2/web/auth-code` page.
   */
  redirectUris: string[];
  /** A native app that instances may be made of (`POST /v2/api/clients` with `template_id`). */
  templatable?: boolean;
  /** A native app instance: the native app it was made from (its `parent_client`). */
  parentClient?: string;
  /** Client credentials (native app instances): each is a secret the client may use. */
  credentials?: IClientCredential[];
}

/** One client credential (`/v2/api/clients/{id}/credentials`). */
export interface IClientCredential {
  id: string;
  name: string;
  secret: string;
  /** ISO 8601 with microseconds and `+00:00`, as Auth writes it. */
  created: string;
}

/** A Globus group. */
export interface IGroup {
  id: string;
  name: string;
  description: string;
  /** identity id → role. */
  members: Map<string, 'member' | 'manager' | 'admin'>;
}

function identity(
  id: string,
  username: string,
  name: string,
  email: string | null,
  organization: string | null,
  idp: string,
  idpName: string
): IIdentity {
  return {
    id,
    username,
    name,
    email,
    organization,
    identity_provider: idp,
    identity_provider_display_name: idpName,
    identity_type: 'login',
    status: 'used'
  };
}

/** The seeded identities, users, clients and groups, with look-ups. */
export class Directory {
  private readonly identities = new Map<string, IIdentity>();
  private readonly users = new Map<string, IUser>();
  /** identity id → user (every identity of a set points at the same user). */
  private readonly userOfIdentity = new Map<string, IUser>();
  readonly clients = new Map<string, IOAuthClient>();
  readonly groups = new Map<string, IGroup>();

  constructor() {
    const demo = identity(
      DEMO_IDENTITY_ID,
      DEMO_USERNAME,
      'Demo Researcher',
      'demo.researcher@example.edu',
      'Example University',
      GLOBUS_ID_IDP,
      'Globus ID'
    );
    const linked = identity(
      DEMO_LINKED_IDENTITY_ID,
      DEMO_LINKED_USERNAME,
      'Demo Researcher',
      'dresearcher@example.edu',
      'Example University',
      EXAMPLE_UNIVERSITY_IDP,
      'Example University'
    );
    const colleague = identity(
      COLLEAGUE_IDENTITY_ID,
      COLLEAGUE_USERNAME,
      'Grace Colleague',
      'grace.colleague@example.org',
      'Example Lab',
      GLOBUS_ID_IDP,
      'Globus ID'
    );
    this.addUser([demo, linked], [TUTORIAL_GROUP_ID]);
    this.addUser([colleague], []);

    this.addClient({
      id: HUB_CLIENT_ID,
      name: 'Emulated JupyterHub',
      confidential: true,
      secret: HUB_CLIENT_SECRET,
      redirectUris: []
    });
    this.addClient({
      id: NATIVE_CLIENT_ID,
      name: 'JupyterLab Globus Kit',
      confidential: false,
      redirectUris: [],
      templatable: true
    });
    this.addClient({
      id: GLOBUS_CLI_CLIENT_ID,
      name: 'Globus CLI',
      confidential: false,
      redirectUris: [],
      templatable: true
    });

    this.groups.set(TUTORIAL_GROUP_ID, {
      id: TUTORIAL_GROUP_ID,
      name: 'Tutorial Users',
      description: 'Everyone working through the Globus tutorial.',
      members: new Map([
        [DEMO_IDENTITY_ID, 'member'],
        [COLLEAGUE_IDENTITY_ID, 'admin']
      ])
    });
  }

  /**
   * Adds a person with an identity set (the first identity is primary).
   * @param identities - the set, primary first
   * @param groupIds - groups the user is an active member of
   */
  addUser(identities: IIdentity[], groupIds: string[]): IUser {
    const user: IUser = { primary: identities[0], identities, groupIds };
    this.users.set(identities[0].id, user);
    for (const i of identities) {
      this.identities.set(i.id, i);
      this.userOfIdentity.set(i.id, user);
    }
    return user;
  }

  /**
   * Registers an OAuth client; it also gets a client identity
   * (`<client_id>@clients.auth.globus.org`), as real Globus Auth does.
   */
  addClient(client: IOAuthClient): void {
    this.clients.set(client.id, client);
    this.identities.set(client.id, {
      id: client.id,
      username: `${client.id}@clients.auth.globus.org`,
      name: client.name,
      email: null,
      organization: null,
      identity_provider: CLIENTS_IDP,
      identity_provider_display_name: 'Globus Auth clients',
      identity_type: 'client',
      status: 'used'
    });
  }

  /** Unregisters a client and its client identity (a deleted native app instance). */
  removeClient(id: string): void {
    this.clients.delete(id);
    this.identities.delete(id);
  }

  /** Looks up an identity by id or username (usernames are case-insensitive). */
  identity(idOrUsername: string): IIdentity | undefined {
    const key = idOrUsername.toLowerCase();
    const byId = this.identities.get(key);
    if (byId) return byId;
    for (const i of this.identities.values()) {
      if (i.username.toLowerCase() === key) return i;
    }
    return undefined;
  }

  /** Creates an `unused` identity for an unknown username (`provision=true`). */
  provision(username: string, newId: string): IIdentity {
    const found = this.identity(username);
    if (found) return found;
    const created: IIdentity = {
      id: newId,
      username: username.toLowerCase(),
      name: null,
      email: null,
      organization: null,
      identity_provider: GLOBUS_ID_IDP,
      identity_provider_display_name: 'Globus ID',
      identity_type: 'login',
      status: 'unused'
    };
    this.identities.set(created.id, created);
    return created;
  }

  /**
   * Test seeding (the admin origin's `PATCH /seed/identities/<id>`): changes what an
   * identity is called, e.g. to a hostile name. The id stays; a new username must be free.
   * @param id - identity id
   * @param patch - `name`, `username`, `email`, `organization`
   * @returns the changed identity, or undefined when there is no such identity
   */
  updateIdentity(
    id: string,
    patch: Partial<Pick<IIdentity, 'name' | 'username' | 'email' | 'organization'>>
  ): IIdentity | undefined {
    const found = this.identities.get(id.toLowerCase());
    if (!found) return undefined;
    if (patch.username !== undefined) {
      const other = this.identity(patch.username);
      if (other && other.id !== found.id) throw new Error(`Username ${patch.username} is taken`);
    }
    Object.assign(found, patch);
    return found;
  }

  /** The user owning an identity (any identity of the set). */
  userByIdentity(identityId: string): IUser | undefined {
    return this.userOfIdentity.get(identityId.toLowerCase());
  }

  /** Every user, in seeding order. */
  allUsers(): IUser[] {
    return [...this.users.values()];
  }

  /** Groups where any identity of the user is a member. */
  groupsOf(user: IUser): IGroup[] {
    const ids = new Set(user.identities.map(i => i.id));
    return [...this.groups.values()].filter(g => [...g.members.keys()].some(m => ids.has(m)));
  }
}
