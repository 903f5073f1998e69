import type { Page } from './entities';

/**
 * Every item of a paged listing, fetched a page at a time as the caller iterates: MLflow pages with
 * `next_page_token`, absent or empty on the last page. Stopping the iteration stops the fetching.
 */
export async function* allItems<T>(fetchPage: (pageToken: string | undefined) => Promise<Page<T>>): AsyncGenerator<T, void, undefined> {
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    yield* page.items;
    token = page.nextPageToken || undefined;
  } while (token);
}

/** Reads a whole listing into an array (for small listings and tests). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
