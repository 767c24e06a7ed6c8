/**
 * Transfers and activity (issue #17): `globus-kit:transfer` (the transfer dialog, or a
 * direct submit with `confirm: false`), the file manager's **Transfer →**, and
 * `globus-kit:open-activity` (the Activity view in the main area).
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  MainAreaWidget,
  Notification,
  showDialog,
  WidgetTracker
} from '@jupyterlab/apputils';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { ReadonlyPartialJSONObject, ReadonlyPartialJSONValue } from '@lumino/coreutils';

import { getTaskDetail, GlobusKitApiError, IActivityTask, ITransferOptions } from './api';
import { IFileEntry } from './documents';
import { globusIcon } from './icons';
import { ActivityModel, IResubmitProblem, optionsOfTask, specOfTask } from './model/activity-model';
import {
  ILoginFix,
  ITransferSpec,
  rememberable,
  startFixLogin,
  TransferSubmission,
  validateTransfer
} from './model/transfer-model';
import { CommandIDs } from './tokens';
import { ActivityView } from './widgets/ActivityView';
import { FileManagerPanel } from './widgets/FileManager';
import { TransferDialogBody } from './widgets/TransferDialog';

/** Where the last options are remembered (IStateDB). */
export const TRANSFER_OPTIONS_STATE = 'jupyterlab-globus-kit:transfer-options';

const ENDPOINT_SCHEMA = {
  type: 'object',
  properties: {
    collection: { type: 'string', description: 'A collection id (UUID)' },
    path: { type: 'string', description: 'A folder (absolute or under /~/)' }
  },
  required: ['collection', 'path']
} as const;

/** The transfer command's arguments. */
const TRANSFER_ARGS_SCHEMA = {
  type: 'object',
  properties: {
    source: ENDPOINT_SCHEMA,
    destination: ENDPOINT_SCHEMA,
    items: {
      type: 'array',
      items: { type: 'string' },
      description: 'Absolute source paths; a folder ends in /'
    },
    options: {
      type: 'object',
      description:
        'label, sync_level (off/exists/size/mtime/checksum), verify_checksum, encrypt_data, preserve_timestamp, delete_destination_extra, skip_source_errors, fail_on_quota_errors, deadline, notify_on_succeeded/failed/inactive'
    },
    sourceName: { type: 'string', description: 'The source collection name (shown)' },
    destinationName: { type: 'string', description: 'The destination collection name (shown)' },
    confirm: {
      type: 'boolean',
      description: 'false: submit without the dialog (default true: open it filled in)'
    }
  },
  required: ['source', 'destination', 'items']
} as const;

/** What a row dragged from a file manager pane carries (see {@link paneDragOf}). */
export const PANE_ITEMS_MIME = 'application/x-globus-kit-pane-items';

/** The data of a drag from a file manager pane: where from and the selected items. */
export interface IPaneDrag {
  managerId: string;
  index: number;
  collection: string;
  collectionName: string;
  path: string;
  /** Absolute paths; a folder ends in `/`. */
  items: string[];
}

/**
 * A pane drag's data read back, or null when it is not one (a drop carries any text).
 *
 * @param text - the drag's {@link PANE_ITEMS_MIME} data.
 */
export function paneDragOf(text: string): IPaneDrag | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    return null;
  }
  const d = doc as Record<string, unknown>;
  const items = d.items;
  if (
    typeof d.managerId !== 'string' ||
    typeof d.index !== 'number' ||
    typeof d.collection !== 'string' ||
    !d.collection ||
    typeof d.path !== 'string' ||
    !Array.isArray(items) ||
    items.length === 0 ||
    !items.every(i => typeof i === 'string' && i.startsWith('/'))
  ) {
    return null;
  }
  return {
    managerId: d.managerId,
    index: d.index,
    collection: d.collection,
    collectionName: typeof d.collectionName === 'string' ? d.collectionName : '',
    path: d.path,
    items: items as string[]
  };
}

