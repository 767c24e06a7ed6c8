/**
 * The papaparse internals the CSV chunk driver uses: its per-chunk parser (`ParserHandle`,
 * which its stream readers drive but its typings do not declare, checked against
 * papaparse 5.x) and its line-end guess, so the driver's papaparse chunks match what
 * papaparse's own stream reader would produce.
 */
import Papa from 'papaparse';

/** papaparse's per-chunk parser, which its stream readers drive (not in its typings). */
export interface IPapaHandle {
  parse(input: string, baseIndex: number, ignoreLastRow: boolean): Papa.ParseResult<string[]>;
  guessLineEndings(input: string, quoteChar: string): '\n' | '\r' | '\r\n';
}

interface IPapaInternals {
  ParserHandle: new (config: Papa.ParseConfig) => IPapaHandle;
}

/** The line end papaparse would pick for a body whose first chunk is `text`. */
export function papaLineEnding(text: string): '\n' | '\r' | '\r\n' {
  return papaChunkParser({}).guessLineEndings(text, '"');
}

/**
 * papaparse's per-chunk parser with `config`: the same one its stream reader drives, so a
 * chunk parsed here gives the rows and errors papaparse's own stream would.
 *
 * @param config - delimiter, newline and the rest, as for `Papa.parse`
 */
export function papaChunkParser(config: Papa.ParseConfig): IPapaHandle {
  return new (Papa as unknown as IPapaInternals).ParserHandle(config);
}
