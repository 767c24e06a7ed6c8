/**
 * The Globus file manager's commands (issue #16): open a manager, and the operations its
 * toolbar, context menu and keys run on the active pane. Managers are tracked, and each
 * one's panes come back after a reload (the restorer saves the model's JSON as the open
 * command's args).
 */
import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import {
  Clipboard,
  Dialog,
  ICommandPalette,
  InputDialog,
  MainAreaWidget,
  showDialog,
  WidgetTracker
} from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { ReadonlyPartialJSONObject, UUID } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { ICommandSettings } from './commands';
import { CommandIDs } from './tokens';
import { globusIcon } from './icons';
import { httpsUrlOf } from './model/browser-model';
import {
  FileManagerModel,
  IFileManagerState,
  IPaneState,
  PaneModel,
  webAppUrlOf
} from './model/file-manager-model';
import { shareability, ShareModel } from './model/share-model';
import { el } from './widgets/element';
import { createFileManager, FileManagerPanel } from './widgets/FileManager';
import { ShareDialogBody } from './widgets/ShareDialog';

/** The tracker's namespace (restored widgets are saved under it). */
export const FILE_MANAGER_NAMESPACE = 'globus-kit-file-manager';

/** What {@link registerFileManager} needs. */
export interface IFileManagerContext {
  app: JupyterFrontEnd;
  trans: TranslationBundle;
  translator?: ITranslator;
  palette: ICommandPalette | null;
  restorer: ILayoutRestorer | null;
  launcher: ILauncher | null;
  /** The settings (default collection and path, page size). */
  settings: () => ICommandSettings & { pageSize?: number };
}

/** The commands whose state follows a manager's model. */
const MANAGER_COMMANDS = [
  CommandIDs.fmTwoPane,
  CommandIDs.fmShowHidden,
  CommandIDs.fmUp,
  CommandIDs.fmRefresh,
  CommandIDs.fmNewFolder,
  CommandIDs.fmRename,
  CommandIDs.fmDelete,
  CommandIDs.fmCopyPath,
  CommandIDs.fmCopyLink,
  CommandIDs.fmOpenWebApp,
  CommandIDs.fmBookmark,
  CommandIDs.fmShare
];

/** The manager commands' arguments: which manager (its active pane is acted on). */
const MANAGER_ARGS_SCHEMA = {
  type: 'object',
  properties: {
    managerId: {
      type: 'string',
      description: "The file manager widget's id; default: the current manager"
    }
  }
} as const;

/** The open command's arguments, as its `describedBy` schema says. */
const OPEN_ARGS_SCHEMA = {
  type: 'object',
  properties: {
    collection: {
      type: 'string',
      description: 'A collection id (UUID) to open in the first pane'
    },
    path: {
      type: 'string',
      description: 'The folder to open on it (absolute; default the collection default)'
    },
    twoPane: { type: 'boolean', description: 'Show two panes side by side' },
    panes: {
      type: 'array',
      description: 'Saved panes ({collection, path, showHidden}); the restorer passes them',
      items: { type: 'object' }
    },
    active: { type: 'number', description: 'The active pane (0 or 1)' },
    managerId: { type: 'string', description: 'The widget id (the restorer passes it)' }
  }
} as const;

/** An args value as a string, or undefined. */
function str(args: ReadonlyPartialJSONObject, key: string): string | undefined {
  const v = args[key];
  return typeof v === 'string' && v ? v : undefined;
}

/**
 * Register the file manager's commands, palette and launcher items, context menu and
 * restoration.
 *
 * @param ctx - the app and the optional services.
 * @returns the tracker of open managers.
 */
