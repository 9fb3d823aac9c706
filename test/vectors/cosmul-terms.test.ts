import assert from "node:assert/strict";
import { test } from "node:test";
import { EmbedlmError } from "../../src/util/errors.js";
import { KeyedVectors, type MostSimilarOptions } from "../../src/vectors/index.js";
import { randomVectors } from "./fixtures.js";

test("mostSimilarCosmul rejects weighted terms (gensim's most_similar_cosmul takes no weights)", () => {
  const kv = new KeyedVectors(randomVectors(40, 8, 3));
  const cases: [MostSimilarOptions, string][] = [
    [{ positive: [["w10", 2], "w11"] }, "positive"],
    [{ positive: ["w10"], negative: [["w12", 0.5]] }, "negative"],
    [{ positive: [[kv.get("w13"), 1]] }, "positive"],
  ];
  for (const [opts, field] of cases) {
    assert.throws(
      () => kv.mostSimilarCosmul(opts),
      (e: unknown) => {
        assert.ok(e instanceof EmbedlmError, String(e));
        assert.match(e.message, new RegExp(`^${field}: 3CosMul takes no weights`));
        return true;
      },
    );
  }
  // A weight of 1 on a word is the plain word in mostSimilar, and still refused here.
  assert.throws(() => kv.mostSimilarCosmul({ positive: [["w10", 1]] }), /takes no weights/);
  assert.deepEqual(kv.mostSimilar({ positive: [["w10", 1]] }), kv.mostSimilar({ positive: ["w10"] }));
  assert.equal(kv.mostSimilarCosmul({ positive: ["w10", "w11"], negative: ["w12"] }).length, 10);
});
