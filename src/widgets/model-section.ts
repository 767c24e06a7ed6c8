import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { ISignal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { alertBox } from './element';

/** A model a section re-renders from whenever it says it changed. */
export interface IChangingModel {
  readonly changed: ISignal<unknown, void>;
}

/**
 * A sidebar section drawn from one model: re-rendered on every `changed`. The section is
 * the connection's receiver, so `Widget.dispose` (which clears a widget's signal data)
 * disconnects it. Subclasses call `this.render()` at the end of their constructor (after their
 * own set-up), and may start a render with {@link resetWithError}.
 */
export abstract class ModelSection<M extends IChangingModel> extends Widget {
  /**
   * @param model - what the section shows
   * @param translator - UI strings
   * @param className - the section's CSS class
   */
  constructor(model: M, translator: ITranslator | undefined, className: string) {
    super();
    this.model = model;
    this.trans = (translator ?? nullTranslator).load('jupyterlab_globus_kit');
    this.addClass(className);
    this.model.changed.connect(this.render, this);
  }

  /** Draw the section from the model. */
  protected abstract render(): void;

  /**
   * Empty the section, then show `message` as an alert when there is one.
   *
   * @param message - the error text (already translated), or null
   * @returns the section's node, to append the rest to
   */
  protected resetWithError(message: string | null): HTMLElement {
    const root = this.node;
    root.replaceChildren();
    if (message !== null) {
      root.appendChild(alertBox(message));
    }
    return root;
  }

  protected readonly model: M;
  protected readonly trans: TranslationBundle;
}
