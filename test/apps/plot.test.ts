import assert from "node:assert/strict";
import { test } from "node:test";
import { lineChartSvg } from "../../src/apps/plot.js";
import { EmbedlmError } from "../../src/util/errors.js";

/** The drawn points: Vega labels each with its data, and places it by a translate(x, y). */
function points(svg: string): { x: number; y: number; series: string; px: number; py: number }[] {
  const re =
    /aria-label="epoch: ([\d.]+); ppl: ([\d.]+); series: ([^;"]+)[^"]*" role="graphics-symbol" aria-roledescription="point" transform="translate\(([-\d.]+),([-\d.]+)\)"/g;
  return [...svg.matchAll(re)].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2]),
    series: m[3],
    px: Number(m[4]),
    py: Number(m[5]),
  }));
}

test("lineChartSvg draws every point of every series, in panels, on a log axis", async () => {
  const svg = await lineChartSvg(
    [
      {
        name: "random",
        panel: "10%",
        points: [
          [1, 400],
          [2, 300],
          [3, 250],
        ],
      },
      {
        name: "word2vec",
        panel: "10%",
        points: [
          [1, 320],
          [2, 240],
        ],
      },
      { name: "random", panel: "100%", points: [[1, 200]] },
    ],
    { xTitle: "epoch", yTitle: "ppl", logY: true, title: "validation" },
  );
  assert.ok(svg.startsWith("<svg") && svg.trimEnd().endsWith("</svg>"));
  for (const text of ["validation", "10%", "100%", "random", "word2vec", "epoch"]) {
    assert.ok(svg.includes(`>${text}<`), `the SVG shows '${text}'`);
  }
  // One line per series and panel.
  assert.equal(svg.match(/aria-roledescription="line mark"/g)?.length, 3);
  const drawn = points(svg);
  assert.deepEqual(
    drawn.map((p) => `${p.series} ${p.x} ${p.y}`).sort(),
    [
      "random 1 200",
      "random 1 400",
      "random 2 300",
      "random 3 250",
      "word2vec 1 320",
      "word2vec 2 240",
    ].sort(),
  );
  // Within the first panel, heights are linear in log(y) and widths linear in x.
  const first = drawn.filter((p) => p.y !== 200);
  const a = first.find((p) => p.y === 400)!;
  const b = first.find((p) => p.y === 250)!;
  const slope = (b.py - a.py) / Math.log(250 / 400);
  for (const p of first) {
    assert.ok(Math.abs(a.py + slope * Math.log(p.y / 400) - p.py) < 0.01, `log scale at ${p.y}`);
    assert.ok(Math.abs(a.px + ((b.px - a.px) / 2) * (p.x - 1) - p.px) < 0.01, `linear x at ${p.x}`);
  }
});

test("lineChartSvg rejects points a log axis cannot show, and empty charts", async () => {
  await assert.rejects(
    lineChartSvg([{ name: "s", points: [[1, 0]] }], { xTitle: "x", yTitle: "y", logY: true }),
    EmbedlmError,
  );
  await assert.rejects(lineChartSvg([], { xTitle: "x", yTitle: "y" }), EmbedlmError);
});
