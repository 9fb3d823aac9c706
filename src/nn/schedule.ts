/**
 * Learning-rate schedules: `lr(step)` gives the rate for step `step` (0-based, counted in optimizer
 * steps or epochs, as the caller chooses). Names and semantics as torch.optim.lr_scheduler / Keras.
 */
export interface Schedule {
  lr(step: number): number;
}

/** lr * gamma^floor(step / stepSize) (StepLR). */
export const stepDecay = (lr: number, stepSize: number, gamma = 0.1): Schedule => ({
  lr: (s) => lr * gamma ** Math.floor(s / stepSize),
});

/** lr * gamma^step (ExponentialLR). */
export const exponentialDecay = (lr: number, gamma: number): Schedule => ({ lr: (s) => lr * gamma ** s });

/** Cosine from lr to minLr over totalSteps, then minLr (CosineAnnealingLR without restarts). */
export const cosineDecay = (lr: number, totalSteps: number, minLr = 0): Schedule => ({
  lr: (s) => minLr + ((lr - minLr) * (1 + Math.cos((Math.PI * Math.min(s, totalSteps)) / totalSteps))) / 2,
});

/** Linear ramp from 0 over warmupSteps (step 0 gets lr/warmupSteps), then `after` shifted by warmupSteps. */
export const linearWarmup = (warmupSteps: number, after: Schedule): Schedule => ({
  lr: (s) => (s < warmupSteps ? (after.lr(0) * (s + 1)) / warmupSteps : after.lr(s - warmupSteps)),
});

export interface ReduceOnPlateauOptions {
  /** Multiplies the rate on a plateau (default 0.1). */
  factor?: number;
  /** Evaluations without improvement before reducing (default 10). */
  patience?: number;
  /** Relative improvement that counts (default 1e-4, PyTorch's "rel" mode). */
  threshold?: number;
  /** Evaluations to wait after a reduction (default 0). */
  cooldown?: number;
  minLr?: number;
  /** "min" (a loss, default) or "max" (an accuracy). */
  mode?: "min" | "max";
}

/** ReduceLROnPlateau: call `update(metric)` after each evaluation; `lr` is the current rate. */
export class ReduceOnPlateau {
  lr: number;
  private best: number;
  private bad = 0;
  private cool = 0;
  private readonly o: Required<ReduceOnPlateauOptions>;

  constructor(lr: number, opts: ReduceOnPlateauOptions = {}) {
    this.lr = lr;
    this.o = {
      factor: opts.factor ?? 0.1,
      patience: opts.patience ?? 10,
      threshold: opts.threshold ?? 1e-4,
      cooldown: opts.cooldown ?? 0,
      minLr: opts.minLr ?? 0,
      mode: opts.mode ?? "min",
    };
    this.best = this.o.mode === "min" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  /** Records a metric; returns the (possibly reduced) rate. */
  update(metric: number): number {
    const { mode, threshold } = this.o;
    const better =
      mode === "min" ? metric < this.best * (1 - threshold) : metric > this.best * (1 + threshold);
    if (better) {
      this.best = metric;
      this.bad = 0;
    } else this.bad++;
    if (this.cool > 0) {
      this.cool--;
      this.bad = 0;
    }
    if (this.bad > this.o.patience) {
      this.lr = Math.max(this.lr * this.o.factor, this.o.minLr);
      this.cool = this.o.cooldown;
      this.bad = 0;
    }
    return this.lr;
  }
}
