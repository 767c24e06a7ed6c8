import type { TranslationBundle } from '@jupyterlab/translation';

import { ITask } from '../documents';
import { taskProgress } from '../model/tasks-model';
import { el } from './element';

/**
 * A task's progress bar, as the sidebar's Transfers list and the Activity view draw it: the
 * share of its files done (none while unknown), in the error colour when the task failed.
 *
 * @param task - the task document.
 * @param name - what the bar's label calls the task.
 * @param t - the translation bundle.
 */
export function taskProgressBar(
  task: ITask,
  name: string,
  t: TranslationBundle
): HTMLProgressElement {
  const progress = taskProgress(task);
  const bar = el('progress', 'jp-GlobusKit-task-progress');
  bar.max = 1;
  if (progress !== null) {
    bar.value = progress;
  }
  bar.classList.toggle('jp-mod-failed', task.status === 'FAILED');
  bar.setAttribute('aria-label', t.__('Progress of %1', name));
  return bar;
}
