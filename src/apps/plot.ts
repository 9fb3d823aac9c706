// Line charts as standalone SVG, drawn by Vega-Lite (compiled to Vega and rendered headlessly), for
// the docs the studies write and for the dashboard.
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { EmbedlmError } from "../util/errors.js";

/** One line of a chart. */
export interface LineSeries {
  /** Legend entry; series of the same name share a colour across panels. */
  name: string;
  /** Panel (a column of the chart) this line is drawn in; omit for a single-panel chart. */
  panel?: string;
  /** (x, y) points, in drawing order. */
  points: ReadonlyArray<readonly [number, number]>;
}

export interface LineChartOptions {
  /** Title above the chart. */
  title?: string;
  /** Axis titles. */
  xTitle: string;
  yTitle: string;
  /** Logarithmic y axis (perplexities, losses). Default false. */
  logY?: boolean;
  /** Size of one panel in pixels. Default 420 x 280. */
  width?: number;
  height?: number;
  /** Panels in this order (default: in order of first appearance). */
  panels?: readonly string[];
}

/** The Vega-Lite specification of the chart (exported so the dashboard can render it live). */
export function lineChartSpec(series: readonly LineSeries[], opts: LineChartOptions): TopLevelSpec {
  const values: { series: string; panel: string; x: number; y: number; order: number }[] = [];
  for (const s of series) {
    s.points.forEach(([x, y], order) => {
      if (!Number.isFinite(x) || !Number.isFinite(y) || (opts.logY && y <= 0)) {
        throw new EmbedlmError(`series '${s.name}': point ${order + 1} (${x}, ${y}) cannot be drawn`, {
          field: "points",
        });
      }
      values.push({ series: s.name, panel: s.panel ?? "", x, y, order });
    });
  }
  const panels = opts.panels ?? [...new Set(series.map((s) => s.panel ?? ""))];
  const names = [...new Set(series.map((s) => s.name))];
  const layer = {
    mark: { type: "line" as const, point: true, strokeWidth: 2 },
    encoding: {
      x: {
        field: "x",
        type: "quantitative" as const,
        title: opts.xTitle,
        axis: { tickMinStep: 1 },
        scale: { zero: false, padding: 12 },
      },
      y: {
        field: "y",
        type: "quantitative" as const,
        title: opts.yTitle,
        scale: opts.logY ? { type: "log" as const, nice: false, padding: 8 } : { zero: false, padding: 8 },
      },
      color: { field: "series", type: "nominal" as const, title: null, sort: names },
      order: { field: "order", type: "quantitative" as const },
    },
  };
  const size = { width: opts.width ?? 420, height: opts.height ?? 280 };
  const common = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    ...(opts.title ? { title: opts.title } : {}),
    data: { values },
    config: { font: "sans-serif", legend: { orient: "bottom" as const, columns: 3, labelLimit: 0 } },
  };
  if (panels.length === 1 && panels[0] === "") return { ...common, ...size, ...layer };
  return {
    ...common,
    facet: { column: { field: "panel", type: "nominal" as const, title: null, sort: [...panels] } },
    spec: { ...size, ...layer },
    resolve: { scale: { y: "independent" } },
  };
}

/** Renders the chart to a standalone SVG document (no browser or canvas needed). */
export async function lineChartSvg(series: readonly LineSeries[], opts: LineChartOptions): Promise<string> {
  if (series.length === 0) throw new EmbedlmError("nothing to plot: no series", { field: "series" });
  const view = new View(parse(compile(lineChartSpec(series, opts)).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
