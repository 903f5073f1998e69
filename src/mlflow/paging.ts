import type { Page } from './entities';
import { MlflowError } from './errors';

/**
 * Every item of a paged listing, fetched a page at a time as the caller iterates: MLflow pages with
 * `next_page_token`, absent or empty on the last page. Stopping the iteration stops the fetching.
 */
export async function* allItems<T>(fetchPage: (pageToken: string | undefined) => Promise<Page<T>>): AsyncGenerator<T, void, undefined> {
  let token: string | undefined;
  // A server that hands out a token it gave before would be paged forever.
  const seen = new Set<string>();
  let count = 0;
  do {
    const page = await fetchPage(token);
    yield* page.items;
    count += page.items.length;
    token = page.nextPageToken || undefined;
    if (token !== undefined) {
      if (seen.has(token)) {
        throw new MlflowError(
          'malformed',
          `The server gave the same page token twice: the listing stopped after ${count} items instead of asking for the same page again`,
          { method: 'GET', path: 'next_page_token' },
        );
      }
      seen.add(token);
    }
  } while (token);
}

/** Reads a whole listing into an array (for small listings and tests). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
