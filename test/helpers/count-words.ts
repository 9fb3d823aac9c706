// Child process of the bounded-memory test: counts the words of the corpus file given through
// openCorpus + sentences + Vocab.build (the trainers' path) and prints {words, rssMb} with the peak
// resident memory.
import { openCorpus } from "../../src/text/corpus.js";
import { sentences } from "../../src/text/sentences.js";
import { Tokenizer } from "../../src/text/tokenizer.js";
import { Vocab } from "../../src/vocab/vocab.js";

const corpus = await openCorpus([process.argv[2]]);
const vocab = await Vocab.build(sentences(corpus, new Tokenizer({ mode: "whitespace" })));
console.log(JSON.stringify({ words: vocab.totalCount, rssMb: process.resourceUsage().maxRSS / 1024 }));
