/**
 * HTTPS or a Globus transfer between JupyterLab's files and a collection (issue #16): when
 * `GLOBUS_LOCAL_ENDPOINT` names the collection that serves the notebook server's files and
 * the `localCollectionRoot` setting says where the Jupyter root is on it, a large or
 * many-file copy is better done by Globus (restartable, checksummed, no server stream).
 * Pure, so the choice and the paths it builds are unit-tested.
 */

/** The settings the choice reads. */
export interface ILocalRouteSettings {
  /** Where the Jupyter root is on the local collection (`/home/me/`); `''`: never offer. */
  localCollectionRoot: string;
  /** Offer a Globus transfer from this many files. */
  globusRouteMinFiles: number;
  /** Offer a Globus transfer from this many megabytes (MB = 10^6 bytes). */
  globusRouteMinMegabytes: number;
}

/** What the server's `lab-transfers/plan` says a copy would move. */
export interface IRoutePlan {
  files: number;
  bytes: number;
  /** The collection `GLOBUS_LOCAL_ENDPOINT` names, or null. */
  localEndpoint: string | null;
  /** Its display name, when it could be read. */
  localEndpointName: string | null;
}

/** The choice: which routes are possible, which one is proposed, and why. */
export interface IRouteChoice {
  /** A Globus transfer is possible (a local collection and a root are known). */
  globusPossible: boolean;
  /** The copy crosses a threshold: propose the Globus transfer. */
  proposeGlobus: boolean;
  /** The local collection's id (when possible). */
  localCollection: string | null;
  /** Why, in facts: `3 files, 240 MB`, and what made a Globus transfer possible or not. */
  size: string;
  /** Why the Globus transfer is (or is not) offered, one short sentence. */
  why: string;
}

/** Bytes in human units, decimal (as Globus's web app counts: 240 MB). */
export function humanBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) {
    return '0 B';
  }
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const shown = unit === 0 || value >= 100 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${shown} ${units[unit]}`;
}

/**
 * Choose between HTTPS and a Globus transfer.
 *
 * @param plan - what the copy moves and the local collection.
 * @param settings - the root mapping and the thresholds.
 * @param otherCollection - the collection on the other side of the copy (a copy from the
 *   local collection to itself is a plain HTTPS copy: Globus refuses overlapping paths).
 */
export function chooseRoute(
  plan: IRoutePlan,
  settings: ILocalRouteSettings,
  otherCollection: string
): IRouteChoice {
  const size = `${plan.files} ${plan.files === 1 ? 'file' : 'files'}, ${humanBytes(plan.bytes)}`;
  const local = plan.localEndpoint;
  const name = plan.localEndpointName || local || '';
  const root = settings.localCollectionRoot.trim();
  if (!local) {
    return {
      globusPossible: false,
      proposeGlobus: false,
      localCollection: null,
      size,
      why: 'GLOBUS_LOCAL_ENDPOINT names no collection for this server'
    };
  }
  if (!root.startsWith('/')) {
    return {
      globusPossible: false,
      proposeGlobus: false,
      localCollection: null,
      size,
      why: `your files are on collection ${name}, but the "localCollectionRoot" setting is empty`
    };
  }
  if (local.toLowerCase() === otherCollection.toLowerCase()) {
    return {
      globusPossible: false,
      proposeGlobus: false,
      localCollection: null,
      size,
      why: `the other side is collection ${name} itself`
    };
  }
  const many = plan.files >= Math.max(1, settings.globusRouteMinFiles);
  const large = plan.bytes >= Math.max(0, settings.globusRouteMinMegabytes) * 1e6;
  const home = `your home is on collection ${name}`;
  return {
    globusPossible: true,
    proposeGlobus: many || large,
    localCollection: local,
    size,
    why:
      many || large
        ? home
        : `below ${settings.globusRouteMinFiles} files and ` +
          `${humanBytes(settings.globusRouteMinMegabytes * 1e6)}`
  };
}

/**
 * A Jupyter path (relative to the root, as the file browser names it; `''` is the root) as
 * a path on the local collection.
 *
 * @param root - the `localCollectionRoot` setting (absolute).
 * @param local - the Jupyter path.
 * @param folder - end it with `/` (a folder, for Transfer's recursive items).
 */
export function localCollectionPath(root: string, local: string, folder = false): string {
  const base = root.trim().replace(/\/+$/, '');
  const rel = local.replace(/^\/+|\/+$/g, '');
  const path = rel ? `${base}/${rel}` : `${base}/`;
  return folder && !path.endsWith('/') ? `${path}/` : path;
}
