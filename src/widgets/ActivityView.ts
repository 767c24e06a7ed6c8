/**
 * The Activity view (issue #17): every task, paged and filtered, and one task's detail
 * with its events (faults highlighted), skipped errors, copied files, pause info,
 * Cancel, Resubmit and a link to the task in the Globus web app. Names are text nodes.
 */
import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IActivityTask } from '../api';
import {
  ACTIVITY_STATUSES,
  ACTIVITY_TYPES,
  ActivityModel,
  isRunning,
  timeLeft
} from '../model/activity-model';
import { SYNC_LEVELS } from '../model/transfer-model';
import { formatBytes } from './browser-parts';
import { alertBox, el, externalLink } from './element';
import { taskProgressBar } from './task-progress';

/** Options of {@link ActivityView}. */
export interface IActivityViewOptions {
  model: ActivityModel;
  /** Resubmit a task (opens the transfer dialog); null when this task cannot be. */
  resubmit: (task: IActivityTask) => (() => void) | null;
  translator?: ITranslator;
}

/** A duration in seconds as `1 h 5 min`, `3 min 20 s` or `12 s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) {
    return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  }
  if (s >= 60) {
    return `${Math.floor(s / 60)} min ${s % 60} s`;
  }
  return `${s} s`;
}

/** An ISO time as the browser's locale shows it, or the text itself when unparsable. */
function formatTime(iso: string | null | undefined): string {
  if (!iso) {
    return '';
  }
  const when = Date.parse(iso.replace(' ', 'T'));
  return Number.isNaN(when) ? iso : new Date(when).toLocaleString();
}

/** The main-area Activity view. */
export class ActivityView extends Widget {
  /**
   * @param options - the model, the resubmit hook and the translator.
   */
  constructor(options: IActivityViewOptions) {
    super();
    this.addClass('jp-GlobusKit-Activity');
    this._model = options.model;
    this._resubmit = options.resubmit;
    this._trans = (options.translator ?? nullTranslator).load('jupyterlab_globus_kit');
    this.node.append(this._buildFilters(), this._main);
    this._main.className = 'jp-GlobusKit-Activity-main';
    this._listArea.className = 'jp-GlobusKit-Activity-listArea';
    this._detailArea.className = 'jp-GlobusKit-Activity-detail';
    this._detailArea.setAttribute('role', 'region');
    this._detailArea.setAttribute('aria-label', this._trans.__('Task detail'));
    this._main.append(this._listArea, this._detailArea);
    this._model.changed.connect(this._render, this);
    this._render();
  }

