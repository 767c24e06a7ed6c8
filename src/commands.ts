/**
 * Command ids and their registration: the sidebar, status refresh, and the commands that
 * insert ready cells in the notebook the user last worked in (issue #16: it stays the target
 * while a file manager has the focus), in its kernel's language: TypeScript for tslab,
 * Python for a Python kernel (issue #18); the label names that notebook, or says why the
 * command is disabled (no notebook open, another kernel).
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';
import { ReadonlyJSONObject, ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { globusIcon } from './icons';
import {
  fetchFileCell,
  ICellTarget,
  linkCell,
  listCell,
  plotCell,
  transferCell,
  uploadCell,
  whoamiCell,
  withConnect
} from './model/cell-snippets';
import {
  OIDC_CONNECT_CELL,
  hasOidcConnect,
  oidcWhoamiCell,
  withOidcConnect,
  workspaceFetchCsvCell,
  workspaceLsCell,
  workspacesCell
} from './model/oidc-cell-snippets';
import {
  cellLanguageOf,
  pythonFetchFileCell,
  pythonLinkCell,
  pythonListCell,
  pythonPlotCell,
  pythonTransferCell,
  pythonUploadCell,
  pythonWhoamiCell
} from './model/python-snippets';
import type { WorkspaceModel } from './model/workspace-model';
import { CommandIDs, type IGlobusStatusModel } from './tokens';
import type { FileManagerPanel } from './widgets/FileManager';

/** The settings the commands read. */
export interface ICommandSettings {
  /** Default collection (id or display name) when no file manager has one open. */
  defaultCollection: string;
  /** Default path on it. */
  defaultPath: string;
}

/** Commands that take no arguments. */
const NO_ARGS_SCHEMA = { type: 'object', properties: {} } as const;

/** The insert commands' arguments: where the cell points (else the selection). */
const TARGET_ARGS_SCHEMA = {
  type: 'object',
  properties: {
    collection: { type: 'string', description: 'Collection id (UUID)' },
    path: {
      type: 'string',
      description:
        "Absolute path on it; a folder ends in /. Without both: the current file manager's selection"
    }
  }
} as const;

/** What {@link registerCommands} needs. */
export interface ICommandContext {
  /** The application. */
  app: JupyterFrontEnd;
  /** Finds the notebook the cells go into (the last one focused). */
  tracker: INotebookTracker | null;
  /** The status model (refresh). */
  statusModel: IGlobusStatusModel;
  /** The open file managers: the current one's selection is the cells' default target. */
  managers: WidgetTracker<MainAreaWidget<FileManagerPanel>>;
  /** The sidebar's id (open it). */
  sidebarId: string;
  /** Current settings. */
  settings: () => ICommandSettings;
  /** UI strings. */
  trans: TranslationBundle;
  /** Adds the palette entries when present. */
  palette: ICommandPalette | null;
  /** The workspace browser's state (issue #9); without it the OIDC commands are not added. */
  workspaces?: WorkspaceModel;
}

/**
 * Register every command and its palette entry (category "Globus"); the context-menu
 * entries on file manager rows are declared in schema/plugin.json.
 *
 * @param ctx - the app, models and settings.
 */
