/**
 * Your JupyterLab files and Globus (issue #16): upload from JupyterLab's file browser to a
 * collection, download from a file manager pane into JupyterLab, and open a remote file in
 * JupyterLab's viewer for its type. The server extension copies the bytes over the
 * collection's HTTPS server (`lab-transfers/*` routes); here are the commands, the
 * destination dialog, the progress notification (with cancel) and the error list.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  Dialog,
  MainAreaWidget,
  Notification,
  showDialog,
  WidgetTracker
} from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import * as api from './api';
import { GlobusKitApiError, ILabTransferJob, ILabTransferPlan } from './api';
import { ICommandSettings } from './commands';
import { IFileEntry } from './documents';
import { CommandIDs } from './tokens';
import { PaneModel } from './model/file-manager-model';
import {
  chooseRoute,
  ILocalRouteSettings,
  IRouteChoice,
  localCollectionPath
} from './model/local-route';
import { formatBytes } from './widgets/browser-parts';
import { el } from './widgets/element';
import { FileManagerPanel } from './widgets/FileManager';

/** Where the last upload went (no secret: a collection id and a folder). */
const LAST_DESTINATION_KEY = 'jupyterlab-globus-kit:last-upload-destination';

/** What JupyterLab's file browser puts in a drag: the dragged paths. */
const CONTENTS_MIME = 'application/x-jupyter-icontents';

/** What a manager pane's native drag carries: `{ collection, paths }` (files only). */
const GLOBUS_FILES_MIME = 'application/x-globus-kit-files';

/** The fields of a Lumino drag event (`lm-dragenter` …) read here. */
interface ILuminoDragEvent extends MouseEvent {
  readonly mimeData?: { hasData(mime: string): boolean; getData(mime: string): unknown };
  readonly proposedAction: string;
  dropAction: string;
}

/** A collection folder. */
export interface IDestination {
  collection: string;
  path: string;
}

/** What {@link registerLabTransfers} needs. */
export interface ILabTransferContext {
  app: JupyterFrontEnd;
  trans: TranslationBundle;
  /** The open file managers (the current one's active pane is the download source). */
  managers: WidgetTracker<MainAreaWidget<FileManagerPanel>>;
  /** The default collection and path. */
  settings: () => ICommandSettings;
  /** Where the Jupyter root is on the local collection, and when to offer Globus. */
  routeSettings?: () => ILocalRouteSettings;
}

/** A copy's route argument: `auto` asks when a Globus transfer is worth it. */
type RouteArg = 'auto' | 'https' | 'globus';

/** What the copy commands resolve to when the copy went over HTTPS. */
export interface IHttpsCopyResult extends ILabTransferJob {
  route: 'https';
  /** Why HTTPS (`''` when no local collection is configured). */
  routeReason: string;
}

/** What the copy commands resolve to when the copy was a Globus transfer. */
export interface IGlobusCopyResult {
  route: 'globus';
  /** Why Globus: `3 files, 240 MB; your home is on collection X`. */
  routeReason: string;
  taskId: string;
  /** The task's last status: `SUCCEEDED`, `FAILED`, or `ACTIVE` when it could not be followed. */
  status: string;
}

/** The terminal statuses of a Transfer task. */
const TASK_DONE = new Set(['SUCCEEDED', 'FAILED']);

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function str(args: ReadonlyPartialJSONObject, key: string): string | undefined {
  const v = args[key];
  return typeof v === 'string' ? v : undefined;
}

function strList(args: ReadonlyPartialJSONObject, key: string): string[] | undefined {
  const v = args[key];
  return Array.isArray(v) && v.every(x => typeof x === 'string') ? (v as string[]) : undefined;
}

