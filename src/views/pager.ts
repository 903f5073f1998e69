import type { Page } from '../mlflow/entities';

/**
 * A listing loaded a page at a time, as the user asks for more: the explorer never fetches a whole
 * listing of thousands of runs or experiments at once.
 */
export class Pager<T> {
  private loaded: T[] = [];
  private token: string | undefined;
  private started = false;

  /** `firstPage`: one already fetched (a filter checked by fetching it), shown without asking again. */
  constructor(
    private readonly fetchPage: (pageToken: string | undefined, signal?: AbortSignal) => Promise<Page<T>>,
    firstPage?: Page<T>,
  ) {
    if (firstPage) this.take(firstPage);
  }

  /** The items loaded so far (the first page on the first call), and whether there are more. */
  async items(signal?: AbortSignal): Promise<{ items: readonly T[]; more: boolean }> {
    if (!this.started) await this.loadMore(signal);
    return { items: this.loaded, more: this.token !== undefined };
  }

  async loadMore(signal?: AbortSignal): Promise<void> {
    if (this.started && this.token === undefined) return;
    this.take(await this.fetchPage(this.token, signal));
  }

  private take(page: Page<T>): void {
    this.loaded = this.started ? [...this.loaded, ...page.items] : [...page.items];
    this.token = page.nextPageToken || undefined;
    this.started = true;
  }

  reset(): void {
    this.loaded = [];
    this.token = undefined;
    this.started = false;
  }
}
