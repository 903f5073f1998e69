/**
 * Turns a stream of token ids into a stream of text pieces. Each token is decoded together with the
 * few before it and only the new suffix is emitted, so a SentencePiece space or a multi-byte
 * character split over byte-fallback tokens comes out whole: a piece ending in U+FFFD (an incomplete
 * UTF-8 sequence) is held back until the bytes that finish it arrive. Special tokens decode to nothing.
 */
export class StreamingDetokenizer {
  private readonly ids: number[] = [];
  private prefixOffset = 0;
  private readOffset = 0;

  constructor(private readonly decode: (ids: readonly number[]) => string) {}

  /** The text that this token completes; empty while a character is still incomplete. */
  push(id: number): string {
    this.ids.push(id);
    const prefixText = this.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const newText = this.decode(this.ids.slice(this.prefixOffset));
    if (newText.length > prefixText.length && !newText.endsWith('\uFFFD')) {
      this.prefixOffset = this.readOffset;
      this.readOffset = this.ids.length;
      return newText.slice(prefixText.length);
    }
    return '';
  }

  /** Whatever is still held back at the end of generation (an unfinished character shows as U+FFFD). */
  flush(): string {
    const prefixText = this.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const rest = this.decode(this.ids.slice(this.prefixOffset));
    this.prefixOffset = this.readOffset = this.ids.length;
    return rest.length > prefixText.length ? rest.slice(prefixText.length) : '';
  }
}