export function registerCommands(ctx: ICommandContext): void {
  const { app, tracker, managers, trans } = ctx;
  const { commands } = app;

  /**
   * The notebook the cells go into: the one the user last worked in. The tracker keeps it
   * while a main-area file manager has the focus (its context menu inserts into it).
   */
  const activeNotebook = () => tracker?.currentWidget ?? null;
  const noNotebook = trans.__('Open a notebook (tslab or Python kernel) to insert a cell.');
  /** The current file manager's active pane, when it has a collection open. */
  const managerPane = () => {
    const pane = managers.currentWidget?.content.model.active ?? null;
    return pane?.browser.collection ? pane : null;
  };
  /** The target notebook's kernel language (its kernelspec metadata). */
  const language = () => {
    const model = activeNotebook()?.model;
    return cellLanguageOf(model ? (model.getMetadata('kernelspec') as object | undefined) : null);
  };
  /** Why a command cannot write a cell for this kernel, or null. */
  const languageReason = (hasPython: boolean): string | null => {
    switch (language()) {
      case 'typescript':
        return null;
      case 'python':
        return hasPython
          ? null
          : trans.__('This cell is for TypeScript (tslab) notebooks; there is no Python one.');
      case 'none':
        return trans.__('Choose a kernel for this notebook (tslab or Python) first.');
      default:
        return trans.__(
          'Globus cells are written for tslab (TypeScript) and Python kernels; this notebook runs another kernel.'
        );
    }
  };

  /**
   * The command's `{ collection, path }` arguments (a folder ends in `/`), else the current
   * file manager's first selected entry, else its open folder, else the default location.
   */
  const target = (
    args: ReadonlyPartialJSONObject = {}
  ): (ICellTarget & { isFile: boolean }) | null => {
    if (typeof args.collection === 'string' && typeof args.path === 'string') {
      return { collection: args.collection, path: args.path, isFile: !args.path.endsWith('/') };
    }
    const pane = managerPane();
    const collection = pane?.browser.collection;
    if (pane && collection) {
      const [entry] = pane.selectedEntries();
      const path = entry ? pane.browser.pathOf(entry) : pane.browser.path;
      return { collection: collection.id, path, isFile: !!entry && entry.type !== 'dir' };
    }
    const s = ctx.settings();
    if (s.defaultCollection) {
      const path = s.defaultPath || '/~/';
      return { collection: s.defaultCollection, path, isFile: !path.endsWith('/') };
    }
    return null;
  };
  /** What the row commands act on: the args' path (a folder ends in `/`), else the selection. */
  const pickedType = (args: ReadonlyPartialJSONObject): string | undefined =>
    typeof args.collection === 'string' && typeof args.path === 'string'
      ? args.path.endsWith('/')
        ? 'dir'
        : 'file'
      : managerPane()?.selectedEntries()[0]?.type;
  const csvTarget = (args: ReadonlyPartialJSONObject) => {
    const t = target(args);
    return t && t.isFile && /\.(csv|tsv|txt)$/i.test(t.path) ? t : null;
  };
  const folderTarget = (args: ReadonlyPartialJSONObject) => {
    const t = target(args);
    if (!t) {
      return null;
    }
    return t.isFile ? { ...t, path: t.path.replace(/[^/]*$/, ''), isFile: false } : t;
  };

  /** The insert commands (their state follows the manager's selection). */
  const insertIds: string[] = [];

  const insert = (code: string, connect = withConnect): void => {
    const panel = activeNotebook();
    const notebook = panel?.content;
    if (!panel || !notebook?.model) {
      return;
    }
    const sources: string[] = [];
    for (const cell of notebook.model.cells) {
      sources.push(cell.sharedModel.getSource());
    }
    const text = connect(code, sources);
    const active = notebook.activeCell;
    if (active && active.model.type === 'code' && !active.model.sharedModel.getSource().trim()) {
      active.model.sharedModel.setSource(text);
    } else {
      NotebookActions.insertBelow(notebook);
      notebook.activeCell?.model.sharedModel.setSource(text);
    }
    app.shell.activateById(panel.id);
  };

  /**
   * An insert command: disabled without a notebook, for a kernel it has no cell for, or
   * without what it needs. `python` builds the cell for a Python kernel (self-contained:
   * each Python cell has its own imports); without it the command is tslab-only.
   */
  const addInsert = (
    id: string,
    label: string,
    build: (args: ReadonlyPartialJSONObject) => string | null,
    needs: (args: ReadonlyPartialJSONObject) => string | null,
    connect = withConnect,
    python?: (args: ReadonlyPartialJSONObject) => string | null,
    argsSchema: ReadonlyJSONObject = TARGET_ARGS_SCHEMA
  ): void => {
    insertIds.push(id);
    const reason = (args: ReadonlyPartialJSONObject) =>
      activeNotebook() ? (languageReason(python !== undefined) ?? needs(args)) : noNotebook;
    commands.addCommand(id, {
      // The label names the target notebook, or says that there is none.
      label: args => {
        const panel = activeNotebook();
        if (!panel) {
          return `${label} (${trans.__('no notebook open')})`;
        }
        return reason(args)
          ? `${label} (${trans.__('unavailable')})`
          : trans.__('%1 into %2', label, panel.title.label || panel.context.path);
      },
      caption: args => reason(args) ?? label,
      icon: globusIcon,
      describedBy: { args: argsSchema },
      isEnabled: args => reason(args) === null,
      execute: args => {
        if (reason(args) !== null) {
          return;
        }
        if (language() === 'python') {
          const code = python?.(args) ?? null;
          if (code) {
            insert(code, text => text);
          }
          return;
        }
        const code = build(args);
        if (code) {
          insert(code, connect);
        }
      }
    });
  };

  commands.addCommand(CommandIDs.openSidebar, {
    label: trans.__('Open Globus Sidebar'),
    describedBy: { args: NO_ARGS_SCHEMA },
    icon: globusIcon,
    execute: () => app.shell.activateById(ctx.sidebarId)
  });
  commands.addCommand(CommandIDs.refreshStatus, {
    label: trans.__('Refresh Globus Status'),
    describedBy: { args: NO_ARGS_SCHEMA },
    icon: refreshIcon,
    execute: () => ctx.statusModel.refresh()
  });

  const selectCsv = trans.__('Select a CSV file in the Globus file manager first.');
  const selectAny = trans.__(
    'Open a collection in the Globus file manager (or set a default collection in the settings).'
  );
  addInsert(
    CommandIDs.insertWhoami,
    trans.__('Insert Globus whoami Cell'),
    whoamiCell,
    () => null,
    withConnect,
    pythonWhoamiCell
  );
  addInsert(
    CommandIDs.insertFetchCsv,
    trans.__('Insert Cell to Fetch a CSV from Globus'),
    (args: ReadonlyPartialJSONObject) => {
      const t = csvTarget(args);
      return t && fetchFileCell(t);
    },
    (args: ReadonlyPartialJSONObject) => (csvTarget(args) ? null : selectCsv),
    withConnect,
    (args: ReadonlyPartialJSONObject) => {
      const t = csvTarget(args);
      return t && pythonFetchFileCell(t);
    }
  );
  addInsert(
    CommandIDs.insertPlot,
    trans.__('Insert Cell to Plot a CSV from Globus'),
    (args: ReadonlyPartialJSONObject) => {
      const t = csvTarget(args);
      return t && plotCell(t);
    },
    (args: ReadonlyPartialJSONObject) => (csvTarget(args) ? null : selectCsv),
    withConnect,
    (args: ReadonlyPartialJSONObject) => {
      const t = csvTarget(args);
      return t && pythonPlotCell(t);
    }
  );
  addInsert(
    CommandIDs.insertUpload,
    trans.__('Insert Cell to Upload to Globus'),
    (args: ReadonlyPartialJSONObject) => {
      const t = folderTarget(args);
      return t && uploadCell(t);
    },
    (args: ReadonlyPartialJSONObject) => (folderTarget(args) ? null : selectAny),
    withConnect,
    (args: ReadonlyPartialJSONObject) => {
      const t = folderTarget(args);
      return t && pythonUploadCell(t);
    }
  );
  addInsert(
    CommandIDs.insertLink,
    trans.__('Insert Cell with a Globus Share Link'),
    (args: ReadonlyPartialJSONObject) => {
      const t = target(args);
      return t && linkCell(t);
    },
    (args: ReadonlyPartialJSONObject) => (target(args) ? null : selectAny),
    withConnect,
    (args: ReadonlyPartialJSONObject) => {
      const t = target(args);
      return t && pythonLinkCell(t);
    }
  );
  const destination = (): ICellTarget | null => {
    const s = ctx.settings();
    return s.defaultCollection
      ? {
          collection: s.defaultCollection,
          path: s.defaultPath.endsWith('/') ? s.defaultPath : '/~/'
        }
      : null;
  };
  addInsert(
    CommandIDs.insertTransfer,
    trans.__('Insert Cell to Transfer with Globus'),
    (args: ReadonlyPartialJSONObject) => {
      const from = args.collection || managerPane() ? target(args) : null;
      const to = destination();
      return from && to && transferCell(from, to);
    },
    (args: ReadonlyPartialJSONObject) =>
      !managerPane() && typeof args.collection !== 'string'
        ? trans.__('Open a collection and select what to copy in the Globus file manager.')
        : !destination()
          ? trans.__('Set a default collection (the destination) in the Globus settings.')
          : null,
    withConnect,
    (args: ReadonlyPartialJSONObject) => {
      const from = args.collection || managerPane() ? target(args) : null;
      const to = destination();
      return from && to && pythonTransferCell(from, to);
    }
  );

  // Context menu of the file manager's rows: they act on its selection.
  addInsert(
    CommandIDs.insertFetchFile,
    trans.__('Insert cell to fetch this file'),
    (args: ReadonlyPartialJSONObject) => {
      const t = target(args);
      return t && fetchFileCell(t);
    },
    (args: ReadonlyPartialJSONObject) => (pickedType(args) === 'file' ? null : selectCsv),
    withConnect,
    (args: ReadonlyPartialJSONObject) => {
      const t = target(args);
      return t && pythonFetchFileCell(t);
    }
  );
  addInsert(
    CommandIDs.insertListFolder,
    trans.__('Insert cell to list'),
    (args: ReadonlyPartialJSONObject) => {
      const t = target(args);
      return t && listCell(t);
    },
    (args: ReadonlyPartialJSONObject) =>
      pickedType(args) === 'dir' ? null : trans.__('Select a folder first.'),
    withConnect,
    (args: ReadonlyPartialJSONObject) => {
      const t = target(args);
      return t && pythonListCell(t);
    }
  );
  const workspaces = ctx.workspaces;
  if (workspaces) {
    // Issue #9: the same one-line cells for the OIDC provider's S3 workspaces.
    const oidcConnect = (code: string, sources: readonly string[]) =>
      withOidcConnect(code, sources);
    const openFolder = () => {
      const ws = workspaces.workspace;
      if (!ws) {
        return null;
      }
      const entry = workspaces.selected;
      return {
        workspace: ws.name,
        prefix: entry?.type === 'dir' ? workspaces.keyOf(entry) : workspaces.prefix
      };
    };
    const selectedCsv = () => {
      const ws = workspaces.workspace;
      const entry = workspaces.selected;
      return ws && entry?.type === 'file' && /\.(csv|tsv|txt)$/i.test(entry.name)
        ? { workspace: ws.name, key: workspaces.keyOf(entry) }
        : null;
    };
    addInsert(
      CommandIDs.insertConnectOidc,
      trans.__('Insert Cell to Connect to the OIDC Provider'),
      () => OIDC_CONNECT_CELL,
      () => null,
      // A notebook that connects already gets `whoami` instead of a second session.
      (code, sources) => (hasOidcConnect(sources) ? oidcWhoamiCell() : code),
      undefined,
      NO_ARGS_SCHEMA
    );
    addInsert(
      CommandIDs.insertListWorkspaces,
      trans.__('Insert Cell to List Workspaces'),
      workspacesCell,
      () => null,
      oidcConnect,
      undefined,
      NO_ARGS_SCHEMA
    );
    addInsert(
      CommandIDs.insertWorkspaceLs,
      trans.__('Insert Cell to List a Workspace Folder'),
      () => {
        const t = openFolder();
        return t && workspaceLsCell(t.workspace, t.prefix);
      },
      () => (openFolder() ? null : trans.__('Open a workspace in the Globus sidebar first.')),
      oidcConnect,
      undefined,
      NO_ARGS_SCHEMA
    );
    addInsert(
      CommandIDs.insertWorkspaceFetch,
      trans.__('Insert cell to fetch this file'),
      () => {
        const t = selectedCsv();
        return t && workspaceFetchCsvCell(t.workspace, t.key);
      },
      () => (selectedCsv() ? null : trans.__('Select a CSV file in a workspace first.')),
      oidcConnect,
      undefined,
      NO_ARGS_SCHEMA
    );
    for (const command of [
      CommandIDs.insertConnectOidc,
      CommandIDs.insertListWorkspaces,
      CommandIDs.insertWorkspaceLs
    ]) {
      ctx.palette?.addItem({ command, category: trans.__('Globus') });
    }
    workspaces.changed.connect(() => commands.notifyCommandChanged());
  }

  // The context-menu items (the file manager's and the workspace browser's rows) are
  // declared in schema/plugin.json (`jupyter.lab.menus.context`), so users can hide them.

  const category = trans.__('Globus');
  for (const command of [
    CommandIDs.openSidebar,
    CommandIDs.refreshStatus,
    CommandIDs.insertWhoami,
    CommandIDs.insertFetchCsv,
    CommandIDs.insertPlot,
    CommandIDs.insertUpload,
    CommandIDs.insertLink,
    CommandIDs.insertTransfer
  ]) {
    ctx.palette?.addItem({ command, category });
  }

  // Enabled states and labels depend on the target notebook and the manager's selection.
  const refresh = () => commands.notifyCommandChanged();
  tracker?.currentChanged.connect(refresh);
  // The kernel can change under an open notebook (Kernel > Change Kernel).
  tracker?.currentChanged.connect((_, panel) =>
    panel?.sessionContext.kernelChanged.connect(refresh)
  );
  app.shell.currentChanged?.connect(refresh);
  // A manager's selection or folder changes: only the insert commands follow it.
  const refreshInserts = () => insertIds.forEach(id => commands.notifyCommandChanged(id));
  managers.widgetAdded.connect((_, widget) => widget.content.model.changed.connect(refreshInserts));
  managers.currentChanged.connect(refreshInserts);
}
