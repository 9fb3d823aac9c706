// embedlm/text: corpus readers, the word tokenizer, sentences, stopwords and phrases.
export { type BundledText, bundledCorpusFiles, sotuYears } from "./bundled.js";
export { type Corpus, type CorpusOptions, openCorpus, textCorpus } from "./corpus.js";
export { Phrases, type PhrasesOptions } from "./phrases.js";
export { type SentenceOptions, sentences, splitSentences } from "./sentences.js";
export { stopwordLanguages, stopwordSet } from "./stopwords.js";
export { Tokenizer, type TokenizerOptions } from "./tokenizer.js";
export { fnv1a, WordScanner, type WordSink } from "./word-scanner.js";
