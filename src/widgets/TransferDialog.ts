/**
 * The transfer dialog's body (issue #17): source, destination and what moves, and the
 * Globus web app's options. Names are text nodes; `getValue` reads the form back.
 */
import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { ITransferOptions, SyncLevel } from '../api';
import {
  BooleanOption,
  DEFAULT_TRANSFER_OPTIONS,
  ITransferSpec,
  SYNC_LEVELS
} from '../model/transfer-model';
import { alertBox, el, externalLink } from './element';

/** What the dialog answers: the (possibly edited) destination and the options. */
export interface ITransferDialogValue {
  destination: { collection: string; path: string };
  options: ITransferOptions;
}

/** Options of {@link TransferDialogBody}. */
export interface ITransferDialogBodyOptions {
  spec: ITransferSpec;
  /** The options to show (the remembered ones plus the caller's). */
  options: ITransferOptions;
  /**
   * The last attempt's error, shown above the form with its remedy. `login` (for
   * `SESSION_REQUIRED`, and `CONSENT_REQUIRED` with a stored login) starts the login that
   * fixes it and opens Globus; it resolves to an error message, or null when started.
   */
  error?: {
    message: string;
    code: string;
    consentUrl?: string | null;
    login?: (() => Promise<string | null>) | null;
  } | null;
  translator?: ITranslator;
}

/** The transfer dialog's body. */
export class TransferDialogBody extends Widget {
  /**
   * @param options - what moves, the options shown and the last error.
   */
  constructor(options: ITransferDialogBodyOptions) {
    super();
    this.addClass('jp-GlobusKit-TransferDialog');
    this._trans = (options.translator ?? nullTranslator).load('jupyterlab_globus_kit');
    this._build(options);
  }

  /** The form's destination and options. */
  getValue(): ITransferDialogValue {
    const options: ITransferOptions = {
      sync_level: this._sync.value as SyncLevel
    };
    for (const [name, box] of this._boxes) {
      options[name] = box.checked;
    }
    const label = this._label.value.trim();
    if (label) {
      options.label = label;
    }
    const deadline = this._deadline.value.trim();
    if (deadline) {
      options.deadline = deadline;
    }
    return {
      destination: {
        collection: this._destCollection.value.trim(),
        path: this._destPath.value.trim()
      },
      options
    };
  }

