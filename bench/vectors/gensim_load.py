#!/usr/bin/env python3
"""gensim's side of bench/vectors: load a word2vec text file, then time most_similar queries.
Prints one JSON line: load_seconds, query_median_ms (over the queries after one warm-up)."""
import json
import statistics
import sys
import time

from gensim.models import KeyedVectors

path, queries = sys.argv[1], int(sys.argv[2])
t = time.perf_counter()
kv = KeyedVectors.load_word2vec_format(path, binary=False)
load = time.perf_counter() - t
words = [kv.index_to_key[(i * 7919) % len(kv.index_to_key)] for i in range(queries + 1)]
kv.most_similar(positive=[words[0]])  # warm-up: computes the norms once
times = []
for w in words[1:]:
    t = time.perf_counter()
    kv.most_similar(positive=[w], topn=10)
    times.append((time.perf_counter() - t) * 1000)
print(json.dumps({"load_seconds": load, "query_median_ms": statistics.median(times), "count": len(kv.index_to_key)}))
