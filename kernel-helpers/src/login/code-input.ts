/**
 * What a user pastes to finish a login: the code an authorize page showed, or the whole
 * address the browser ended on (its `code` and `state` are taken from it). Either way the
 * code must look like one, so a wrong paste is refused before a waiting login is used up.
 */

/** A pasted code, with the state and address it came with. */
export interface ICodeInput {
  code: string;
  state?: string;
  /** The pasted address, when an address was pasted. */
  url?: URL;
}

/**
 * Read a pasted code or code-page address.
 *
 * @param input - what was pasted
 * @param codePattern - what a code of this provider looks like (the whole string)
 * @param refuse - the error for anything else
 * @throws what `refuse` returns
 */
export function parseCodeInput(
  input: string,
  codePattern: RegExp,
  refuse: () => Error
): ICodeInput {
  const text = String(input ?? '').trim();
  let parsed: ICodeInput = { code: text };
  if (/^https?:\/\//i.test(text)) {
    try {
      const url = new URL(text);
      const code = url.searchParams.get('code');
      if (code) {
        const state = url.searchParams.get('state');
        parsed = state === null ? { code, url } : { code, state, url };
      }
    } catch {
      // not a URL after all: judged as a bare code
    }
  }
  if (!codePattern.test(parsed.code)) {
    throw refuse();
  }
  return parsed;
}