export function registerFileManager(
  ctx: IFileManagerContext
): WidgetTracker<MainAreaWidget<FileManagerPanel>> {
  const { app, trans } = ctx;
  const { commands } = app;
  const tracker = new WidgetTracker<MainAreaWidget<FileManagerPanel>>({
    namespace: FILE_MANAGER_NAMESPACE
  });

  /** The manager's commands changed state (enabled, toggled): its toolbar and menus. */
  const notifyManagerCommands = (widget: MainAreaWidget<FileManagerPanel>): void => {
    if (tracker.currentWidget !== widget && !widget.isVisible) {
      return;
    }
    for (const id of MANAGER_COMMANDS) {
      commands.notifyCommandChanged(id);
    }
  };

  /** The manager named by `managerId`, else the current one. */
  const managerOf = (args: ReadonlyPartialJSONObject): FileManagerPanel | null => {
    const id = str(args, 'managerId');
    const widget = id ? tracker.find(w => w.id === id) : tracker.currentWidget;
    return widget?.content ?? null;
  };
  const paneOf = (args: ReadonlyPartialJSONObject): PaneModel | null =>
    managerOf(args)?.model.active ?? null;
  const opened = (args: ReadonlyPartialJSONObject): PaneModel | null => {
    const pane = paneOf(args);
    return pane?.browser.collection ? pane : null;
  };

  commands.addCommand(CommandIDs.openFileManager, {
    label: args =>
      args.twoPane ? trans.__('Globus File Manager (two panes)') : trans.__('Globus File Manager'),
    caption: trans.__('Browse Globus collections in the main area: one or two panes'),
    icon: args => (args.isPalette ? undefined : globusIcon),
    describedBy: { args: OPEN_ARGS_SCHEMA },
    execute: async args => {
      const s = ctx.settings();
      const id = str(args, 'managerId') ?? `globus-file-manager-${UUID.uuid4()}`;
      const existing = tracker.find(w => w.id === id);
      if (existing) {
        app.shell.activateById(id);
        return existing;
      }
      const model = new FileManagerModel({ pageSize: s.pageSize });
      const widget = createFileManager({
        id,
        model,
        commands,
        translator: ctx.translator,
        defaultCollection: () => ctx.settings().defaultCollection,
        defaultPath: () => ctx.settings().defaultPath
      });
      model.stateChanged.connect(() => void tracker.save(widget));
      model.changed.connect(() => notifyManagerCommands(widget));
      await tracker.add(widget);
      if (!widget.isAttached) {
        app.shell.add(widget, 'main');
      }
      app.shell.activateById(id);
      void model.loadBookmarks();
      const panes = Array.isArray(args.panes) ? (args.panes as unknown as IPaneState[]) : null;
      const collection = str(args, 'collection') ?? (panes ? undefined : s.defaultCollection);
      const state: Partial<IFileManagerState> = {
        twoPane: !!args.twoPane,
        active: typeof args.active === 'number' ? args.active : 0,
        panes: panes ?? [
          {
            collection: collection ?? null,
            path: str(args, 'path') ?? (collection === s.defaultCollection ? s.defaultPath : '')
          }
        ]
      };
      const searchEmpty = (): void => {
        for (const pane of model.panes) {
          if (!pane.browser.collection && pane.browser.results.length === 0) {
            void pane.browser.search();
          }
        }
      };
      void model.restore(state).then(searchEmpty, searchEmpty);
      return widget;
    }
  });

  const toggle = (
    id: string,
    label: string,
    isToggled: (args: ReadonlyPartialJSONObject) => boolean,
    execute: (args: ReadonlyPartialJSONObject) => void
  ): void => {
    commands.addCommand(id, {
      label,
      describedBy: { args: MANAGER_ARGS_SCHEMA },
      isToggleable: true,
      isToggled: args => isToggled(args),
      isEnabled: args => !!managerOf(args),
      execute: args => {
        execute(args);
        commands.notifyCommandChanged(id);
      }
    });
  };
  toggle(
    CommandIDs.fmTwoPane,
    trans.__('Two panes'),
    args => !!managerOf(args)?.model.twoPane,
    args => {
      const manager = managerOf(args);
      if (manager) {
        const model = manager.model;
        model.twoPane = !model.twoPane;
        const second = model.panes[1].browser;
        if (model.twoPane && !second.collection && second.results.length === 0) {
          void second.search();
        }
      }
    }
  );
  toggle(
    CommandIDs.fmShowHidden,
    trans.__('Hidden files'),
    args => !!paneOf(args)?.showHidden,
    args => {
      const pane = paneOf(args);
      if (pane) {
        void pane.setShowHidden(!pane.showHidden);
      }
    }
  );

  const selection = (args: ReadonlyPartialJSONObject) => opened(args)?.selectedEntries() ?? [];

  commands.addCommand(CommandIDs.fmUp, {
    describedBy: { args: MANAGER_ARGS_SCHEMA },
    label: trans.__('Up'),
    caption: trans.__('Open the parent folder (Backspace)'),
    isEnabled: args => !!opened(args) && opened(args)?.browser.path !== '/',
    execute: args => opened(args)?.browser.up()
  });
  commands.addCommand(CommandIDs.fmRefresh, {
    describedBy: { args: MANAGER_ARGS_SCHEMA },
    label: trans.__('Refresh'),
    caption: trans.__('Reload this folder'),
    isEnabled: args => !!opened(args),
    execute: args => opened(args)?.browser.reload()
  });
  commands.addCommand(CommandIDs.fmNewFolder, {
    describedBy: { args: MANAGER_ARGS_SCHEMA },
    label: trans.__('New folder'),
    caption: trans.__('Create a folder here'),
    isEnabled: args => !!opened(args),
    execute: async args => {
      const pane = opened(args);
      if (!pane) {
        return;
      }
      const result = await InputDialog.getText({
        title: trans.__('New folder'),
        label: trans.__('Folder name')
      });
      if (result.button.accept && result.value) {
        await pane.browser.mkdir(result.value);
      }
    }
  });
  commands.addCommand(CommandIDs.fmRename, {
    describedBy: { args: MANAGER_ARGS_SCHEMA },
    label: trans.__('Rename'),
    caption: trans.__('Rename the selected file or folder (F2)'),
    isEnabled: args => selection(args).length === 1,
    execute: async args => {
      const pane = opened(args);
      const [entry] = selection(args);
      if (!pane || !entry) {
        return;
      }
      const result = await InputDialog.getText({
        title: trans.__('Rename'),
        label: trans.__('New name'),
        text: entry.name
      });
      if (result.button.accept && result.value && result.value !== entry.name) {
        await pane.browser.rename(entry, result.value);
      }
    }
  });
  commands.addCommand(CommandIDs.fmDelete, {
    describedBy: { args: MANAGER_ARGS_SCHEMA },
    label: trans.__('Delete'),
    caption: trans.__('Delete the selection with a Globus delete task (Delete)'),
    isEnabled: args => selection(args).length > 0 && !!opened(args),
    execute: async args => {
      const pane = opened(args);
      const entries = selection(args);
      if (!pane || entries.length === 0) {
        return;
      }
      const shown = entries.slice(0, 10);
      const list = el(
        'ul',
        'jp-GlobusKit-delete-list',
        shown.map(e => el('li', '', [pane.browser.pathOf(e)]))
      );
      if (entries.length > shown.length) {
        list.appendChild(el('li', '', [trans.__('… and %1 more', entries.length - shown.length)]));
      }
      const body = new Widget({
        node: el('div', 'jp-GlobusKit-delete-confirm', [
          el('p', '', [
            trans._n(
              'Delete this item from %2? Folders go with everything in them.',
              'Delete these %1 items from %2? Folders go with everything in them.',
              entries.length,
              pane.browser.collection?.display_name ?? ''
            )
          ]),
          list
        ])
      });
      const answer = await showDialog({
        title: trans.__('Delete'),
        body,
        buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: trans.__('Delete') })]
      });
      if (answer.button.accept) {
        await pane.deleteSelected(entries.map(e => pane.browser.pathOf(e)));
      }
    }
  });
  commands.addCommand(CommandIDs.fmCopyPath, {
    describedBy: { args: MANAGER_ARGS_SCHEMA },
    label: trans.__('Copy path'),
    caption: trans.__('Copy the selected paths (else the folder)'),
    isEnabled: args => !!opened(args),
    execute: args => {
      const pane = opened(args);
      if (pane) {
        const paths = pane.selectedPaths();
        Clipboard.copyToSystem(paths.length ? paths.join('\n') : pane.browser.path);
      }
    }
  });
  const links = (args: ReadonlyPartialJSONObject): string[] => {
    const pane = opened(args);
    const collection = pane?.browser.collection;
    if (!pane || !collection) {
      return [];
    }
    const paths = pane.selectedPaths();
    return (paths.length ? paths : [pane.browser.path])
      .map(p => httpsUrlOf(collection, p))
      .filter((u): u is string => !!u);
  };
  commands.addCommand(CommandIDs.fmCopyLink, {
    describedBy: { args: MANAGER_ARGS_SCHEMA },
    label: trans.__('Copy HTTPS link'),
    caption: args =>
      opened(args) && links(args).length === 0
        ? trans.__('This collection has no HTTPS server (or the path is under /~/).')
        : trans.__('Copy the HTTPS links of the selection (else the folder)'),
    isEnabled: args => links(args).length > 0,
    execute: args => {
      const urls = links(args);
      if (urls.length) {
        Clipboard.copyToSystem(urls.join('\n'));
      }
    }
  });
  commands.addCommand(CommandIDs.fmOpenWebApp, {
    describedBy: { args: MANAGER_ARGS_SCHEMA },
    label: trans.__('Open in Globus'),
    caption: trans.__('Open this folder (or the selected folder) in the Globus web app'),
    isEnabled: args => !!opened(args),
    execute: args => {
      const pane = opened(args);
      const collection = pane?.browser.collection;
      if (!pane || !collection) {
        return;
      }
      const [entry] = pane.selectedEntries();
      const path = entry?.type === 'dir' ? pane.browser.pathOf(entry) : pane.browser.path;
      window.open(webAppUrlOf(collection.id, path), '_blank', 'noopener,noreferrer');
    }
  });
  commands.addCommand(CommandIDs.fmBookmark, {
    describedBy: { args: MANAGER_ARGS_SCHEMA },
    label: trans.__('Bookmark'),
    caption: trans.__('Bookmark this folder (Globus bookmarks)'),
    isEnabled: args => !!opened(args),
    execute: async args => {
      const manager = managerOf(args);
      const pane = opened(args);
      if (!manager || !pane?.browser.collection) {
        return;
      }
      const crumbs = pane.browser.breadcrumbs();
      const result = await InputDialog.getText({
        title: trans.__('Bookmark this folder'),
        label: trans.__('Bookmark name'),
        text: crumbs[crumbs.length - 1]?.label ?? ''
      });
      if (result.button.accept && result.value) {
        await manager.model.addBookmark(result.value, pane);
      }
    }
  });
  const shareTarget = (args: ReadonlyPartialJSONObject) => {
    const pane = paneOf(args);
    if (!pane) {
      return null;
    }
    return {
      pane,
      share: shareability(pane.browser.collection, pane.browser.path, pane.selectedEntries(), e =>
        pane.browser.pathOf(e)
      )
    };
  };
  // One Share dialog at a time: a toolbar button runs its command on Enter's keydown and
  // again on the click that Enter makes, and JupyterLab queues a second dialog.
  let sharing = false;
  commands.addCommand(CommandIDs.fmShare, {
    label: trans.__('Share…'),
    describedBy: { args: MANAGER_ARGS_SCHEMA },
    caption: args => {
      const target = shareTarget(args);
      if (target && !target.share.ok) {
        return target.share.reason;
      }
      return trans.__('Share this folder (or the selected folder): who may read or write it');
    },
    isEnabled: args => !!shareTarget(args)?.share.ok,
    execute: async args => {
      const target = shareTarget(args);
      const collection = target?.pane.browser.collection;
      if (!target || !target.share.ok || !collection || sharing) {
        return;
      }
      sharing = true;
      const model = new ShareModel({ collection, path: target.share.path });
      const body = new ShareDialogBody({ model, translator: ctx.translator });
      void model.refresh();
      try {
        await showDialog({
          title: trans.__('Share a folder'),
          body,
          buttons: [Dialog.cancelButton({ label: trans.__('Close') })],
          hasClose: true,
          focusNodeSelector: '.jp-GlobusKit-Share-who-input'
        });
      } finally {
        sharing = false;
        model.dispose();
        body.dispose();
      }
    }
  });
  commands.addCommand(CommandIDs.fmRenameBookmark, {
    label: trans.__('Rename bookmark'),
    describedBy: {
      args: {
        type: 'object',
        properties: {
          ...MANAGER_ARGS_SCHEMA.properties,
          bookmark: { type: 'string', description: 'The bookmark id' }
        },
        required: ['bookmark']
      }
    },
    isEnabled: args => !!managerOf(args) && !!str(args, 'bookmark'),
    execute: async args => {
      const manager = managerOf(args);
      const id = str(args, 'bookmark');
      const bookmark = manager?.model.bookmarks.find(b => b.id === id);
      if (!manager || !bookmark) {
        return;
      }
      const result = await InputDialog.getText({
        title: trans.__('Rename bookmark'),
        label: trans.__('Bookmark name'),
        text: bookmark.name
      });
      if (result.button.accept && result.value && result.value !== bookmark.name) {
        await manager.model.renameBookmark(bookmark.id, result.value);
      }
    }
  });

  // The rows' and the listing's context-menu items are declared in schema/plugin.json
  // (`jupyter.lab.menus.context`), so users can hide them in the settings.

  const category = trans.__('Globus');
  ctx.palette?.addItem({ command: CommandIDs.openFileManager, category });
  ctx.palette?.addItem({
    command: CommandIDs.openFileManager,
    category,
    args: { twoPane: true }
  });
  ctx.launcher?.add({ command: CommandIDs.openFileManager, category: 'Other', rank: 1 });

  void ctx.restorer?.restore(tracker, {
    command: CommandIDs.openFileManager,
    args: widget => ({
      ...(widget.content.model.toJSON() as unknown as ReadonlyPartialJSONObject),
      managerId: widget.id
    }),
    name: widget => widget.id
  });

  tracker.currentChanged.connect((_, widget) => {
    if (widget) {
      notifyManagerCommands(widget);
    }
  });
  return tracker;
}
