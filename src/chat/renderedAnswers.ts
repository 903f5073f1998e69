/**
 * Answers' HTML kept between state posts. The panel posts a whole state on every change, and
 * rendering every answer's Markdown again each time made a long chat quadratic: each post cost the
 * whole conversation. A finished answer's text does not change, so its HTML is rendered once.
 */
export class RenderedAnswers {
  private readonly html = new Map<string, string>();

  constructor(
    private readonly render: (markdown: string) => string,
    /** Enough for every answer of a long chat and its compare column; the oldest go first past it. */
    private readonly limit = 1000,
  ) {}

  htmlOf(markdown: string): string {
    const known = this.html.get(markdown);
    if (known !== undefined) {
      // Most recently used last, so the oldest is the first key.
      this.html.delete(markdown);
      this.html.set(markdown, known);
      return known;
    }
    const rendered = this.render(markdown);
    this.html.set(markdown, rendered);
    if (this.html.size > this.limit) this.html.delete(this.html.keys().next().value!);
    return rendered;
  }
}
