import type { LmVocab } from "../model.js";

/** A word list with ids in insertion order, grown while reading a corpus or an ARPA file. */
export class WordList implements LmVocab {
  readonly words: string[] = [];
  private readonly index = new Map<string, number>();

  constructor(words: readonly string[] = []) {
    for (const w of words) this.add(w);
  }

  get size(): number {
    return this.words.length;
  }

  id(word: string): number {
    return this.index.get(word) ?? -1;
  }

  /** The id of `word`, adding it when new. */
  add(word: string): number {
    const known = this.index.get(word);
    if (known !== undefined) return known;
    const id = this.words.length;
    this.words.push(word);
    this.index.set(word, id);
    return id;
  }
}