function folderOf(path: string): string {
  return path.endsWith('/') ? path : `${path}/`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function routeOf(args: ReadonlyPartialJSONObject): RouteArg {
  return args.route === 'https' || args.route === 'globus' ? args.route : 'auto';
}

/** A pane entry as a download item: a folder's path ends in `/`. */
function remoteItemOf(pane: PaneModel, entry: IFileEntry): string {
  const path = pane.browser.pathOf(entry);
  return entry.type === 'dir' && !path.endsWith('/') ? `${path}/` : path;
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/** The last upload destination saved in this browser, or null. */
function loadLastDestination(): IDestination | null {
  try {
    const doc = JSON.parse(window.localStorage.getItem(LAST_DESTINATION_KEY) ?? 'null');
    if (doc && typeof doc.collection === 'string' && typeof doc.path === 'string') {
      return { collection: doc.collection, path: doc.path };
    }
  } catch {
    // nothing saved, or storage unavailable
  }
  return null;
}

function saveLastDestination(dest: IDestination): void {
  try {
    window.localStorage.setItem(LAST_DESTINATION_KEY, JSON.stringify(dest));
  } catch {
    // storage unavailable: the next upload asks with the settings' default
  }
}

/** The form of the "Upload to Globus" dialog: a collection id and a folder. */
class DestinationForm extends Widget implements Dialog.IBodyWidget<IDestination> {
  private readonly _collection: HTMLInputElement;
  private readonly _path: HTMLInputElement;

  constructor(
    trans: TranslationBundle,
    what: string,
    initial: IDestination,
    known: ReadonlyArray<{ id: string; name: string }>
  ) {
    const collection = el('input', 'jp-mod-styled jp-GlobusKit-upload-collection');
    // The collections open in file managers (and the default), offered by name.
    const choices = el(
      'datalist',
      '',
      known.map(k => {
        const option = el('option');
        option.value = k.id;
        option.label = k.name;
        return option;
      })
    );
    choices.id = `jp-GlobusKit-upload-collections-${Math.random().toString(36).slice(2)}`;
    collection.setAttribute('list', choices.id);
    collection.value = initial.collection;
    collection.placeholder = trans.__('collection id (UUID)');
    collection.setAttribute('aria-label', trans.__('Collection id'));
    collection.spellcheck = false;
    const path = el('input', 'jp-mod-styled jp-GlobusKit-upload-path');
    path.value = initial.path;
    path.setAttribute('aria-label', trans.__('Folder on the collection'));
    path.spellcheck = false;
    super({
      node: el('div', 'jp-GlobusKit-upload-form', [
        el('p', '', [what]),
        el('label', '', [trans.__('Collection'), collection, choices]),
        el('label', '', [trans.__('Folder'), path])
      ])
    });
    this._collection = collection;
    this._path = path;
  }

  getValue(): IDestination {
    return { collection: this._collection.value.trim(), path: this._path.value.trim() };
  }
}

/**
 * Follow a copy job: an in-progress notification with per-file and total progress and a
 * Cancel action, then success, a warning (cancelled) or an error with the error list.
 *
 * @returns the job's last progress document.
 */
export async function followLabTransfer(
  start: ILabTransferJob,
  trans: TranslationBundle,
  onRetry?: (job: ILabTransferJob) => void,
  routeReason = ''
): Promise<ILabTransferJob> {
  const verb = start.kind === 'upload' ? trans.__('Uploading') : trans.__('Downloading');
  // Which route and why, when a Globus transfer was possible (issue #16).
  const note = routeReason ? ` ${trans.__('(over HTTPS: %1)', routeReason)}` : '';
  const describe = (job: ILabTransferJob): string => {
    const current = job.files.find(f => f.status === 'running');
    const total =
      job.bytesTotal > 0 ? ` ${formatBytes(job.bytesDone)} / ${formatBytes(job.bytesTotal)}` : '';
    const name = current ? ` ${current.local.split('/').pop()}` : '';
    return (
      trans.__('%1 %2 of %3 files%4%5', verb, job.filesDone, job.filesTotal, total, name) + note
    );
  };
  const progress = (job: ILabTransferJob): number =>
    job.bytesTotal > 0 ? Math.min(job.bytesDone / job.bytesTotal, 1) : 0;
  const cancel: Notification.IAction = {
    label: trans.__('Cancel'),
    caption: trans.__('Stop the copy; no partial file is left behind'),
    callback: event => {
      event.preventDefault();
      void api.cancelLabTransfer(start.id).catch(() => undefined);
    }
  };
  const id = Notification.emit(describe(start), 'in-progress', {
    autoClose: false,
    progress: progress(start),
    actions: [cancel]
  });
  let job = start;
  let delay = 250;
  let failures = 0;
  while (job.status === 'running') {
    await sleep(delay);
    delay = Math.min(Math.round(delay * 1.5), 2000);
    try {
      job = await api.getLabTransfer(job.id);
      failures = 0;
    } catch (error) {
      // The server restarted (jobs are in its memory) or stopped answering.
      if (++failures >= 5 || (error instanceof GlobusKitApiError && error.status === 404)) {
        Notification.update({
          id,
          type: 'error',
          message: trans.__('The copy could not be followed: %1', messageOf(error)),
          autoClose: false,
          actions: []
        });
        return job;
      }
      continue;
    }
    Notification.update({
      id,
      type: 'in-progress',
      message: describe(job),
      progress: progress(job),
      autoClose: false,
      actions: [cancel]
    });
  }
  const done =
    job.kind === 'upload'
      ? trans._n('Uploaded %1 file to Globus.', 'Uploaded %1 files to Globus.', job.filesDone)
      : trans._n(
          'Downloaded %1 file to JupyterLab.',
          'Downloaded %1 files to JupyterLab.',
          job.filesDone
        );
  if (job.status === 'succeeded') {
    Notification.update({
      id,
      type: 'success',
      message: done + note,
      autoClose: 5000,
      actions: []
    });
  } else if (job.status === 'cancelled') {
    Notification.update({
      id,
      type: 'warning',
      message: trans.__('Cancelled after %1 of %2 files.', job.filesDone, job.filesTotal),
      autoClose: 8000,
      actions: []
    });
  } else {
    const actions: Notification.IAction[] = [
      {
        label: trans.__('Show errors'),
        callback: () => void showErrors(job, trans)
      }
    ];
    if (onRetry && job.errors.some(e => e.code === 'EXISTS')) {
      actions.push({
        label: trans.__('Replace them'),
        caption: trans.__('Copy the files that exist again, replacing them'),
        callback: () => onRetry(job)
      });
    }
    Notification.update({
      id,
      type: 'error',
      message: trans._n(
        '%2 %3 failed with %1 error.',
        '%2 %3 failed with %1 errors.',
        job.errors.length,
        verb,
        job.errors[0]?.path || ''
      ),
      autoClose: false,
      actions
    });
  }
  return job;
}

/** A dialog listing every error of a job (as text). */
function showErrors(job: ILabTransferJob, trans: TranslationBundle): Promise<unknown> {
  const list = el(
    'ul',
    'jp-GlobusKit-copy-errors',
    job.errors.map(e => el('li', '', [e.path ? `${e.path}: ` : '', e.message]))
  );
  return showDialog({
    title: trans.__('What could not be copied'),
    body: new Widget({ node: list }),
    buttons: [Dialog.okButton()]
  });
}

/**
 * Register `globus-kit:upload-to-globus`, `globus-kit:download-to-jupyterlab` and
 * `globus-kit:open-in-jupyterlab`, and their context-menu items (JupyterLab's file
 * browser rows; the file manager's rows).
 */
export function registerLabTransfers(ctx: ILabTransferContext): void {
  const { app, trans, managers } = ctx;
  const { commands } = app;
  let fileBrowser: IDefaultFileBrowser | null = null;
  void app
    .resolveOptionalService(IDefaultFileBrowser)
    .then(browser => (fileBrowser = browser ?? null));

  /** The file browser's folder (the default drive; `''` is the root). */
  const browserDir = (): string => {
    const path = fileBrowser?.model.path ?? '';
    return path.includes(':') ? '' : path;
  };
  const selectedLocal = (): string[] =>
    fileBrowser ? Array.from(fileBrowser.selectedItems(), item => item.path) : [];
  const activePane = (): PaneModel | null => {
    const pane = managers.currentWidget?.content.model.active ?? null;
    return pane?.browser.collection ? pane : null;
  };
  const selectedRemoteFiles = (): string[] => {
    const pane = activePane();
    return pane
      ? pane
          .selectedEntries()
          .filter(e => e.type !== 'dir')
          .map(e => pane.browser.pathOf(e))
      : [];
  };
  /** The active pane's selection, folders ending in `/` (downloaded recursively). */
  const selectedRemoteItems = (): string[] => {
    const pane = activePane();
    return pane ? pane.selectedEntries().map(e => remoteItemOf(pane, e)) : [];
  };
  /** Reload every manager pane that shows `dest`. */
  const reloadPanes = (dest: IDestination): void => {
    managers.forEach(widget => {
      for (const pane of widget.content.model.panes) {
        const b = pane.browser;
        if (b.collection?.id === dest.collection && folderOf(b.path) === folderOf(dest.path)) {
          void b.reload();
        }
      }
    });
  };

  const defaultDestination = (): IDestination => {
    const last = loadLastDestination();
    if (last) {
      return last;
    }
    const pane = activePane();
    if (pane?.browser.collection) {
      return { collection: pane.browser.collection.id, path: pane.browser.path };
    }
    const s = ctx.settings();
    return {
      collection: UUID_RE.test(s.defaultCollection) ? s.defaultCollection : '',
      path: s.defaultPath || '/~/'
    };
  };

  const knownCollections = (): Array<{ id: string; name: string }> => {
    const out = new Map<string, string>();
    managers.forEach(widget => {
      for (const pane of widget.content.model.panes) {
        const c = pane.browser.collection;
        if (c) {
          out.set(c.id, c.display_name ?? c.id);
        }
      }
    });
    const s = ctx.settings();
    if (UUID_RE.test(s.defaultCollection) && !out.has(s.defaultCollection)) {
      out.set(s.defaultCollection, trans.__('Default collection'));
    }
    return Array.from(out, ([id, name]) => ({ id, name }));
  };

  const askDestination = async (paths: string[]): Promise<IDestination | null> => {
    const what =
      paths.length === 1
        ? trans.__('Upload "%1" to the collection folder:', paths[0])
        : trans.__('Upload %1 items to the collection folder:', paths.length);
    const answer = await showDialog<IDestination>({
      title: trans.__('Upload to Globus'),
      body: new DestinationForm(trans, what, defaultDestination(), knownCollections()),
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: trans.__('Upload') })],
      focusNodeSelector: 'input'
    });
    if (!answer.button.accept || !answer.value) {
      return null;
    }
    const dest = answer.value;
    if (!UUID_RE.test(dest.collection) || !dest.path.startsWith('/')) {
      Notification.error(
        trans.__('Give a collection id (a UUID) and an absolute folder (starting with /).'),
        { autoClose: 8000 }
      );
      return null;
    }
    return dest;
  };

  const routeSettings = (): ILocalRouteSettings =>
    ctx.routeSettings?.() ?? {
      localCollectionRoot: '',
      globusRouteMinFiles: 20,
      globusRouteMinMegabytes: 100
    };

  /**
   * HTTPS or a Globus transfer (issue #16). Without a `localCollectionRoot` setting and
   * with `route: 'auto'` nothing is asked of the server: HTTPS, as always. Otherwise the
   * server sizes the copy; past a threshold a dialog proposes Globus, with why.
   *
   * @returns the route and why, with the plan (Globus); null when the user cancelled.
   */
  const decideRoute = async (
    request: Parameters<typeof api.planLabTransfer>[0],
    other: string,
    requested: RouteArg,
    what: string
  ): Promise<
    | { route: 'https'; reason: string; plan: ILabTransferPlan | null }
    | { route: 'globus'; reason: string; plan: ILabTransferPlan; choice: IRouteChoice }
    | null
  > => {
    const settings = routeSettings();
    if (requested === 'https') {
      return { route: 'https', reason: trans.__('asked for'), plan: null };
    }
    if (requested === 'auto' && !settings.localCollectionRoot.trim()) {
      return { route: 'https', reason: '', plan: null };
    }
    let plan: ILabTransferPlan;
    try {
      plan = await api.planLabTransfer(request);
    } catch (error) {
      if (requested === 'globus') {
        throw error;
      }
      return {
        route: 'https',
        reason: trans.__('the copy could not be sized: %1', messageOf(error)),
        plan: null
      };
    }
    const choice = chooseRoute(plan, settings, other);
    const reason = `${choice.size}; ${choice.why}`;
    if (requested === 'globus') {
      if (!choice.globusPossible) {
        throw new GlobusKitApiError(
          trans.__('A Globus transfer is not possible here: %1.', choice.why),
          'NO_LOCAL_COLLECTION',
          0
        );
      }
      return { route: 'globus', reason, plan, choice };
    }
    if (!choice.proposeGlobus) {
      return { route: 'https', reason, plan };
    }
    const globusLabel = trans.__('Transfer with Globus');
    const answer = await showDialog({
      title: trans.__('Transfer with Globus?'),
      body: new Widget({
        node: el('div', 'jp-GlobusKit-route-choice', [
          el('p', '', [what]),
          el('p', 'jp-GlobusKit-route-why', [trans.__('Why: %1.', reason)]),
          el('p', '', [
            trans.__(
              '%1: Globus copies between the collections in the background, retries and verifies; it goes on if you close this page.',
              globusLabel
            )
          ]),
          el('p', '', [
            trans.__('Copy over HTTPS: this server streams the files now, with progress here.')
          ])
        ])
      }),
      buttons: [
        Dialog.cancelButton(),
        Dialog.okButton({ label: trans.__('Copy over HTTPS'), displayType: 'default' }),
        Dialog.okButton({ label: globusLabel })
      ]
    });
    if (!answer.button.accept) {
      return null;
    }
    if (answer.button.label === globusLabel) {
      return { route: 'globus', reason, plan, choice };
    }
    return { route: 'https', reason: `${choice.size}; ${trans.__('you chose HTTPS')}`, plan };
  };

  /**
   * Submit a Globus transfer (through `globus-kit:transfer`, exactly once) and follow the
   * task in a notification that says the route and why, with Cancel.
   */
  const runGlobus = async (
    kind: 'upload' | 'download',
    spec: { source: IDestination; destination: IDestination; items: string[] },
    reason: string,
    overwrite: boolean,
    after: () => void
  ): Promise<IGlobusCopyResult | null> => {
    let taskId: string;
    try {
      taskId = (await commands.execute(CommandIDs.transfer, {
        source: { ...spec.source },
        destination: { ...spec.destination },
        items: spec.items,
        confirm: false,
        options: {
          label: kind === 'upload' ? 'Upload from JupyterLab' : 'Download to JupyterLab',
          // Files that exist are kept unless the user confirmed replacing them.
          sync_level: overwrite ? 'off' : 'exists',
          delete_destination_extra: false
        }
      })) as string;
    } catch (error) {
      Notification.error(trans.__('The Globus transfer could not start: %1', messageOf(error)), {
        autoClose: false
      });
      return null;
    }
    const note = trans.__('(with Globus: %1)', reason);
    const cancel: Notification.IAction = {
      label: trans.__('Cancel'),
      caption: trans.__('Cancel the Globus transfer'),
      callback: event => {
        event.preventDefault();
        void api.cancelTask(taskId).catch(() => undefined);
      }
    };
    const id = Notification.emit(
      `${trans.__('Globus transfer submitted')} ${note}`,
      'in-progress',
      { autoClose: false, actions: [cancel] }
    );
    let status = 'ACTIVE';
    let delay = 500;
    let failures = 0;
    const deadline = Date.now() + 24 * 3600 * 1000;
    while (!TASK_DONE.has(status) && Date.now() < deadline) {
      await sleep(delay);
      delay = Math.min(Math.round(delay * 1.5), 3000);
      let task;
      try {
        task = await api.getTask(taskId);
        failures = 0;
      } catch (error) {
        if (++failures >= 5) {
          Notification.update({
            id,
            type: 'warning',
            message: trans.__(
              'The Globus transfer %1 could not be followed here (%2); see Globus Activity.',
              taskId,
              messageOf(error)
            ),
            autoClose: false,
            actions: []
          });
          return { route: 'globus', routeReason: reason, taskId, status };
        }
        continue;
      }
      status = task.status;
      const files = task.files ?? 0;
      const message = trans.__(
        'Globus transfer: %1 of %2 files, %3 %4',
        task.files_transferred ?? 0,
        files,
        formatBytes(task.bytes_transferred ?? 0),
        note
      );
      if (status === 'SUCCEEDED') {
        Notification.update({
          id,
          type: 'success',
          message: `${trans.__('Transferred with Globus.')} ${note}`,
          autoClose: 8000,
          actions: []
        });
      } else if (status === 'FAILED') {
        Notification.update({
          id,
          type: 'error',
          message: trans.__(
            'The Globus transfer failed: %1 %2',
            task.fatal_error?.description ?? task.nice_status ?? status,
            note
          ),
          autoClose: false,
          actions: []
        });
      } else {
        Notification.update({
          id,
          type: 'in-progress',
          message,
          autoClose: false,
          actions: [cancel]
        });
      }
    }
    after();
    return { route: 'globus', routeReason: reason, taskId, status };
  };

  const upload = async (
    paths: string[],
    dest: IDestination,
    overwrite: boolean,
    requested: RouteArg = 'auto'
  ): Promise<IHttpsCopyResult | IGlobusCopyResult | null> => {
    const what =
      paths.length === 1
        ? trans.__('Upload "%1" to the collection folder %2.', paths[0], dest.path)
        : trans.__('Upload %1 items to the collection folder %2.', paths.length, dest.path);
    let decided;
    try {
      decided = await decideRoute({ kind: 'upload', paths }, dest.collection, requested, what);
    } catch (error) {
      Notification.error(trans.__('Upload to Globus failed: %1', messageOf(error)), {
        autoClose: false
      });
      return null;
    }
    if (!decided) {
      return null;
    }
    if (decided.route === 'globus') {
      const root = routeSettings().localCollectionRoot;
      const folders = new Set(decided.plan.folders);
      const items = paths.map(p => localCollectionPath(root, p, folders.has(p)));
      const first = paths[0].includes('/') ? paths[0].replace(/\/[^/]*$/, '') : '';
      return runGlobus(
        'upload',
        {
          source: {
            collection: decided.choice.localCollection as string,
            path: localCollectionPath(root, first, true)
          },
          destination: { collection: dest.collection, path: folderOf(dest.path) },
          items
        },
        decided.reason,
        overwrite,
        () => reloadPanes(dest)
      );
    }
    const reason = decided.reason;
    let job: ILabTransferJob;
    try {
      job = await api.startUpload(paths, dest.collection, folderOf(dest.path), overwrite);
    } catch (error) {
      Notification.error(trans.__('Upload to Globus failed: %1', messageOf(error)), {
        autoClose: false
      });
      return null;
    }
    const end = await followLabTransfer(
      job,
      trans,
      failed => {
        const again = failed.errors.filter(e => e.code === 'EXISTS').map(e => e.path);
        void upload(again, dest, true, 'https');
      },
      reason
    );
    reloadPanes(dest);
    return { ...end, route: 'https', routeReason: reason };
  };

  commands.addCommand(CommandIDs.uploadToGlobus, {
    label: trans.__('Upload to Globus…'),
    caption: trans.__('Copy the selected files and folders to a Globus collection (HTTPS)'),
    describedBy: {
      args: {
        type: 'object',
        properties: {
          paths: { type: 'array', items: { type: 'string' }, description: 'Local paths' },
          destination: {
            type: 'object',
            properties: { collection: { type: 'string' }, path: { type: 'string' } }
          },
          overwrite: { type: 'boolean' },
          route: {
            type: 'string',
            enum: ['auto', 'https', 'globus'],
            description:
              'auto (default): propose a Globus transfer past the thresholds when GLOBUS_LOCAL_ENDPOINT serves these files'
          }
        }
      }
    },
    execute: async args => {
      const paths = strList(args, 'paths') ?? selectedLocal();
      if (paths.length === 0) {
        Notification.warning(trans.__('Select files or folders in the file browser first.'), {
          autoClose: 5000
        });
        return null;
      }
      const given = args.destination as ReadonlyPartialJSONObject | undefined;
      const dest =
        given && typeof given.collection === 'string' && typeof given.path === 'string'
          ? { collection: given.collection, path: given.path }
          : await askDestination(paths);
      if (!dest) {
        return null;
      }
      saveLastDestination(dest);
      return upload(paths, dest, args.overwrite === true, routeOf(args));
    }
  });

  /** Start a download; on `EXISTS`, ask before replacing. */
  const startDownload = async (
    collection: string,
    paths: string[],
    localDir: string,
    existing: 'ask' | 'open'
  ): Promise<ILabTransferJob | 'open-existing' | null> => {
    let error: unknown;
    try {
      return await api.startDownload(collection, paths, localDir);
    } catch (caught) {
      error = caught;
      if (!(error instanceof GlobusKitApiError) || error.code !== 'EXISTS') {
        Notification.error(trans.__('Download to JupyterLab failed: %1', messageOf(error)), {
          autoClose: false
        });
        return null;
      }
    }
    // The files that exist (inside folders too), as the server listed them.
    const prefix = localDir ? `${localDir.replace(/\/+$/, '')}/` : '';
    const listed = error instanceof GlobusKitApiError ? (error.body?.existing ?? []) : [];
    const answer = await askReplace(
      listed.length > 0
        ? listed.map(p => (p.startsWith(prefix) ? p.slice(prefix.length) : p))
        : paths.map(p => p.replace(/\/+$/, '').split('/').pop() ?? p),
      localDir,
      existing === 'open'
    );
    if (answer !== 'replace') {
      return answer === 'open' ? 'open-existing' : null;
    }
    try {
      return await api.startDownload(collection, paths, localDir, true);
    } catch (error) {
      Notification.error(trans.__('Download to JupyterLab failed: %1', messageOf(error)), {
        autoClose: false
      });
      return null;
    }
  };

  /** Ask before replacing local files: Replace, Cancel (and Open the existing file). */
  const askReplace = async (
    names: string[],
    localDir: string,
    offerOpen: boolean
  ): Promise<'replace' | 'open' | null> => {
    const buttons = [Dialog.cancelButton()];
    if (offerOpen) {
      buttons.push(Dialog.okButton({ label: trans.__('Open the existing file') }));
    }
    buttons.push(Dialog.warnButton({ label: trans.__('Replace') }));
    const answer = await showDialog({
      title: trans.__('Replace files in JupyterLab?'),
      body: new Widget({
        node: el('div', '', [
          el('p', '', [trans.__('These exist in "%1":', localDir || '/')]),
          el(
            'ul',
            '',
            names.slice(0, 10).map(n => el('li', '', [n]))
          )
        ])
      }),
      buttons
    });
    if (!answer.button.accept) {
      return null;
    }
    return answer.button.displayType === 'warn' ? 'replace' : 'open';
  };

  commands.addCommand(CommandIDs.downloadToJupyterLab, {
    label: trans.__('Download to JupyterLab'),
    caption: trans.__("Copy the selected files into the file browser's folder"),
    describedBy: {
      args: {
        type: 'object',
        properties: {
          collection: { type: 'string' },
          paths: { type: 'array', items: { type: 'string' } },
          localDir: { type: 'string' },
          route: {
            type: 'string',
            enum: ['auto', 'https', 'globus'],
            description:
              'auto (default): propose a Globus transfer past the thresholds when GLOBUS_LOCAL_ENDPOINT serves these files'
          }
        }
      }
    },
    isEnabled: args => !!strList(args, 'paths') || selectedRemoteItems().length > 0,
    execute: async args => {
      const collection = str(args, 'collection') ?? activePane()?.browser.collection?.id;
      const paths = strList(args, 'paths') ?? selectedRemoteItems();
      const localDir = str(args, 'localDir') ?? browserDir();
      if (!collection || paths.length === 0) {
        return null;
      }
      const what =
        paths.length === 1
          ? trans.__('Download "%1" into "%2".', paths[0], localDir || '/')
          : trans.__('Download %1 items into "%2".', paths.length, localDir || '/');
      let decided;
      try {
        decided = await decideRoute(
          { kind: 'download', collection, paths, localDir },
          collection,
          routeOf(args),
          what
        );
      } catch (error) {
        Notification.error(trans.__('Download to JupyterLab failed: %1', messageOf(error)), {
          autoClose: false
        });
        return null;
      }
      if (!decided) {
        return null;
      }
      if (decided.route === 'globus') {
        // Never replace a local file without asking, on this route either.
        let overwrite = false;
        if (decided.plan.existing.length > 0) {
          const names = decided.plan.existing.map(p => p.split('/').pop() ?? p);
          if ((await askReplace(names, localDir, false)) !== 'replace') {
            return null;
          }
          overwrite = true;
        }
        const root = routeSettings().localCollectionRoot;
        return runGlobus(
          'download',
          {
            source: { collection, path: paths[0].replace(/[^/]*\/?$/, '') || '/' },
            destination: {
              collection: decided.choice.localCollection as string,
              path: localCollectionPath(root, localDir, true)
            },
            items: paths
          },
          decided.reason,
          overwrite,
          () => void fileBrowser?.model.refresh()
        );
      }
      const started = await startDownload(collection, paths, localDir, 'ask');
      if (!started || started === 'open-existing') {
        return null;
      }
      const end = await followLabTransfer(started, trans, undefined, decided.reason);
      void fileBrowser?.model.refresh();
      return { ...end, route: 'https', routeReason: decided.reason };
    }
  });

  commands.addCommand(CommandIDs.openInJupyterLab, {
    label: trans.__('Open in JupyterLab'),
    caption: trans.__("Download the file into the file browser's folder and open it"),
    describedBy: {
      args: {
        type: 'object',
        properties: {
          collection: { type: 'string' },
          path: { type: 'string' },
          localDir: { type: 'string' }
        }
      }
    },
    isEnabled: args => !!str(args, 'path') || selectedRemoteFiles().length === 1,
    execute: async args => {
      const collection = str(args, 'collection') ?? activePane()?.browser.collection?.id;
      const path = str(args, 'path') ?? selectedRemoteFiles()[0];
      const localDir = str(args, 'localDir') ?? browserDir();
      if (!collection || !path) {
        return null;
      }
      const name = path.split('/').pop() ?? path;
      const local = localDir ? `${localDir.replace(/\/+$/, '')}/${name}` : name;
      const started = await startDownload(collection, [path], localDir, 'open');
      if (!started) {
        return null;
      }
      if (started !== 'open-existing') {
        const end = await followLabTransfer(started, trans);
        void fileBrowser?.model.refresh();
        if (end.status !== 'succeeded') {
          return null;
        }
      }
      return commands.execute('docmanager:open', { path: local });
    }
  });

  // Drag and drop: files and folders dragged from JupyterLab's file browser onto a manager
  // pane are uploaded into the pane's folder.
  const acceptDrops = (panel: FileManagerPanel): void => {
    for (const view of panel.panes) {
      const node = view.node;
      const paths = (event: Event): string[] | null => {
        const drag = event as ILuminoDragEvent;
        if (!drag.mimeData?.hasData(CONTENTS_MIME) || !view.pane.browser.collection) {
          return null;
        }
        const data = drag.mimeData.getData(CONTENTS_MIME);
        // Only the default drive's files are in the Jupyter root (`drive:path` is another).
        return Array.isArray(data)
          ? data.filter((p): p is string => typeof p === 'string' && !p.includes(':'))
          : null;
      };
      const accept = (event: Event): boolean => {
        if (!paths(event)?.length) {
          return false;
        }
        event.preventDefault();
        event.stopPropagation();
        const drag = event as ILuminoDragEvent;
        drag.dropAction = drag.proposedAction;
        node.classList.add('jp-mod-dropTarget');
        return true;
      };
      node.addEventListener('lm-dragenter', accept);
      node.addEventListener('lm-dragover', accept);
      node.addEventListener('lm-dragleave', event => {
        const related = (event as ILuminoDragEvent).relatedTarget;
        if (!(related instanceof Node) || !node.contains(related)) {
          node.classList.remove('jp-mod-dropTarget');
        }
      });
      node.addEventListener('lm-drop', event => {
        const dropped = paths(event);
        node.classList.remove('jp-mod-dropTarget');
        const collection = view.pane.browser.collection;
        if (!dropped?.length || !collection) {
          return;
        }
        accept(event);
        node.classList.remove('jp-mod-dropTarget');
        void commands.execute(CommandIDs.uploadToGlobus, {
          paths: dropped,
          destination: { collection: collection.id, path: view.pane.browser.path }
        });
      });
    }
  };
  // And the other way: a manager pane's files dragged onto the file browser are downloaded
  // into its folder (a native drag; the rows of files are draggable).
  const dragFiles = (panel: FileManagerPanel): void => {
    for (const view of panel.panes) {
      view.node.addEventListener('dragstart', event => {
        const row = (event.target as HTMLElement).closest<HTMLElement>('[data-index]');
        const pane = view.pane;
        const collection = pane.browser.collection;
        const index = row ? Number(row.dataset.index) : -1;
        const entry = index >= 0 ? pane.browser.rows[index] : undefined;
        if (!entry || !collection || !event.dataTransfer) {
          return;
        }
        if (!pane.isSelected(entry)) {
          pane.select(index);
        }
        const paths = pane.selectedEntries().map(e => remoteItemOf(pane, e));
        event.dataTransfer.setData(
          GLOBUS_FILES_MIME,
          JSON.stringify({ collection: collection.id, paths })
        );
        event.dataTransfer.setData('text/plain', paths.join('\n'));
        event.dataTransfer.effectAllowed = 'copy';
      });
    }
  };
  const carriesGlobusFiles = (event: DragEvent): boolean =>
    !!event.dataTransfer && Array.from(event.dataTransfer.types).includes(GLOBUS_FILES_MIME);
  void app.resolveOptionalService(IDefaultFileBrowser).then(browser => {
    if (!browser) {
      return;
    }
    const node = browser.node;
    // Capture phase: the listing's own handlers would treat the drop as an OS file upload.
    const over = (event: DragEvent): void => {
      if (carriesGlobusFiles(event)) {
        event.preventDefault();
        event.stopPropagation();
        event.dataTransfer!.dropEffect = 'copy';
        node.classList.add('jp-GlobusKit-mod-dropTarget');
      }
    };
    node.addEventListener('dragenter', over, true);
    node.addEventListener('dragover', over, true);
    node.addEventListener('dragleave', event => {
      if (!(event.relatedTarget instanceof Node) || !node.contains(event.relatedTarget)) {
        node.classList.remove('jp-GlobusKit-mod-dropTarget');
      }
    });
    node.addEventListener(
      'drop',
      event => {
        if (!carriesGlobusFiles(event)) {
          return;
        }
        event.preventDefault();
        event.stopPropagation();
        node.classList.remove('jp-GlobusKit-mod-dropTarget');
        let doc: unknown;
        try {
          doc = JSON.parse(event.dataTransfer!.getData(GLOBUS_FILES_MIME));
        } catch {
          return;
        }
        const { collection, paths } = (doc ?? {}) as { collection?: unknown; paths?: unknown };
        if (
          typeof collection === 'string' &&
          Array.isArray(paths) &&
          paths.length > 0 &&
          paths.every(p => typeof p === 'string')
        ) {
          void commands.execute(CommandIDs.downloadToJupyterLab, {
            collection,
            paths: paths as string[],
            localDir: browserDir()
          });
        }
      },
      true
    );
  });

  const wire = (panel: FileManagerPanel): void => {
    acceptDrops(panel);
    dragFiles(panel);
  };
  managers.forEach(widget => wire(widget.content));
  managers.widgetAdded.connect((_, widget) => wire(widget.content));
  // The context-menu items (JupyterLab's file browser rows, the file manager's rows) are
  // declared in schema/plugin.json (`jupyter.lab.menus.context`).
}
