import assert from "node:assert/strict";
import { test } from "node:test";
import { splitSentences } from "../../src/text/sentences.js";
import { Tokenizer } from "../../src/text/tokenizer.js";

const tok = (text: string, opts = {}) => new Tokenizer(opts).tokenize(text);

test("Latin with accents, Cyrillic, Greek, Arabic", () => {
  assert.deepEqual(tok("Hello, world! Café naïve résumé."), ["Hello", "world", "Café", "naïve", "résumé"]);
  assert.deepEqual(tok("Привет, мир! Как дела?"), ["Привет", "мир", "Как", "дела"]);
  assert.deepEqual(tok("Γειά σου, κόσμε."), ["Γειά", "σου", "κόσμε"]);
  assert.deepEqual(tok("مرحبا بالعالم، كيف حالك؟"), ["مرحبا", "بالعالم", "كيف", "حالك"]);
  assert.deepEqual(tok("Café Ἀθῆναι Ёлка", { stripAccents: true, lowercase: true }), [
    "cafe",
    "αθηναι",
    "елка",
  ]);
  // Devanagari vowel signs are marks too, but not accents: they stay.
  assert.deepEqual(tok("हिन्दी भाषा", { stripAccents: true }), ["हिन्दी", "भाषा"]);
  assert.deepEqual(tok("don't state-of-the-art l'homme"), ["don't", "state-of-the-art", "l'homme"]);
});

test("Chinese and Japanese come out as words", () => {
  const zh = tok("嵌入技术在语言模型中的作用");
  assert.ok(zh.length >= 5 && zh.length <= 9, `${zh.join("|")}`);
  assert.equal(zh.join(""), "嵌入技术在语言模型中的作用");
  for (const w of ["嵌入", "技术", "语言", "模型", "作用"])
    assert.ok(zh.includes(w), `${w} in ${zh.join("|")}`);
  const ja = tok("東京に住んでいます。");
  assert.ok(ja.includes("東京"), ja.join("|"));
  assert.ok(ja.length >= 3 && !ja.includes("。"));
  assert.deepEqual(tok("GPT模型很强"), ["GPT", "模型", "很", "强"]);
});

test("emoji, URLs, e-mail addresses", () => {
  assert.deepEqual(tok("I ❤️ 👨‍👩‍👧 🇫🇷 ok 👍🏽!"), ["I", "❤️", "👨‍👩‍👧", "🇫🇷", "ok", "👍🏽"]);
  assert.deepEqual(tok("see https://example.com/a?b=1. or www.foo.org, mail a.b@x-y.co.uk!"), [
    "see",
    "https://example.com/a?b=1",
    "or",
    "www.foo.org",
    "mail",
    "a.b@x-y.co.uk",
  ]);
  assert.deepEqual(tok("go https://example.com/x now", { urls: false }), [
    "go",
    "https",
    "example",
    "com",
    "x",
    "now",
  ]);
  assert.deepEqual(tok("mail a.b@x.org", { emails: false }), ["mail", "a", "b", "x", "org"]);
});

test("numbers kept, mapped to a token, spelled out", () => {
  assert.deepEqual(tok("In 1984, 3.14 and 1,000 and 3rd covid19"), [
    "In",
    "1984",
    "3.14",
    "and",
    "1,000",
    "and",
    "3rd",
    "covid19",
  ]);
  assert.deepEqual(tok("pay 42 or 3.5 now", { numbers: "token" }), ["pay", "<num>", "or", "<num>", "now"]);
  assert.deepEqual(tok("in 1984 ٣٤", { numbers: "spell" }), [
    "in",
    "one",
    "nine",
    "eight",
    "four",
    "three",
    "four",
  ]);
  // NFKC folds full-width digits and ligatures before matching.
  assert.deepEqual(tok("１２ ﬁne"), ["12", "fine"]);
  assert.deepEqual(tok("１２ ﬁne", { normalize: "none" }), ["１２", "ﬁne"]);
  // Digits written against Chinese characters are numbers too, once segmented.
  assert.deepEqual(tok("2020年3月", { numbers: "token" }), ["<num>", "年", "<num>", "月"]);
  assert.deepEqual(tok("2020年", { numbers: "spell" }), ["two", "zero", "two", "zero", "年"]);
  assert.deepEqual(tok("2020年3月"), ["2020", "年", "3", "月"]);
  // Unicode's mathematical digits are five sets of ten back to back (bold 0 at U+1D7CE, double-struck
  // 0 at U+1D7D8, ..., monospace 9 at U+1D7FF): each is read within its own set.
  const math = (set: number, d: number) => String.fromCodePoint(0x1d7ce + 10 * set + d);
  assert.deepEqual(tok(`${math(0, 7)}${math(1, 0)}${math(4, 9)}`, { numbers: "spell", normalize: "none" }), [
    "seven",
    "zero",
    "nine",
  ]);
});

test("punctuation, lengths, stopwords, whitespace mode", () => {
  assert.deepEqual(tok("Wait... what?!", { punctuation: "keep" }), ["Wait", ".", ".", ".", "what", "?", "!"]);
  assert.deepEqual(tok("a an the elephant", { minLength: 2, maxLength: 3 }), ["an", "the"]);
  assert.deepEqual(tok("The cat and THE dog", { stopwords: "en" }), ["cat", "dog"]);
  assert.deepEqual(tok("Le chat et le chien", { stopwords: "fr", lowercase: true }), ["chat", "chien"]);
  assert.deepEqual(tok("a cat b dog", { stopwords: ["cat", "B"] }), ["a", "dog"]);
  assert.throws(() => tok("x", { stopwords: "xx" }), /unknown stopword language 'xx'/);
  assert.deepEqual(tok("  Hello, world!\tfoo\u00a0bar  ", { mode: "whitespace" }), [
    "Hello,",
    "world!",
    "foo",
    "bar",
  ]);
  assert.deepEqual(tok("The Cat the", { mode: "whitespace", lowercase: true, stopwords: "en" }), ["cat"]);
  assert.deepEqual(tok("  only  spaces here ", { mode: "whitespace" }), ["only", "spaces", "here"]);
  assert.deepEqual(tok("a\u3000b\u2028c\ufeffd", { mode: "whitespace" }), ["a", "b", "c", "d"]);
  // Options the whitespace mode does not apply are refused, not silently ignored.
  for (const [field, value] of [
    ["minLength", 2],
    ["maxLength", 3],
    ["numbers", "spell"],
    ["punctuation", "keep"],
    ["stripAccents", true],
    ["normalize", "none"],
    ["urls", false],
    ["emails", false],
  ] as const) {
    assert.throws(
      () => new Tokenizer({ mode: "whitespace", [field]: value }),
      new RegExp(`^EmbedlmError: ${field}: does not apply to the whitespace mode`),
      field,
    );
    assert.doesNotThrow(() => new Tokenizer({ [field]: value }), field);
  }
  assert.deepEqual(tok(""), []);
  assert.throws(
    () => new Tokenizer({ numbers: "drop" as "keep" }),
    /numbers: expected one of keep, token, spell/,
  );
});

test("sentence splitting", () => {
  assert.deepEqual(splitSentences("Mr. Smith went home. Did he? Yes!"), [
    "Mr. Smith went home.",
    "Did he?",
    "Yes!",
  ]);
  assert.deepEqual(splitSentences("你好。今天天气很好！", "zh"), ["你好。", "今天天气很好！"]);
});
