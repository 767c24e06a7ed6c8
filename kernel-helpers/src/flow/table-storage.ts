/**
 * How a {@link Table} column is held: its type and its storage (typed arrays, a string
 * array). Apart from `table.ts` so the Arrow export (`table-arrow.ts`) can read it
 * without importing the table.
 */

/** The type of a column. `integer` is a `number` column whose values are all whole. */
export type ColumnType = 'number' | 'integer' | 'date' | 'boolean' | 'string';

/** Marker for a null cell in a boolean column (0 = false, 1 = true). */
export const BOOLEAN_NULL = 2;

/**
 * The storage of one column. Numeric and date columns use `NaN` for null; boolean columns
 * use {@link BOOLEAN_NULL}.
 */
export type ColumnStorage =
  | { readonly type: 'number' | 'integer' | 'date'; readonly values: Float64Array }
  | { readonly type: 'boolean'; readonly values: Uint8Array }
  | { readonly type: 'string'; readonly values: ReadonlyArray<string | null> };
