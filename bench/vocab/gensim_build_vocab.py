#!/usr/bin/env python3
"""Times gensim's Word2Vec.build_vocab alone on a text8-style corpus (embedlm bench/vocab's peer).

python3 gensim_build_vocab.py CORPUS [MIN_COUNT]
Reads the corpus the way gensim's own peer script does (Text8Corpus: 10,000-token sentences, whitespace
split), builds the vocabulary (min_count, sample 1e-3, negative sampling tables) and prints one JSON line.
"""
import json
import sys
import time

from gensim.models.word2vec import Text8Corpus, Word2Vec

corpus, min_count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
model = Word2Vec(vector_size=100, min_count=min_count, sample=1e-3, negative=5, workers=1)
t0 = time.perf_counter()
model.build_vocab(Text8Corpus(corpus))
secs = time.perf_counter() - t0
words = model.corpus_total_words
print(json.dumps({
    "tool": "gensim",
    "seconds": secs,
    "words": words,
    "words_per_sec": words / secs,
    "vocab_size": len(model.wv),
}))
