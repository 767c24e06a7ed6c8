import { ITranslator } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';

import { cancelTask } from '../api';
import { ITask } from '../documents';
import { TasksModel } from '../model/tasks-model';
import { formatBytes } from './browser-parts';
import { ModelSection } from './model-section';
import { el } from './element';
import { taskProgressBar } from './task-progress';
import { CommandIDs } from '../tokens';

/**
 * Recent Transfer tasks: label, status, a progress bar, bytes, and a cancel button for a
 * running one.
 */
export class TasksPanel extends ModelSection<TasksModel> {
  /**
   * @param options - the tasks model and the translator.
   */
  constructor(options: ITasksPanelOptions) {
    super(options.model, options.translator, 'jp-GlobusKit-Tasks');
    this._commands = options.commands ?? null;
    this.title.label = this.trans.__('Transfers');
    this.render();
  }

  protected render(): void {
    const t = this.trans;
    const error = this.model.error;
    const root = this.resetWithError(
      error ? t.__('Could not list transfers: %1', error.message) : null
    );
    const tasks = this.model.tasks;
    if (tasks.length === 0) {
      root.appendChild(el('p', 'jp-GlobusKit-empty', [t.__('No recent transfers.')]));
      return;
    }
    const list = el('ul', 'jp-GlobusKit-taskList');
    list.setAttribute('aria-label', t.__('Recent transfers'));
    for (const task of tasks) {
      list.appendChild(this._row(task));
    }
    root.appendChild(list);
  }

  private _row(task: ITask): HTMLElement {
    const t = this.trans;
    const label = task.label || `${task.type} ${task.task_id.slice(0, 8)}`;
    const status = task.status === 'ACTIVE' && task.nice_status ? task.nice_status : task.status;
    const item = el('li', 'jp-GlobusKit-task', [
      el('div', 'jp-GlobusKit-task-head', [
        el('span', 'jp-GlobusKit-task-label', [label]),
        el(
          'span',
          `jp-GlobusKit-badge jp-mod-${task.status === 'ACTIVE' ? 'running' : task.status.toLowerCase()}`,
          [status]
        )
      ])
    ]);
    item.dataset.taskId = task.task_id;
    item.dataset.status = task.status;
    const route = [task.source_endpoint_display_name, task.destination_endpoint_display_name]
      .filter(Boolean)
      .join(' → ');
    if (route) {
      item.appendChild(el('div', 'jp-GlobusKit-task-route', [route]));
    }
    const bar = taskProgressBar(task, label, t);
    const files = `${task.files_transferred ?? 0}/${task.files ?? 0} ${t.__('files')}`;
    const progressRow = el('div', 'jp-GlobusKit-task-progressRow', [
      bar,
      el('span', 'jp-GlobusKit-task-bytes', [
        `${files}, ${formatBytes(task.bytes_transferred ?? 0)}`
      ])
    ]);
    item.appendChild(progressRow);
    if (task.fatal_error?.description || task.fatal_error?.code) {
      item.appendChild(
        el('div', 'jp-GlobusKit-task-error', [
          task.fatal_error.description ?? task.fatal_error.code ?? ''
        ])
      );
    }
    const commands = this._commands;
    if (commands) {
      // Issue #17: the task's detail in the Activity view.
      // In the progress row, so a task keeps its three lines (the sidebar's layout rule).
      const details = el('button', 'jp-GlobusKit-button jp-GlobusKit-task-details', [
        t.__('Details')
      ]);
      details.type = 'button';
      details.setAttribute('aria-label', t.__('Details of %1', label));
      details.addEventListener('click', () => {
        void commands.execute(CommandIDs.openActivity, { taskId: task.task_id });
      });
      progressRow.appendChild(details);
    }
    if (task.status === 'ACTIVE' || task.status === 'INACTIVE') {
      const cancel = el('button', 'jp-GlobusKit-button', [t.__('Cancel')]);
      cancel.type = 'button';
      cancel.setAttribute('aria-label', t.__('Cancel transfer %1', label));
      cancel.addEventListener('click', () => {
        cancel.disabled = true;
        void cancelTask(task.task_id)
          .catch(() => undefined) // the refresh below shows the task's real state
          .then(() => this.model.refresh());
      });
      item.appendChild(cancel);
    }
    return item;
  }

  private _commands: CommandRegistry | null;
}

/** Options of {@link TasksPanel}. */
export interface ITasksPanelOptions {
  /** The tasks to show. */
  model: TasksModel;
  /** UI strings. */
  translator?: ITranslator;
  /** Runs the Activity view's command (a Details button per task, issue #17). */
  commands?: CommandRegistry;
}
