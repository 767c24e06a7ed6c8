/**
 * The JupyterLab plugins of jupyterlab-globus-kit: wiring only. Behaviour lives in
 * `model/`, views in `widgets/`, commands in `commands.ts`, HTTP in `api.ts`.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { CommandToolbarButton, listIcon } from '@jupyterlab/ui-components';

import { registerActivity } from './activity-commands';
import { ICommandSettings, registerCommands } from './commands';
import { registerFileManager } from './file-manager-commands';
import { registerLabTransfers } from './lab-transfer-commands';
import { ILocalRouteSettings } from './model/local-route';
import { ConsentModel } from './model/consent-model';
import { LoginModel } from './model/login-model';
import { OidcModel } from './model/oidc-model';
import { ProviderModel } from './model/provider-model';
import { GlobusStatusModel } from './model/status-model';
import { TasksModel } from './model/tasks-model';
import { WorkspaceModel } from './model/workspace-model';
import { CommandIDs, IGlobusStatusModel } from './tokens';
import { ConsentsPanel } from './widgets/ConsentsPanel';
import { GlobusSidebar } from './widgets/GlobusSidebar';
import { LoginPanel } from './widgets/LoginPanel';
import { OidcPanel } from './widgets/OidcPanel';
import { ProviderSwitcher } from './widgets/ProviderSwitcher';
import { TasksPanel } from './widgets/TasksPanel';
import { WorkspaceBrowser } from './widgets/WorkspaceBrowser';

export * from './tokens';

const PLUGIN_ID = 'jupyterlab-globus-kit:plugin';

/**
 * The Globus sidebar (identity and token health, login, consents, recent transfers, a button
 * that opens the file manager) and the commands; collections are browsed in the main-area
 * file manager (issue #16).
 */