  private _build(options: ITransferDialogBodyOptions): void {
    const t = this._trans;
    const { spec } = options;
    const o = { ...DEFAULT_TRANSFER_OPTIONS, ...options.options };
    const node = this.node;
    if (options.error) {
      const box = alertBox(options.error.message);
      box.dataset.code = options.error.code;
      const url = options.error.consentUrl;
      if (url) {
        const link = externalLink(
          url,
          t.__('Grant consent (opens Globus)'),
          'jp-GlobusKit-consentLink'
        );
        if (link) {
          box.append(' ', link, ' ', t.__('then press Resubmit.'));
        }
      }
      const login = options.error.login;
      if (login) {
        const session = options.error.code === 'SESSION_REQUIRED';
        const button = el('button', 'jp-mod-styled jp-GlobusKit-loginFix', [
          session
            ? t.__('Log in again (opens Globus)')
            : t.__('Log in with this consent (opens Globus)')
        ]);
        button.type = 'button';
        const note = el('div', 'jp-GlobusKit-loginFix-note', [
          t.__(
            'Finish the login in the new tab (if Globus shows a code, paste it in the Globus sidebar), then press Resubmit.'
          )
        ]);
        note.hidden = true;
        button.addEventListener('click', () => {
          button.disabled = true;
          void login().then(problem => {
            button.disabled = false;
            note.textContent =
              problem ??
              t.__(
                'Finish the login in the new tab (if Globus shows a code, paste it in the Globus sidebar), then press Resubmit.'
              );
            note.hidden = false;
          });
        });
        box.append(' ', button, note);
      }
      node.appendChild(box);
    }
    const sourceName = spec.source.name || spec.source.collection;
    node.appendChild(
      el('dl', 'jp-GlobusKit-TransferDialog-route', [
        el('dt', '', [t.__('From')]),
        el('dd', '', [`${sourceName} ${spec.source.path}`])
      ])
    );
    const shown = spec.items.slice(0, 8);
    const list = el(
      'ul',
      'jp-GlobusKit-TransferDialog-items',
      shown.map(item => el('li', '', [item]))
    );
    list.setAttribute('aria-label', t.__('Items to transfer'));
    if (spec.items.length > shown.length) {
      list.appendChild(el('li', '', [t.__('… and %1 more', spec.items.length - shown.length)]));
    }
    node.appendChild(list);

    const to = el('fieldset', 'jp-GlobusKit-TransferDialog-to', [el('legend', '', [t.__('To')])]);
    if (spec.destination.name) {
      to.appendChild(el('div', 'jp-GlobusKit-TransferDialog-destName', [spec.destination.name]));
    }
    this._destCollection = this._input(
      to,
      t.__('Destination collection id'),
      spec.destination.collection
    );
    this._destPath = this._input(to, t.__('Destination folder'), spec.destination.path);
    node.appendChild(to);

    const opts = el('fieldset', 'jp-GlobusKit-TransferDialog-options', [
      el('legend', '', [t.__('Options')])
    ]);
    this._label = this._input(opts, t.__('Label'), o.label ?? '');
    this._label.maxLength = 128;
    this._sync = el('select', 'jp-mod-styled');
    const syncNames: Record<SyncLevel, string> = {
      off: t.__('Off: always copy'),
      exists: t.__('When the destination file does not exist'),
      size: t.__('When the size differs'),
      mtime: t.__('When the source is newer'),
      checksum: t.__('When the checksum differs')
    };
    for (const level of SYNC_LEVELS) {
      const option = el('option', '', [syncNames[level]]);
      option.value = level;
      option.selected = level === (o.sync_level ?? 'off');
      this._sync.appendChild(option);
    }
    this._sync.setAttribute('aria-label', t.__('Sync level'));
    opts.appendChild(
      el('label', 'jp-GlobusKit-TransferDialog-field', [t.__('Sync level'), this._sync])
    );
    const names: Record<BooleanOption, string> = {
      verify_checksum: t.__('Verify file integrity after transfer'),
      encrypt_data: t.__('Encrypt transfer'),
      preserve_timestamp: t.__('Preserve source file modification times'),
      delete_destination_extra: t.__('Delete files on destination that do not exist on source'),
      skip_source_errors: t.__('Skip files on source with errors'),
      fail_on_quota_errors: t.__('Fail on quota errors'),
      notify_on_succeeded: t.__('Email me when the transfer succeeds'),
      notify_on_failed: t.__('Email me when the transfer fails'),
      notify_on_inactive: t.__('Email me when the transfer is inactive')
    };
    const checks = el('div', 'jp-GlobusKit-TransferDialog-checks');
    opts.appendChild(checks);
    for (const name of Object.keys(names) as BooleanOption[]) {
      const box = el('input');
      box.type = 'checkbox';
      box.checked = !!o[name];
      box.name = name;
      const row = el('label', 'jp-GlobusKit-TransferDialog-check', [box, names[name]]);
      checks.appendChild(row);
      this._boxes.set(name, box);
      if (name === 'delete_destination_extra') {
        const warning = el('div', 'jp-GlobusKit-TransferDialog-warning', [
          t.__('Warning: files in the destination folder that are not in the source are deleted.')
        ]);
        warning.setAttribute('role', 'note');
        const sync = (): void => {
          warning.hidden = !box.checked;
        };
        box.addEventListener('change', sync);
        sync();
        checks.appendChild(warning);
      }
    }
    this._deadline = this._input(
      opts,
      t.__('Deadline (UTC, e.g. 2030-01-31 09:30)'),
      o.deadline ?? ''
    );
    node.appendChild(opts);
  }

  private _input(parent: HTMLElement, label: string, value: string): HTMLInputElement {
    const input = el('input', 'jp-mod-styled');
    input.type = 'text';
    input.value = value;
    input.setAttribute('aria-label', label);
    parent.appendChild(el('label', 'jp-GlobusKit-TransferDialog-field', [label, input]));
    return input;
  }

  private _trans: TranslationBundle;
  private _boxes = new Map<BooleanOption, HTMLInputElement>();
  private _sync!: HTMLSelectElement;
  private _label!: HTMLInputElement;
  private _deadline!: HTMLInputElement;
  private _destCollection!: HTMLInputElement;
  private _destPath!: HTMLInputElement;
}
