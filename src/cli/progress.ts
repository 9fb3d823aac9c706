import { SingleBar } from "cli-progress";

/** A progress display: `update` with the amount done so far, `stop` once at the end. */
export interface ProgressBar {
  update(done: number, info?: string): void;
  stop(): void;
}

const silent: ProgressBar = { update: () => {}, stop: () => {} };

/** A bar on stderr (bytes or items done / total, rate, ETA); silent when `quiet` (not a TTY, or --quiet). */
export function createProgressBar(label: string, total: number, unit = "", quiet = false): ProgressBar {
  if (quiet) return silent;
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% {value}/{total}${unit ? ` ${unit}` : ""} | {rate}/s | ETA {eta_formatted} {info}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    undefined,
  );
  const start = Date.now();
  bar.start(Math.max(1, total), 0, { rate: "0", info: "" });
  return {
    update(done, info = "") {
      const secs = Math.max(1e-3, (Date.now() - start) / 1000);
      bar.update(Math.min(done, total), { rate: formatCount(done / secs), info });
    },
    stop() {
      bar.stop();
    },
  };
}

function formatCount(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(0);
}