const plugin: JupyterFrontEndPlugin<IGlobusStatusModel> = {
  id: PLUGIN_ID,
  description: 'Globus identity, tokens, consents, collections and transfers in a sidebar.',
  autoStart: true,
  provides: IGlobusStatusModel,
  optional: [
    ISettingRegistry,
    ICommandPalette,
    ILayoutRestorer,
    ITranslator,
    INotebookTracker,
    ILauncher,
    IStateDB
  ],
  activate: (
    app: JupyterFrontEnd,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    translator: ITranslator | null,
    tracker: INotebookTracker | null,
    launcher: ILauncher | null,
    state: IStateDB | null
  ): IGlobusStatusModel => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_globus_kit');
    const model = new GlobusStatusModel();
    const consents = new ConsentModel();
    const tasks = new TasksModel();
    const login = new LoginModel();
    const loginPanel = new LoginPanel({
      model: login,
      missingScopes: () => consents.missing.map(entry => entry.scope),
      translator: translator ?? undefined
    });
    const commandSettings: ICommandSettings = { defaultCollection: '', defaultPath: '/~/' };
    let pageSize: number | undefined;

    const sidebar = new GlobusSidebar({
      model,
      translator: translator ?? nullTranslator,
      sections: [
        loginPanel,
        new ConsentsPanel({ model: consents, translator: translator ?? undefined }),
        new TasksPanel({
          model: tasks,
          translator: translator ?? undefined,
          commands: app.commands
        })
      ]
    });
    // Issue #9: with an OIDC provider configured, a switcher swaps in its sections.
    const providers = new ProviderModel();
    const oidc = new OidcModel();
    const workspaces = new WorkspaceModel();
    sidebar.header.addWidget(
      new ProviderSwitcher({
        model: providers,
        sidebar,
        oidcSections: [
          new OidcPanel({ model: oidc, translator: translator ?? undefined }),
          new WorkspaceBrowser({ model: workspaces, translator: translator ?? undefined })
        ],
        oidcSizes: [3, 4],
        translator: translator ?? undefined
      })
    );
    let oidcStarted = false;
    providers.changed.connect(() => {
      if (providers.current === 'oidc' && !oidcStarted) {
        oidcStarted = true; // poll the provider only once someone looks at it
        oidc.start();
        void workspaces.loadWorkspaces();
      }
    });
    oidc.credentialsChanged.connect(() => {
      workspaces.reset();
      void workspaces.loadWorkspaces();
    });
    void providers.refresh();
    app.shell.add(sidebar, 'left', { rank: 850 });
    restorer?.add(sidebar, sidebar.id);

    // Issue #16: the file manager in the main area, opened from the palette, the launcher
    // and the sidebar's toolbar.
    const managers = registerFileManager({
      app,
      trans,
      translator: translator ?? undefined,
      palette,
      restorer,
      launcher,
      settings: () => ({ ...commandSettings, pageSize })
    });
    registerCommands({
      app,
      tracker,
      statusModel: model,
      managers,
      sidebarId: sidebar.id,
      settings: () => commandSettings,
      trans,
      palette,
      workspaces
    });
    // Issue #16: JupyterLab files to and from Globus (upload, download, open).
    const routeSettings: ILocalRouteSettings = {
      localCollectionRoot: '',
      globusRouteMinFiles: 20,
      globusRouteMinMegabytes: 100
    };
    registerLabTransfers({
      app,
      trans,
      managers,
      settings: () => commandSettings,
      routeSettings: () => routeSettings
    });
    // Issue #17: the transfer dialog and the Activity view.
    registerActivity({
      app,
      trans,
      translator: translator ?? undefined,
      palette,
      state,
      fileManagers: managers,
      submitted: () => void tasks.refresh()
    });
    sidebar.toolbar.insertItem(
      1,
      'open-activity',
      new CommandToolbarButton({
        commands: app.commands,
        id: CommandIDs.openActivity,
        // An icon with its tooltip: with a label the toolbar wrapped onto the first section
        icon: listIcon,
        label: ''
      })
    );
    sidebar.toolbar.insertItem(
      0,
      'open-file-manager',
      new CommandToolbarButton({
        commands: app.commands,
        id: CommandIDs.openFileManager,
        label: trans.__('Open file manager')
      })
    );

    // A login or logout changes the credentials: re-read the status (and the consents).
    login.credentialsChanged.connect(() => {
      void model.refresh();
      void tasks.refresh();
    });
    consents.changed.connect(() => loginPanel.update());
    // New tokens or a new login may change what is granted.
    model.changed.connect(() => {
      if (!model.error) {
        void consents.refresh();
      }
    });
    tasks.finished.connect((_, task) => {
      const name = task.label || task.task_id;
      if (task.status === 'SUCCEEDED') {
        Notification.success(trans.__('Globus transfer "%1" finished.', name), {
          autoClose: 8000
        });
      } else {
        Notification.error(
          trans.__(
            'Globus transfer "%1" failed: %2',
            name,
            task.fatal_error?.description ?? task.nice_status ?? task.status
          ),
          { autoClose: false }
        );
      }
    });

    const applySettings = (settings: ISettingRegistry.ISettings): void => {
      const get = <T>(key: string): T => settings.get(key).composite as T;
      model.pollInterval = get<number>('pollInterval');
      sidebar.expiryWarningMinutes = get<number>('expiryWarningMinutes');
      pageSize = get<number>('pageSize');
      commandSettings.defaultCollection = get<string>('defaultCollection');
      commandSettings.defaultPath = get<string>('defaultPath');
      routeSettings.localCollectionRoot = get<string>('localCollectionRoot');
      routeSettings.globusRouteMinFiles = get<number>('globusRouteMinFiles');
      routeSettings.globusRouteMinMegabytes = get<number>('globusRouteMinMegabytes');
      consents.requiredScopes = get<string[]>('requiredScopes');
      tasks.idleInterval = get<number>('pollInterval');
      app.commands.notifyCommandChanged();
    };
    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          applySettings(settings);
          settings.changed.connect(applySettings);
        })
        .catch(reason => console.warn('jupyterlab-globus-kit: settings not loaded', reason));
    } else {
      consents.requiredScopes = ['urn:globus:auth:scope:transfer.api.globus.org:all'];
    }
    model.start();
    void login.refresh();
    tasks.start();
    return model;
  }
};

export default [plugin];