/** What {@link registerActivity} needs. */
export interface IActivityContext {
  app: JupyterFrontEnd;
  trans: TranslationBundle;
  translator?: ITranslator;
  palette: ICommandPalette | null;
  state: IStateDB | null;
  /** The open file managers. */
  fileManagers: WidgetTracker<MainAreaWidget<FileManagerPanel>>;
  /** Called after a submit (the sidebar's task list refreshes). */
  submitted?: (taskId: string) => void;
}

/** A string argument, or undefined. */
function str(value: ReadonlyPartialJSONValue | undefined): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

/** An endpoint argument, or null when malformed. */
function endpointOf(
  value: ReadonlyPartialJSONValue | undefined
): { collection: string; path: string } | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return null;
  }
  const v = value as ReadonlyPartialJSONObject;
  return typeof v.collection === 'string' && typeof v.path === 'string'
    ? { collection: v.collection, path: v.path }
    : null;
}

/**
 * Register the transfer and activity commands, the file manager's Transfer → item and the
 * palette entries.
 *
 * @param ctx - the app and the optional services.
 * @returns the activity model (shared by every Activity view).
 */
export function registerActivity(ctx: IActivityContext): ActivityModel {
  const { app, trans } = ctx;
  const { commands } = app;
  const activity = new ActivityModel();
  let remembered: ITransferOptions = {};
  void ctx.state
    ?.fetch(TRANSFER_OPTIONS_STATE)
    .then(value => {
      remembered = rememberable(value);
    })
    .catch(() => undefined);
  const remember = (options: ITransferOptions): void => {
    remembered = rememberable(options);
    void ctx.state
      ?.save(TRANSFER_OPTIONS_STATE, remembered as ReadonlyPartialJSONObject)
      .catch(() => undefined);
  };

  /**
   * The dialog's login button for an error a login fixes: start it (the server keeps the
   * verifier) and open Globus in a new tab; resolves to a message when that failed.
   */
  const loginFor = (fix: ILoginFix | null): (() => Promise<string | null>) | null =>
    fix
      ? async () => {
          try {
            const url = await startFixLogin(fix);
            if (!/^https?:\/\//i.test(url)) {
              return trans.__('The server answered an unexpected login address.');
            }
            window.open(url, '_blank', 'noopener');
            return null;
          } catch (e) {
            return (e as Error).message;
          }
        }
      : null;

  const submitted = (spec: ITransferSpec, taskId: string): void => {
    activity.remember(taskId, spec);
    ctx.submitted?.(taskId);
    void activity.refresh().catch(() => undefined);
  };

  /**
   * Show the dialog until the transfer is submitted or the user cancels; an error shows
   * in the dialog with its remedy (the consent link for `CONSENT_REQUIRED`) and the same
   * submission id is reused on Resubmit.
   */
  const runDialog = async (
    spec: ITransferSpec,
    options: ITransferOptions
  ): Promise<string | null> => {
    let submission = new TransferSubmission(spec);
    let current = options;
    let error: GlobusKitApiError | Error | null = null;
    for (let attempt = 0; attempt < 20; attempt++) {
      // The consent link and the login fix belong to the submit's own error, not to a
      // later one (a mkdir refused) shown in its place.
      const fromSubmit = error !== null && error === submission.error;
      const body = new TransferDialogBody({
        spec: submission.spec,
        options: current,
        error: error
          ? {
              message: error.message,
              code: (error as GlobusKitApiError).code ?? 'error',
              consentUrl: fromSubmit ? submission.consentUrl : null,
              login: loginFor(fromSubmit ? submission.loginFix : null)
            }
          : null,
        translator: ctx.translator
      });
      const result = await showDialog({
        title: trans.__('Transfer'),
        body,
        buttons: [
          Dialog.cancelButton(),
          Dialog.okButton({ label: error ? trans.__('Resubmit') : trans.__('Transfer') })
        ],
        focusNodeSelector: 'input'
      });
      if (!result.button.accept || !result.value) {
        return null;
      }
      current = result.value.options;
      const dest = result.value.destination;
      if (
        dest.collection !== submission.spec.destination.collection ||
        dest.path !== submission.spec.destination.path
      ) {
        // Another destination is another transfer: a new submission id.
        submission = new TransferSubmission({
          ...submission.spec,
          destination: { ...submission.spec.destination, ...dest }
        });
      }
      remember(current);
      if (!validateTransfer(submission.spec, current) && (await submission.destinationMissing())) {
        const dest = submission.spec.destination;
        const where = dest.name || dest.collection;
        const create = await showDialog({
          title: trans.__('Create the destination folder?'),
          body: trans.__('%1 does not exist on %2. Create it, then transfer?', dest.path, where),
          buttons: [
            Dialog.cancelButton({ label: trans.__('Back') }),
            Dialog.okButton({ label: trans.__('Create and transfer') })
          ]
        });
        if (!create.button.accept) {
          error = new GlobusKitApiError(
            trans.__(
              'The destination folder %1 does not exist: choose another folder, or transfer again and create it.',
              dest.path
            ),
            'DESTINATION_MISSING',
            0
          );
          continue;
        }
        try {
          await submission.createDestination();
        } catch (e) {
          error = e as Error;
          continue;
        }
      }
      try {
        const answer = await submission.submit(current);
        submitted(submission.spec, answer.taskId);
        Notification.success(trans.__('Transfer submitted: task %1', answer.taskId), {
          autoClose: 5000,
          actions: [
            {
              label: trans.__('Show activity'),
              callback: () =>
                void commands.execute(CommandIDs.openActivity, { taskId: answer.taskId })
            }
          ]
        });
        return answer.taskId;
      } catch (e) {
        error = e as Error;
      }
    }
    return null;
  };

  commands.addCommand(CommandIDs.transfer, {
    label: trans.__('Transfer…'),
    caption: trans.__('Transfer files and folders between Globus collections'),
    describedBy: { args: TRANSFER_ARGS_SCHEMA },
    execute: async args => {
      const source = endpointOf(args.source);
      const destination = endpointOf(args.destination);
      const items = Array.isArray(args.items)
        ? (args.items as ReadonlyPartialJSONValue[]).filter(
            (i): i is string => typeof i === 'string'
          )
        : [];
      if (!source || !destination) {
        throw new GlobusKitApiError(
          'globus-kit:transfer needs source and destination as {collection, path}.',
          'BAD_INPUT',
          0
        );
      }
      const spec: ITransferSpec = {
        source: { ...source, name: str(args.sourceName) },
        destination: { ...destination, name: str(args.destinationName) },
        items
      };
      const given =
        args.options && typeof args.options === 'object' && !Array.isArray(args.options)
          ? (args.options as ITransferOptions)
          : {};
      const options: ITransferOptions = { ...remembered, ...given };
      if (args.confirm === false) {
        const answer = await new TransferSubmission(spec).submit(options);
        submitted(spec, answer.taskId);
        return answer.taskId;
      }
      return runDialog(spec, options);
    }
  });

  // The file manager's Transfer →: the active pane's selection to the other pane.
  const managerOf = (args: ReadonlyPartialJSONObject): FileManagerPanel | null => {
    const id = typeof args.managerId === 'string' ? args.managerId : '';
    const widget = id ? ctx.fileManagers.find(w => w.id === id) : ctx.fileManagers.currentWidget;
    return widget?.content ?? null;
  };
  const transferSpec = (args: ReadonlyPartialJSONObject): ITransferSpec | null => {
    const model = managerOf(args)?.model;
    const pane = model?.active;
    const collection = pane?.browser.collection;
    if (!model || !pane || !collection) {
      return null;
    }
    const items = pane.selectedEntries().map(e => {
      const path = pane.browser.pathOf(e);
      return e.type === 'dir' && !path.endsWith('/') ? `${path}/` : path;
    });
    if (items.length === 0) {
      return null;
    }
    const other = model.twoPane ? model.panes[model.activeIndex === 0 ? 1 : 0] : null;
    const target = other?.browser.collection;
    return {
      source: { collection: collection.id, path: pane.browser.path, name: collection.display_name },
      destination: target
        ? { collection: target.id, path: other.browser.path, name: target.display_name }
        : { collection: '', path: '' },
      items
    };
  };
  commands.addCommand(CommandIDs.fmTransfer, {
    label: trans.__('Transfer →'),
    describedBy: {
      args: {
        type: 'object',
        properties: {
          managerId: {
            type: 'string',
            description: "The file manager widget's id; default: the current manager"
          }
        }
      }
    },
    caption: trans.__('Transfer the selection (to the other pane in two-pane mode)'),
    isEnabled: args => !!transferSpec(args),
    execute: args => {
      const spec = transferSpec(args);
      if (!spec) {
        return null;
      }
      return commands.execute(CommandIDs.transfer, {
        source: { collection: spec.source.collection, path: spec.source.path },
        destination: { collection: spec.destination.collection, path: spec.destination.path },
        items: spec.items,
        sourceName: spec.source.name ?? '',
        destinationName: spec.destination.name ?? ''
      });
    }
  });
  // Its context-menu item (file manager rows) is declared in schema/plugin.json.
  const notify = (): void => commands.notifyCommandChanged(CommandIDs.fmTransfer);
  ctx.fileManagers.widgetAdded.connect((_, widget) => {
    widget.content.model.changed.connect(notify);
    dragBetweenPanes(widget.id, widget.content);
  });
  ctx.fileManagers.currentChanged.connect(notify);

  // Drag-transfer: rows dragged from one pane and dropped on another pane (or on a folder
  // row of it) open the transfer dialog filled in. A native drag: `dragover` cannot read
  // the data, so the pane being dragged from is kept here while the drag lasts.
  let dragging: { managerId: string; index: number } | null = null;
  const wired = new WeakSet<FileManagerPanel>();
  const dragBetweenPanes = (managerId: string, panel: FileManagerPanel): void => {
    if (wired.has(panel)) {
      return;
    }
    wired.add(panel);
    for (const view of panel.panes) {
      const node = view.node;
      const pane = view.pane;
      const rowEntry = (target: EventTarget | null): IFileEntry | undefined => {
        const row = target instanceof Element ? target.closest<HTMLElement>('[data-index]') : null;
        return row && node.contains(row) ? pane.browser.rows[Number(row.dataset.index)] : undefined;
      };
      node.addEventListener('dragstart', event => {
        const row =
          event.target instanceof Element
            ? event.target.closest<HTMLElement>('[data-index]')
            : null;
        const index = row ? Number(row.dataset.index) : -1;
        const entry = index >= 0 ? pane.browser.rows[index] : undefined;
        const collection = pane.browser.collection;
        if (!entry || !collection || !event.dataTransfer) {
          return;
        }
        if (!pane.isSelected(entry)) {
          pane.select(index);
        }
        const doc: IPaneDrag = {
          managerId,
          index: view.index,
          collection: collection.id,
          collectionName: collection.display_name,
          path: pane.browser.path,
          items: pane.selectedEntries().map(e => {
            const path = pane.browser.pathOf(e);
            return e.type === 'dir' && !path.endsWith('/') ? `${path}/` : path;
          })
        };
        event.dataTransfer.setData(PANE_ITEMS_MIME, JSON.stringify(doc));
        event.dataTransfer.effectAllowed = 'copy';
        dragging = { managerId, index: view.index };
      });
      node.addEventListener('dragend', () => {
        dragging = null;
      });
      const fromOtherPane = (event: DragEvent): boolean =>
        !!event.dataTransfer &&
        Array.from(event.dataTransfer.types).includes(PANE_ITEMS_MIME) &&
        !!pane.browser.collection &&
        !(dragging?.managerId === managerId && dragging.index === view.index);
      const clearMarks = (): void => {
        node.classList.remove('jp-mod-dropTarget');
        for (const marked of node.querySelectorAll('.jp-GlobusKit-mod-dropFolder')) {
          marked.classList.remove('jp-GlobusKit-mod-dropFolder');
        }
      };
      const over = (event: DragEvent): void => {
        if (!fromOtherPane(event)) {
          return;
        }
        event.preventDefault();
        event.dataTransfer!.dropEffect = 'copy';
        clearMarks();
        node.classList.add('jp-mod-dropTarget');
        if (rowEntry(event.target)?.type === 'dir') {
          (event.target as Element)
            .closest('[data-index]')
            ?.classList.add('jp-GlobusKit-mod-dropFolder');
        }
      };
      node.addEventListener('dragenter', over);
      node.addEventListener('dragover', over);
      node.addEventListener('dragleave', event => {
        if (!(event.relatedTarget instanceof Node) || !node.contains(event.relatedTarget)) {
          clearMarks();
        }
      });
      node.addEventListener('drop', event => {
        if (!fromOtherPane(event)) {
          return;
        }
        event.preventDefault();
        clearMarks();
        dragging = null;
        const drag = paneDragOf(event.dataTransfer!.getData(PANE_ITEMS_MIME));
        const target = pane.browser.collection;
        if (!drag || !target) {
          return;
        }
        const folder = rowEntry(event.target);
        let path = pane.browser.path;
        if (folder?.type === 'dir') {
          path = pane.browser.pathOf(folder);
          path = path.endsWith('/') ? path : `${path}/`;
        }
        void commands.execute(CommandIDs.transfer, {
          source: { collection: drag.collection, path: drag.path },
          destination: { collection: target.id, path },
          items: drag.items,
          sourceName: drag.collectionName,
          destinationName: target.display_name
        });
      });
    }
  };
  ctx.fileManagers.forEach(widget => dragBetweenPanes(widget.id, widget.content));

  // The Activity view: one, in the main area.
  const tracker = new WidgetTracker<MainAreaWidget<ActivityView>>({
    namespace: 'globus-kit-activity'
  });
  const resubmit = (task: IActivityTask): (() => void) | null => {
    if (task.type !== 'TRANSFER') {
      return null;
    }
    return () => {
      void (async () => {
        const detail = activity.detail?.task.task_id === task.task_id ? activity.detail.task : null;
        const options = detail ? optionsOfTask(detail) : remembered;
        // Submitted from this session: its spec is remembered. Otherwise rebuilt from the
        // task document and the files Transfer reports for it.
        let spec = activity.specOf(task.task_id);
        if (!spec) {
          let rebuilt: ITransferSpec | IResubmitProblem;
          try {
            const doc = detail ?? (await getTaskDetail(task.task_id));
            rebuilt = specOfTask(doc, await activity.filesOfTask(task.task_id));
          } catch (e) {
            rebuilt = { code: 'error', message: (e as Error).message };
          }
          if ('code' in rebuilt) {
            await showDialog({
              title: trans.__('This task cannot be resubmitted'),
              body: rebuilt.message,
              buttons: [Dialog.okButton()]
            });
            return;
          }
          spec = rebuilt;
        }
        // A new TransferSubmission: a new submission id, so a second task.
        const taskId = await runDialog(spec, options);
        if (taskId) {
          await activity.openTask(taskId);
        }
      })();
    };
  };
  commands.addCommand(CommandIDs.openActivity, {
    label: trans.__('Globus Activity'),
    caption: trans.__('Every Globus task: progress, events, errors, cancel and resubmit'),
    icon: args => (args.isPalette ? undefined : globusIcon),
    describedBy: {
      args: {
        type: 'object',
        properties: { taskId: { type: 'string', description: 'A task to open in the detail' } }
      }
    },
    execute: async args => {
      let widget = tracker.currentWidget;
      if (!widget || widget.isDisposed) {
        const content = new ActivityView({
          model: activity,
          resubmit,
          translator: ctx.translator
        });
        widget = new MainAreaWidget({ content });
        widget.id = 'globus-kit-activity';
        widget.title.label = trans.__('Globus Activity');
        widget.title.icon = globusIcon;
        widget.title.closable = true;
        widget.disposed.connect(() => {
          void activity.poll.stop();
        });
        // The list is asked for first, so it loads while the view is added and laid out.
        void activity.start().catch(() => undefined);
        await tracker.add(widget);
        app.shell.add(widget, 'main');
      }
      app.shell.activateById(widget.id);
      const taskId = typeof args.taskId === 'string' ? args.taskId : '';
      if (taskId) {
        await activity.openTask(taskId);
      }
      return widget;
    }
  });
  ctx.palette?.addItem({ command: CommandIDs.openActivity, category: trans.__('Globus') });
  return activity;
}
