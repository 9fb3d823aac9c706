#!/usr/bin/env python3
"""gensim's answers for embedlm's differential tests: reads one JSON request on stdin, prints JSON.

Requests: {"op": "dump", "file", "binary"} -> words + float32 bytes (base64) as gensim loads them;
{"op": "write", "words", "dim", "values" (base64 float32), "text", "binary"} -> gensim writes both;
{"op": "queries", "file", "queries": [...]} -> gensim's results per query;
{"op": "eval", "file", "pairs": [...], "analogies": [...]} -> evaluate_word_pairs / evaluate_word_analogies.
"""
import base64
import json
import logging
import sys

import numpy as np
from gensim.models import KeyedVectors

logging.disable(logging.CRITICAL)


def load(req):
    return KeyedVectors.load_word2vec_format(req["file"], binary=req.get("binary", False))


def vec(x):
    return np.array(x, dtype=np.float32)


def term(t):
    if isinstance(t, dict):
        return (vec(t["vector"]) if "vector" in t else t["word"], t["weight"])
    return t


def run_query(kv, q):
    kind = q["kind"]
    if kind == "most_similar":
        return kv.most_similar(
            positive=[term(t) for t in q.get("positive", [])],
            negative=[term(t) for t in q.get("negative", [])],
            topn=q.get("topn", 10),
            restrict_vocab=q.get("restrict_vocab"),
        )
    if kind == "similar_by_vector":
        return kv.similar_by_vector(vec(q["vector"]), topn=q.get("topn", 10))
    if kind == "cosmul":
        return kv.most_similar_cosmul(positive=q.get("positive", []), negative=q.get("negative", []), topn=q.get("topn", 10))
    if kind == "doesnt_match":
        return kv.doesnt_match(q["words"])
    if kind == "similarity":
        return float(kv.similarity(q["w1"], q["w2"]))
    if kind == "n_similarity":
        return float(kv.n_similarity(q["ws1"], q["ws2"]))
    if kind == "distances":
        return [float(x) for x in kv.distances(q["word"], q.get("others", []))]
    if kind == "rank":
        return kv.rank(q["w1"], q["w2"])
    raise ValueError(kind)


def main():
    req = json.load(sys.stdin)
    op = req["op"]
    if op == "dump":
        kv = load(req)
        out = {"words": list(kv.index_to_key), "values": base64.b64encode(kv.vectors.astype("<f4").tobytes()).decode()}
    elif op == "write":
        kv = KeyedVectors(req["dim"])
        values = np.frombuffer(base64.b64decode(req["values"]), dtype="<f4").reshape(len(req["words"]), req["dim"])
        kv.add_vectors(req["words"], values)
        kv.save_word2vec_format(req["text"], binary=False)
        kv.save_word2vec_format(req["binary"], binary=True)
        out = {}
    elif op == "queries":
        kv = load(req)
        out = {"results": [run_query(kv, q) for q in req["queries"]]}
    elif op == "eval":
        kv = load(req)
        pairs = []
        for p in req.get("pairs", []):
            pearson, spearman, oov = kv.evaluate_word_pairs(
                p["file"], restrict_vocab=p.get("restrict_vocab", 300000), case_insensitive=p.get("case_insensitive", True),
                dummy4unknown=p.get("dummy4unknown", False))
            pairs.append({"pearson": float(pearson[0]), "spearman": float(spearman[0]), "oov_ratio": float(oov)})
        analogies = []
        for a in req.get("analogies", []):
            score, sections = kv.evaluate_word_analogies(
                a["file"], restrict_vocab=a.get("restrict_vocab", 300000), case_insensitive=a.get("case_insensitive", True),
                dummy4unknown=a.get("dummy4unknown", False))
            analogies.append({"score": float(score), "sections": [
                {"section": s["section"], "correct": [list(x) for x in s["correct"]], "incorrect": [list(x) for x in s["incorrect"]]}
                for s in sections]})
        out = {"pairs": pairs, "analogies": analogies}
    else:
        raise ValueError(op)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
