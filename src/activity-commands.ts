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

import { GlobusKitApiError, IActivityTask, ITransferOptions } from './api';
import { globusIcon } from './icons';
import { ActivityModel, optionsOfTask } from './model/activity-model';
import { ITransferSpec, rememberable, TransferSubmission } from './model/transfer-model';
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
      const body = new TransferDialogBody({
        spec: submission.spec,
        options: current,
        error: error
          ? {
              message: error.message,
              code: (error as GlobusKitApiError).code ?? 'error',
              consentUrl: submission.consentUrl
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
  });
  ctx.fileManagers.currentChanged.connect(notify);

  // The Activity view: one, in the main area.
  const tracker = new WidgetTracker<MainAreaWidget<ActivityView>>({
    namespace: 'globus-kit-activity'
  });
  const resubmit = (task: IActivityTask): (() => void) | null => {
    const spec = activity.specOf(task.task_id);
    if (!spec || task.type !== 'TRANSFER') {
      return null;
    }
    return () => {
      void (async () => {
        const detail = activity.detail?.task.task_id === task.task_id ? activity.detail.task : null;
        const options = detail ? optionsOfTask(detail) : remembered;
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
        await tracker.add(widget);
        app.shell.add(widget, 'main');
        void activity.start().catch(() => undefined);
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
