/**
 * The Share dialog's body (issue #16, Sharing): the folder's access rules in a table (who,
 * type, access, Revoke with an inline confirmation), and a form that adds one for an
 * identity (looked up as you type: a combobox over a listbox of matches), a group (the
 * caller's groups), all authenticated users or anyone, read or read-write, with an
 * optional invitation. Every name is a text node.
 */
import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { IAccessRule, IIdentity, PrincipalType } from '../documents';
import { IShareError, principalLabel, ShareModel } from '../model/share-model';
import { alertBox, el, externalLink } from './element';

/** Options of {@link ShareDialogBody}. */
export interface IShareDialogBodyOptions {
  model: ShareModel;
  translator?: ITranslator;
}

let nextId = 0;

/** The Share dialog's body. */
export class ShareDialogBody extends Widget {
  /**
   * @param options - the model and the translator.
   */
  constructor(options: IShareDialogBodyOptions) {
    super();
    this.addClass('jp-GlobusKit-Share');
    this.model = options.model;
    this._trans = (options.translator ?? nullTranslator).load('jupyterlab_globus_kit');
    this._uid = `jp-GlobusKit-Share-${++nextId}`;
    this._build();
    this.model.changed.connect(this._render, this);
    this._render();
  }

  /** The dialog's state. */
  readonly model: ShareModel;

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.changed.disconnect(this._render, this);
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    // JupyterLab's dialog takes Enter (accept) and Escape (close) in the capture phase on
    // its node; the body's own controls need them first, so listen above it.
    document.body.addEventListener('keydown', this._onKey, true);
  }

  protected onBeforeDetach(msg: Message): void {
    document.body.removeEventListener('keydown', this._onKey, true);
    super.onBeforeDetach(msg);
  }

  // ---------------------------------------------------------------- building

  private _build(): void {
    const t = this._trans;
    const m = this.model;
    const node = this.node;
    node.appendChild(
      el('p', 'jp-GlobusKit-Share-target', [
        t.__('Folder'),
        ' ',
        el('code', 'jp-GlobusKit-Share-path', [m.path]),
        ' ',
        t.__('on'),
        ' ',
        el('strong', 'jp-GlobusKit-Share-collection', [m.collection.display_name])
      ])
    );
    this._status.setAttribute('role', 'status');
    this._status.setAttribute('aria-live', 'polite');
    this._status.tabIndex = -1;
    node.appendChild(this._status);
    node.appendChild(this._errorHost);

    const heading = el('h3', 'jp-GlobusKit-Share-heading', [t.__('Who has access')]);
    heading.id = `${this._uid}-rules`;
    node.appendChild(heading);
    this._table.setAttribute('aria-labelledby', heading.id);
    const head = el('thead', '', [
      el('tr', '', [
        this._th(t.__('Who')),
        this._th(t.__('Type')),
        this._th(t.__('Access')),
        this._th(t.__('Actions'))
      ])
    ]);
    this._table.append(head, this._tbody);
    node.appendChild(el('div', 'jp-GlobusKit-Share-rulesBox', [this._table]));
    node.appendChild(this._notes);

    // ---- the add form
    const form = el('fieldset', 'jp-GlobusKit-Share-add');
    form.appendChild(el('legend', '', [t.__('Add access')]));
    const kinds = el('div', 'jp-GlobusKit-Share-kinds');
    kinds.setAttribute('role', 'radiogroup');
    kinds.setAttribute('aria-label', t.__('Share with'));
    const labels: Array<[PrincipalType, string]> = [
      ['identity', t.__('A person')],
      ['group', t.__('A group')],
      ['all_authenticated_users', t.__('All authenticated users')],
      ['anonymous', t.__('Anyone (public)')]
    ];
    for (const [value, text] of labels) {
      const radio = el('input');
      radio.type = 'radio';
      radio.name = `${this._uid}-kind`;
      radio.value = value;
      radio.checked = value === 'identity';
      radio.addEventListener('change', () => this._kindChanged());
      this._kinds.set(value, radio);
      kinds.appendChild(el('label', 'jp-GlobusKit-Share-kind', [radio, ` ${text}`]));
    }
    if (this.model.collection.high_assurance) {
      const anyone = this._kinds.get('anonymous');
      if (anyone) {
        anyone.disabled = true;
        anyone.parentElement?.setAttribute(
          'title',
          t.__('High-assurance collections cannot be shared publicly.')
        );
      }
    }
    form.appendChild(kinds);

    // identity: a combobox over a listbox of matches
    const idLabel = el('label', 'jp-GlobusKit-Share-field', [t.__('Username or email')]);
    this._who.type = 'text';
    this._who.id = `${this._uid}-who`;
    idLabel.htmlFor = this._who.id;
    this._who.autocomplete = 'off';
    this._who.spellcheck = false;
    this._who.placeholder = t.__('e.g. jane@globusid.org');
    this._who.setAttribute('role', 'combobox');
    this._who.setAttribute('aria-autocomplete', 'list');
    this._who.setAttribute('aria-expanded', 'false');
    this._list.id = `${this._uid}-matches`;
    this._list.setAttribute('role', 'listbox');
    this._list.setAttribute('aria-label', t.__('Matching identities'));
    this._who.setAttribute('aria-controls', this._list.id);
    this._who.addEventListener('input', () => {
      this._picked = null;
      this._active = 0;
      void this.model.lookup(this._who.value);
    });
    this._who.addEventListener('keydown', e => this._onComboKey(e));
    this._identityBox.append(idLabel, this._who, this._lookupHint, this._list, this._pickedLine);
    this._lookupHint.setAttribute('aria-live', 'polite');
    form.appendChild(this._identityBox);

    // group: the caller's groups
    const groupLabel = el('label', 'jp-GlobusKit-Share-field', [t.__('Group')]);
    this._group.id = `${this._uid}-group`;
    groupLabel.htmlFor = this._group.id;
    this._group.addEventListener('change', () => this._updateAddState());
    this._groupBox.append(groupLabel, this._group, this._groupNote);
    form.appendChild(this._groupBox);

    // permissions, invitation
    const permLabel = el('label', 'jp-GlobusKit-Share-field', [t.__('Access')]);
    this._perm.id = `${this._uid}-perm`;
    permLabel.htmlFor = this._perm.id;
    for (const [value, text] of [
      ['r', t.__('Read')],
      ['rw', t.__('Read and write')]
    ]) {
      const option = el('option', '', [text]);
      option.value = value;
      this._perm.appendChild(option);
    }
    form.append(el('div', 'jp-GlobusKit-Share-row', [permLabel, this._perm]));

    const mailLabel = el('label', 'jp-GlobusKit-Share-field', [
      t.__('Send an invitation to (optional)')
    ]);
    this._email.type = 'email';
    this._email.id = `${this._uid}-email`;
    this._email.placeholder = t.__('email address');
    mailLabel.htmlFor = this._email.id;
    const msgLabel = el('label', 'jp-GlobusKit-Share-field', [t.__('Message (optional)')]);
    this._message.id = `${this._uid}-message`;
    this._message.rows = 2;
    this._message.maxLength = 2000;
    msgLabel.htmlFor = this._message.id;
    form.append(
      el('div', 'jp-GlobusKit-Share-row', [mailLabel, this._email]),
      el('div', 'jp-GlobusKit-Share-row', [msgLabel, this._message])
    );

    this._add.type = 'button';
    this._add.className = 'jp-Button jp-mod-styled jp-mod-accept jp-GlobusKit-Share-addButton';
    this._add.textContent = t.__('Add');
    this._add.addEventListener('click', () => void this._submit());
    form.append(el('div', 'jp-GlobusKit-Share-actions', [this._add, this._formNote]));
    node.appendChild(form);
    this._kindChanged();
  }

  private _th(text: string): HTMLTableCellElement {
    const th = el('th', '', [text]);
    th.scope = 'col';
    return th;
  }

  // ---------------------------------------------------------------- rendering

  private _render(): void {
    const t = this._trans;
    const m = this.model;
    // Names in the status line (a folder with U+202E) get the same isolation as elsewhere.
    this._status.replaceChildren(...(m.status ? [el('span', '', [m.status])] : []));
    this._errorHost.replaceChildren(...(m.error ? [this._errorNode(m.error)] : []));
    this._notes.replaceChildren(
      ...(m.notes.length
        ? [el('span', '', [t.__('Some names could not be shown: %1', m.notes.join('; '))])]
        : [])
    );

    // rules
    const rows: HTMLTableRowElement[] = [];
    if (m.rules === null) {
      rows.push(this._messageRow(t.__('Loading…')));
    } else if (m.rules.length === 0) {
      rows.push(this._messageRow(t.__('No access rules on this folder yet.')));
    }
    for (const rule of m.rules ?? []) {
      rows.push(this._ruleRow(rule));
    }
    const focusedRule = (document.activeElement as HTMLElement | null)?.closest?.('tr')?.dataset
      .rule;
    this._tbody.replaceChildren(...rows);
    if (focusedRule) {
      this._tbody.querySelector<HTMLElement>(`tr[data-rule="${focusedRule}"] button`)?.focus();
    }

    // groups
    if (m.groups) {
      const current = this._group.value;
      const options = m.groups.map(g => {
        const o = el('option', '', [g.name]);
        o.value = g.id;
        return o;
      });
      this._group.replaceChildren(...options);
      if (current && m.groups.some(g => g.id === current)) {
        this._group.value = current;
      }
      this._groupNote.replaceChildren(
        ...(m.groups.length === 0 ? [t.__('You are not a member of any group.')] : [])
      );
    } else if (m.groupsError) {
      this._group.replaceChildren();
      this._groupNote.replaceChildren(this._errorNode(m.groupsError));
    } else {
      this._groupNote.replaceChildren(t.__('Loading your groups…'));
    }

    // look-up
    this._renderMatches();
    this._add.disabled = m.busy;
    this._updateAddState();
  }

  private _renderMatches(): void {
    const t = this._trans;
    const m = this.model;
    const hint = {
      idle:
        m.query.length > 0 && !this._picked
          ? t.__('Type at least 3 characters: a username, an email address or an id.')
          : '',
      waiting: '',
      searching: t.__('Looking up…'),
      done: m.candidates.length
        ? t._n('%1 match', '%1 matches', m.candidates.length)
        : t.__('No Globus identity has this username.'),
      error: m.lookupError?.message ?? ''
    }[m.lookupState];
    if (this._picked) {
      this._lookupHint.textContent = '';
    } else if (m.lookupState === 'error' && m.lookupError) {
      this._lookupHint.replaceChildren(this._errorNode(m.lookupError));
    } else {
      this._lookupHint.textContent = hint;
    }
    const show = !this._picked && m.lookupState === 'done' && m.candidates.length > 0;
    this._active = Math.min(this._active, Math.max(0, m.candidates.length - 1));
    this._list.replaceChildren(...(show ? m.candidates.map((c, i) => this._optionNode(c, i)) : []));
    this._list.hidden = !show;
    this._who.setAttribute('aria-expanded', show ? 'true' : 'false');
    if (show) {
      this._who.setAttribute('aria-activedescendant', `${this._uid}-opt-${this._active}`);
    } else {
      this._who.removeAttribute('aria-activedescendant');
    }
    this._pickedLine.replaceChildren(
      ...(this._picked ? [t.__('Selected:'), ' ', el('strong', '', [this._picked.username])] : [])
    );
  }

  private _optionNode(identity: IIdentity, index: number): HTMLElement {
    const extra = [identity.name, identity.organization].filter(Boolean).join(', ');
    const li = el('li', 'jp-GlobusKit-Share-option', [
      el('span', 'jp-GlobusKit-Share-username', [identity.username]),
      ...(extra ? [el('span', 'jp-GlobusKit-Share-detail', [extra])] : [])
    ]);
    li.id = `${this._uid}-opt-${index}`;
    li.setAttribute('role', 'option');
    li.setAttribute('aria-selected', index === this._active ? 'true' : 'false');
    li.addEventListener('mousedown', e => e.preventDefault()); // keep the input's focus
    li.addEventListener('click', () => this._pick(identity));
    return li;
  }

  private _messageRow(text: string): HTMLTableRowElement {
    const td = el('td', 'jp-GlobusKit-Share-empty', [text]);
    td.colSpan = 4;
    return el('tr', '', [td]);
  }

  private _ruleRow(rule: IAccessRule): HTMLTableRowElement {
    const t = this._trans;
    const who = principalLabel(rule);
    const type = {
      identity: t.__('Person'),
      group: t.__('Group'),
      all_authenticated_users: t.__('Everyone signed in'),
      anonymous: t.__('Public')
    }[rule.principal_type];
    const access = rule.permissions === 'rw' ? t.__('Read and write') : t.__('Read');
    const whoCell = el('td', 'jp-GlobusKit-Share-who', [
      el('span', 'jp-GlobusKit-Share-whoText', [who])
    ]);
    if (rule.principalName && rule.principal) {
      whoCell.title = rule.principal;
    }
    const actions = el('td', 'jp-GlobusKit-Share-ruleActions');
    const row = el('tr', 'jp-GlobusKit-Share-rule', [
      whoCell,
      el('td', '', [type ?? rule.principal_type]),
      el('td', '', [access]),
      actions
    ]);
    if (!rule.id) {
      actions.append(
        el('span', 'jp-GlobusKit-Share-implicit', [
          rule.role_type ? t.__('role: %1', rule.role_type) : t.__('implicit')
        ])
      );
      return row;
    }
    row.dataset.rule = rule.id;
    if (this._confirming === rule.id) {
      const yes = this._button(t.__('Revoke access'), 'jp-mod-warn', () => {
        this._confirming = null;
        void this.model.revoke(rule).then(() => this._status.focus());
      });
      yes.setAttribute('aria-label', t.__('Revoke access of %1', who));
      const no = this._button(t.__('Keep'), 'jp-mod-reject', () => {
        this._confirming = null;
        this._render();
        this._tbody.querySelector<HTMLElement>(`tr[data-rule="${rule.id}"] button`)?.focus();
      });
      actions.append(el('span', 'jp-GlobusKit-Share-confirm', [t.__('Revoke?')]), yes, no);
      yes.disabled = this.model.busy;
    } else {
      const revoke = this._button(t.__('Revoke'), 'jp-mod-reject', () => {
        this._confirming = rule.id ?? null;
        this._render();
        this._tbody.querySelector<HTMLElement>(`tr[data-rule="${rule.id}"] .jp-mod-warn`)?.focus();
      });
      revoke.setAttribute('aria-label', t.__('Revoke access of %1', who));
      actions.append(revoke);
    }
    return row;
  }

  private _button(label: string, mod: string, onClick: () => void): HTMLButtonElement {
    const b = el('button', `jp-Button jp-mod-styled ${mod} jp-GlobusKit-Share-button`, [label]);
    b.type = 'button';
    b.addEventListener('click', onClick);
    return b;
  }

  private _errorNode(error: IShareError): HTMLElement {
    const box = alertBox(error.message);
    box.dataset.code = error.code;
    if (error.consentUrl) {
      const link = externalLink(error.consentUrl, this._trans.__('Grant consent'));
      if (link) {
        box.append(' ', link);
      }
    }
    return box;
  }

  // ---------------------------------------------------------------- the form

  private _kind(): PrincipalType {
    for (const [value, radio] of this._kinds) {
      if (radio.checked) {
        return value;
      }
    }
    return 'identity';
  }

  private _kindChanged(): void {
    const kind = this._kind();
    this._identityBox.hidden = kind !== 'identity';
    this._groupBox.hidden = kind !== 'group';
    if (kind === 'group') {
      void this.model.loadGroups();
    }
    const rw = this._perm.querySelector<HTMLOptionElement>('option[value="rw"]');
    if (rw) {
      rw.disabled = kind === 'anonymous';
      if (kind === 'anonymous') {
        this._perm.value = 'r';
      }
    }
    this._updateAddState();
  }

  private _updateAddState(): void {
    const t = this._trans;
    const kind = this._kind();
    let reason = '';
    if (kind === 'identity' && !this._picked) {
      reason = t.__('Pick a person from the matches first.');
    } else if (kind === 'group' && !this._group.value) {
      reason = t.__('Pick one of your groups first.');
    } else if (kind === 'anonymous') {
      reason = '';
      this._formNote.textContent = t.__('Anyone may only read.');
    }
    if (kind !== 'anonymous') {
      this._formNote.textContent = reason;
    }
    this._add.disabled = this.model.busy || !!reason;
  }

  private _pick(identity: IIdentity): void {
    this._picked = identity;
    this._who.value = identity.username;
    if (identity.email && !this._email.value) {
      this._email.value = identity.email;
    }
    this._renderMatches();
    this._updateAddState();
  }

  private async _submit(): Promise<void> {
    const kind = this._kind();
    let principal = '';
    let who = '';
    if (kind === 'identity') {
      if (!this._picked) {
        return;
      }
      principal = this._picked.id;
      who = this._picked.username;
    } else if (kind === 'group') {
      principal = this._group.value;
      who = this.model.groups?.find(g => g.id === principal)?.name ?? principal;
      if (!principal) {
        return;
      }
    } else {
      who =
        kind === 'anonymous' ? this._trans.__('Anyone') : this._trans.__('All authenticated users');
    }
    const email = this._email.value.trim();
    const message = this._message.value;
    const ok = await this.model.add(
      {
        principalType: kind,
        ...(principal ? { principal } : {}),
        permissions: this._perm.value === 'rw' ? 'rw' : 'r',
        ...(email ? { notifyEmail: email } : {}),
        ...(message.trim() ? { notifyMessage: message } : {})
      },
      who
    );
    if (ok) {
      this._picked = null;
      this._who.value = '';
      this._email.value = '';
      this._message.value = '';
      void this.model.lookup('');
      this._status.focus();
    }
  }

  private _onComboKey(e: KeyboardEvent): void {
    const n = this.model.candidates.length;
    if (this._list.hidden || n === 0) {
      return;
    }
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      this._active = (this._active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
      this._renderMatches();
    }
  }

  /** Enter and Escape inside the body, before the dialog's own handler. */
  private _onKey = (e: KeyboardEvent): void => {
    const target = e.target as HTMLElement | null;
    if (!target || !this.node.contains(target)) {
      return;
    }
    if (e.key === 'Escape' && target === this._who && !this._list.hidden) {
      e.stopPropagation();
      e.preventDefault();
      void this.model.lookup('');
      return;
    }
    if (e.key !== 'Enter') {
      return;
    }
    e.stopPropagation(); // not the dialog's accept
    if (target instanceof HTMLButtonElement || target instanceof HTMLTextAreaElement) {
      return; // the button's click, the textarea's new line
    }
    e.preventDefault();
    if (target === this._who) {
      const candidate = this.model.candidates[this._active];
      if (!this._list.hidden && candidate) {
        this._pick(candidate);
      }
      return;
    }
    if (!this._add.disabled) {
      void this._submit();
    }
  };

  private _trans: TranslationBundle;
  private _uid: string;
  private _status = el('p', 'jp-GlobusKit-Share-status');
  private _errorHost = el('div', 'jp-GlobusKit-Share-errors');
  private _table = el('table', 'jp-GlobusKit-Share-rules');
  private _tbody = el('tbody');
  private _notes = el('p', 'jp-GlobusKit-Share-notes');
  private _kinds = new Map<PrincipalType, HTMLInputElement>();
  private _identityBox = el('div', 'jp-GlobusKit-Share-identity');
  private _who = el('input', 'jp-mod-styled jp-GlobusKit-Share-who-input');
  private _lookupHint = el('div', 'jp-GlobusKit-Share-hint');
  private _list = el('ul', 'jp-GlobusKit-Share-matches');
  private _pickedLine = el('p', 'jp-GlobusKit-Share-picked');
  private _groupBox = el('div', 'jp-GlobusKit-Share-group');
  private _group = el('select', 'jp-mod-styled');
  private _groupNote = el('div', 'jp-GlobusKit-Share-hint');
  private _perm = el('select', 'jp-mod-styled');
  private _email = el('input', 'jp-mod-styled');
  private _message = el('textarea', 'jp-mod-styled');
  private _add = el('button');
  private _formNote = el('span', 'jp-GlobusKit-Share-formNote');
  private _picked: IIdentity | null = null;
  private _active = 0;
  private _confirming: string | null = null;
}