  private _buildFilters(): HTMLElement {
    const t = this._trans;
    const bar = el('div', 'jp-GlobusKit-Activity-filters');
    bar.setAttribute('role', 'search');
    bar.setAttribute('aria-label', t.__('Filter tasks'));
    const status = el('select', 'jp-mod-styled');
    status.setAttribute('aria-label', t.__('Status'));
    const statusNames: Record<string, string> = {
      '': t.__('All statuses'),
      ACTIVE: t.__('Active'),
      INACTIVE: t.__('Inactive'),
      SUCCEEDED: t.__('Succeeded'),
      FAILED: t.__('Failed')
    };
    for (const value of ['', ...ACTIVITY_STATUSES]) {
      const option = el('option', '', [statusNames[value]]);
      option.value = value;
      status.appendChild(option);
    }
    const type = el('select', 'jp-mod-styled');
    type.setAttribute('aria-label', t.__('Type'));
    const typeNames: Record<string, string> = {
      '': t.__('All types'),
      TRANSFER: t.__('Transfer'),
      DELETE: t.__('Delete')
    };
    for (const value of ['', ...ACTIVITY_TYPES]) {
      const option = el('option', '', [typeNames[value]]);
      option.value = value;
      type.appendChild(option);
    }
    const label = el('input', 'jp-mod-styled');
    label.type = 'search';
    label.placeholder = t.__('Search labels');
    label.setAttribute('aria-label', t.__('Search labels'));
    const apply = (): void => {
      void this._model
        .setFilter({
          status: status.value ? [status.value] : [],
          type: type.value ? [type.value] : [],
          label: label.value
        })
        .catch(() => undefined); // shown by the list's error box
    };
    status.addEventListener('change', apply);
    type.addEventListener('change', apply);
    let timer = 0;
    label.addEventListener('input', () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(apply, 300);
    });
    const refresh = el('button', 'jp-GlobusKit-button', [t.__('Refresh')]);
    refresh.type = 'button';
    refresh.addEventListener('click', () => void this._model.refresh().catch(() => undefined));
    bar.append(status, type, label, refresh);
    return bar;
  }

  private _render(): void {
    this._renderList();
    this._renderDetail();
  }

  private _renderList(): void {
    const t = this._trans;
    const m = this._model;
    const area = this._listArea;
    area.replaceChildren();
    if (m.error) {
      area.appendChild(alertBox(t.__('Could not list tasks: %1', m.error.message)));
    }
    const table = el('table', 'jp-GlobusKit-Activity-table');
    table.setAttribute('aria-label', t.__('Tasks'));
    table.appendChild(
      el('thead', '', [
        el('tr', '', [
          el('th', '', [t.__('Status')]),
          el('th', '', [t.__('Task')]),
          el('th', '', [t.__('Progress')]),
          el('th', '', [t.__('Started / finished')])
        ])
      ])
    );
    const body = el('tbody');
    for (const task of m.tasks) {
      body.appendChild(this._row(task));
    }
    table.appendChild(body);
    if (m.tasks.length === 0 && !m.loading && !m.error) {
      area.appendChild(el('p', 'jp-GlobusKit-empty', [t.__('No tasks match.')]));
    } else {
      area.appendChild(table);
    }
    const pager = el('nav', 'jp-GlobusKit-Activity-pager');
    pager.setAttribute('aria-label', t.__('Pages'));
    const prev = el('button', 'jp-GlobusKit-button', [t.__('Previous')]);
    prev.type = 'button';
    prev.disabled = m.page === 0;
    prev.addEventListener('click', () => void m.goToPage(m.page - 1).catch(() => undefined));
    const next = el('button', 'jp-GlobusKit-button', [t.__('Next')]);
    next.type = 'button';
    next.disabled = m.page >= m.pageCount - 1;
    next.addEventListener('click', () => void m.goToPage(m.page + 1).catch(() => undefined));
    const where = el('span', '', [
      t.__('Page %1 of %2 (%3 tasks)', m.page + 1, m.pageCount, m.total ?? '?')
    ]);
    pager.append(prev, where, next);
    area.appendChild(pager);
  }

  private _row(task: IActivityTask): HTMLElement {
    const t = this._trans;
    const name = task.label || `${task.type} ${task.task_id.slice(0, 8)}`;
    const open = el('button', 'jp-GlobusKit-Activity-open', [name]);
    open.type = 'button';
    open.title = task.task_id;
    open.addEventListener('click', () => void this._model.openTask(task.task_id));
    const route = [task.source_endpoint_display_name, task.destination_endpoint_display_name]
      .filter(Boolean)
      .join(' → ');
    const status = el('span', `jp-GlobusKit-badge jp-mod-${task.status.toLowerCase()}`, [
      task.status
    ]);
    const bar = taskProgressBar(task, name, t);
    const parts = [
      `${task.files_transferred ?? 0}/${task.files ?? 0} ${t.__('files')}`,
      formatBytes(task.bytes_transferred ?? 0)
    ];
    if (isRunning(task) && task.effective_bytes_per_second) {
      parts.push(`${formatBytes(task.effective_bytes_per_second)}/s`);
    }
    const left = timeLeft(task);
    if (left !== null) {
      parts.push(t.__('%1 left', formatDuration(left)));
    }
    const row = el('tr', 'jp-GlobusKit-Activity-row', [
      el('td', '', [status]),
      el('td', '', [open, el('div', 'jp-GlobusKit-Activity-route', [route])]),
      el('td', '', [bar, el('div', 'jp-GlobusKit-Activity-counts', [parts.join(', ')])]),
      el('td', 'jp-GlobusKit-Activity-times', [
        el('div', '', [formatTime(task.request_time)]),
        el('div', '', [formatTime(task.completion_time)])
      ])
    ]);
    row.dataset.taskId = task.task_id;
    row.dataset.status = task.status;
    if (this._model.detail?.task.task_id === task.task_id) {
      row.classList.add('jp-mod-selected');
    }
    return row;
  }

  private _renderDetail(): void {
    const t = this._trans;
    const m = this._model;
    const area = this._detailArea;
    area.replaceChildren();
    const detail = m.detail;
    this._main.classList.toggle('jp-mod-detail', !!detail || !!m.detailError);
    if (m.detailError) {
      area.appendChild(alertBox(m.detailError.message));
    }
    if (!detail) {
      return;
    }
    const task = detail.task;
    const name = task.label || `${task.type} ${task.task_id.slice(0, 8)}`;
    const close = el('button', 'jp-GlobusKit-button', [t.__('Close')]);
    close.type = 'button';
    close.setAttribute('aria-label', t.__('Close task detail'));
    close.addEventListener('click', () => m.closeTask());
    area.appendChild(el('div', 'jp-GlobusKit-Activity-detailHead', [el('h2', '', [name]), close]));
    const facts = el('dl', 'jp-GlobusKit-Activity-facts');
    const fact = (term: string, value: string | null | undefined): void => {
      if (value) {
        facts.append(el('dt', '', [term]), el('dd', '', [value]));
      }
    };
    fact(t.__('Status'), task.nice_status ? `${task.status} (${task.nice_status})` : task.status);
    fact(t.__('Task id'), task.task_id);
    fact(t.__('From'), task.source_endpoint_display_name);
    fact(t.__('To'), task.destination_endpoint_display_name);
    fact(
      t.__('Files'),
      `${task.files_transferred ?? 0}/${task.files ?? 0}, ${formatBytes(task.bytes_transferred ?? 0)}`
    );
    fact(t.__('Started'), formatTime(task.request_time));
    fact(t.__('Finished'), formatTime(task.completion_time));
    fact(t.__('Deadline'), formatTime(task.deadline));
    const on = (
      [
        ['verify_checksum', t.__('verify checksum')],
        ['encrypt_data', t.__('encrypt')],
        ['preserve_timestamp', t.__('preserve times')],
        ['delete_destination_extra', t.__('delete extra files')],
        ['skip_source_errors', t.__('skip source errors')],
        ['fail_on_quota_errors', t.__('fail on quota errors')]
      ] as const
    )
      .filter(([key]) => task[key] === true)
      .map(([, name]) => name);
    if (typeof task.sync_level === 'number') {
      on.unshift(t.__('sync: %1', SYNC_LEVELS[task.sync_level + 1] ?? String(task.sync_level)));
    }
    fact(t.__('Options'), on.join(', '));
    if (task.fatal_error) {
      fact(t.__('Error'), `${task.fatal_error.code}: ${task.fatal_error.description}`);
    }
    area.appendChild(facts);

    const actions = el('div', 'jp-GlobusKit-Activity-actions');
    if (isRunning(task)) {
      const cancel = el('button', 'jp-GlobusKit-button', [t.__('Cancel task')]);
      cancel.type = 'button';
      cancel.addEventListener('click', () => {
        cancel.disabled = true;
        void m.cancel(task.task_id);
      });
      actions.appendChild(cancel);
    }
    const resubmit = this._resubmit(task);
    const again = el('button', 'jp-GlobusKit-button', [t.__('Resubmit')]);
    again.type = 'button';
    again.disabled = !resubmit;
    again.title = resubmit
      ? t.__('Submit the same transfer again with the same options (a new submission)')
      : t.__('A delete task cannot be resubmitted as a transfer.');
    if (resubmit) {
      again.addEventListener('click', resubmit);
    }
    actions.appendChild(again);
    if (task.webAppUrl) {
      const link = externalLink(
        task.webAppUrl,
        t.__('Open in the Globus web app'),
        'jp-GlobusKit-button'
      );
      if (link) {
        actions.appendChild(link);
      }
    }
    area.appendChild(actions);

    if (detail.pause) {
      const p = detail.pause;
      const messages = [
        p.source_pause_message,
        p.destination_pause_message,
        p.source_pause_message_share,
        p.destination_pause_message_share,
        ...p.pause_rules.map(r => [r.endpoint_display_name, r.message].filter(Boolean).join(': '))
      ].filter((s): s is string => !!s);
      const section = this._section(t.__('Paused'), 'pause');
      section.append(
        ...(messages.length ? messages : [t.__('The task is paused.')]).map(s =>
          el('p', 'jp-GlobusKit-Activity-pause', [s])
        )
      );
      area.appendChild(section);
    }

    const events = this._section(
      t.__('Events (%1)', detail.eventsTotal ?? detail.events.length),
      'events'
    );
    const eventList = el('ul', 'jp-GlobusKit-Activity-events');
    eventList.setAttribute('aria-label', t.__('Events'));
    for (const event of detail.events) {
      const item = el(
        'li',
        event.is_error ? 'jp-GlobusKit-Activity-event jp-mod-fault' : 'jp-GlobusKit-Activity-event',
        [
          el('span', 'jp-GlobusKit-Activity-eventTime', [formatTime(event.time)]),
          el('strong', '', [event.code]),
          el('span', '', [event.description ?? '']),
          el('div', 'jp-GlobusKit-Activity-eventDetails', [event.details ?? ''])
        ]
      );
      if (event.is_error) {
        item.dataset.fault = 'true';
      }
      eventList.appendChild(item);
    }
    events.appendChild(eventList);
    area.appendChild(events);

    if (detail.skipped.length) {
      const skipped = this._section(t.__('Skipped errors (%1)', detail.skipped.length), 'skipped');
      const list = el('ul', 'jp-GlobusKit-Activity-skipped');
      for (const e of detail.skipped) {
        list.appendChild(
          el('li', '', [
            el('strong', '', [e.error_code]),
            ` ${e.source_path}`,
            el('div', '', [e.error_details ?? ''])
          ])
        );
      }
      skipped.appendChild(list);
      area.appendChild(skipped);
    }

    const copied = this._section(
      t.__('Files transferred (%1)', detail.transfers.length),
      'transfers'
    );
    const files = el('ul', 'jp-GlobusKit-Activity-transfers');
    files.setAttribute('aria-label', t.__('Files transferred'));
    for (const f of detail.transfers) {
      files.appendChild(
        el('li', '', [
          `${f.source_path} → ${f.destination_path}`,
          f.size !== undefined ? ` (${formatBytes(f.size)})` : ''
        ])
      );
    }
    copied.appendChild(files);
    if (detail.transfersNext !== null) {
      const more = el('button', 'jp-GlobusKit-button', [t.__('More files')]);
      more.type = 'button';
      more.addEventListener('click', () => void m.moreTransfers().catch(() => undefined));
      copied.appendChild(more);
    }
    area.appendChild(copied);
  }

  private _section(title: string, key: string): HTMLElement {
    const section = el('section', `jp-GlobusKit-Activity-section jp-mod-${key}`, [
      el('h3', '', [title])
    ]);
    section.setAttribute('aria-label', title.replace(/ \(\d+\)$/, ''));
    return section;
  }

  private _model: ActivityModel;
  private _resubmit: IActivityViewOptions['resubmit'];
  private _trans: TranslationBundle;
  private _main = el('div');
  private _listArea = el('div');
  private _detailArea = el('div');
}
