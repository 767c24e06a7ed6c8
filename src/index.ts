/**
 * The JupyterLab plugins of jupyterlab-globus-kit: wiring only. Behaviour lives in
 * `model/`, views in `widgets/`, HTTP in `api.ts`.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';

import { globusIcon } from './icons';
import { GlobusStatusModel } from './model/status-model';
import { CommandIDs, IGlobusStatusModel } from './tokens';
import { GlobusSidebar } from './widgets/GlobusSidebar';

export * from './tokens';

const PLUGIN_ID = 'jupyterlab-globus-kit:plugin';

/** The Globus sidebar, its status model and its commands. */
const plugin: JupyterFrontEndPlugin<IGlobusStatusModel> = {
  id: PLUGIN_ID,
  description: 'Globus identity and token status in a sidebar.',
  autoStart: true,
  provides: IGlobusStatusModel,
  optional: [ISettingRegistry, ICommandPalette, ILayoutRestorer, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    translator: ITranslator | null
  ): IGlobusStatusModel => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_globus_kit');
    const model = new GlobusStatusModel();
    const sidebar = new GlobusSidebar({ model, translator: translator ?? nullTranslator });
    app.shell.add(sidebar, 'left', { rank: 850 });
    restorer?.add(sidebar, sidebar.id);

    app.commands.addCommand(CommandIDs.openSidebar, {
      label: trans.__('Open Globus Sidebar'),
      icon: globusIcon,
      execute: () => app.shell.activateById(sidebar.id)
    });
    app.commands.addCommand(CommandIDs.refreshStatus, {
      label: trans.__('Refresh Globus Status'),
      icon: refreshIcon,
      execute: () => model.refresh()
    });
    const category = trans.__('Globus');
    palette?.addItem({ command: CommandIDs.openSidebar, category });
    palette?.addItem({ command: CommandIDs.refreshStatus, category });

    const applySettings = (settings: ISettingRegistry.ISettings): void => {
      model.pollInterval = settings.get('pollInterval').composite as number;
      sidebar.expiryWarningMinutes = settings.get('expiryWarningMinutes').composite as number;
    };
    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          applySettings(settings);
          settings.changed.connect(applySettings);
        })
        .catch(reason => console.warn('jupyterlab-globus-kit: settings not loaded', reason));
    }
    model.start();
    return model;
  }
};

export default [plugin];
