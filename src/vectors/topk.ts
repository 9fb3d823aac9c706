// Exact nearest-neighbour search in plain TypeScript: the reference the SIMD kernel is held equal to.

/**
 * out[r - from] = dot(vectors[r], q) * scale[r] for rows r in [from, to).
 * vectors: [rows x dim] row-major; q: [dim]; scale: [rows] (e.g. 1 / row norms); out: [to - from].
 */
export function scaledDotRows(
  vectors: Float32Array,
  dim: number,
  q: Float32Array,
  scale: Float32Array,
  from: number,
  to: number,
  out: Float32Array,
): void {
  const d4 = dim - (dim % 4);
  for (let r = from; r < to; r++) {
    const at = r * dim;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let j = 0;
    for (; j < d4; j += 4) {
      s0 += vectors[at + j] * q[j];
      s1 += vectors[at + j + 1] * q[j + 1];
      s2 += vectors[at + j + 2] * q[j + 2];
      s3 += vectors[at + j + 3] * q[j + 3];
    }
    for (; j < dim; j++) s0 += vectors[at + j] * q[j];
    out[r - from] = (s0 + s1 + s2 + s3) * scale[r];
  }
}

/** The k largest (score, index) pairs seen, as a min-heap on score (ties: the lower index wins). */
export class TopK {
  readonly scores: Float64Array;
  readonly indices: Int32Array;
  size = 0;

  constructor(readonly k: number) {
    this.scores = new Float64Array(k);
    this.indices = new Int32Array(k);
  }

  /** Smallest score kept, or -Infinity while the heap is not full (a cheap pre-filter for callers). */
  get threshold(): number {
    return this.size < this.k ? Number.NEGATIVE_INFINITY : this.scores[0];
  }

  push(score: number, index: number): void {
    const k = this.k;
    if (k === 0) return;
    if (this.size < k) {
      let i = this.size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.less(score, index, this.scores[p], this.indices[p])) break;
        this.scores[i] = this.scores[p];
        this.indices[i] = this.indices[p];
        i = p;
      }
      this.scores[i] = score;
      this.indices[i] = index;
      return;
    }
    if (!this.less(this.scores[0], this.indices[0], score, index)) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= k) break;
      const r = l + 1;
      let m = l;
      if (r < k && this.less(this.scores[r], this.indices[r], this.scores[l], this.indices[l])) m = r;
      if (!this.less(this.scores[m], this.indices[m], score, index)) break;
      this.scores[i] = this.scores[m];
      this.indices[i] = this.indices[m];
      i = m;
    }
    this.scores[i] = score;
    this.indices[i] = index;
  }

  /** a ranks below b: lower score, or equal score and higher index. */
  private less(sa: number, ia: number, sb: number, ib: number): boolean {
    return sa < sb || (sa === sb && ia > ib);
  }

  /** The kept pairs, best first. */
  sorted(): { indices: number[]; scores: number[] } {
    const order = Array.from({ length: this.size }, (_, i) => i);
    order.sort((a, b) => this.scores[b] - this.scores[a] || this.indices[a] - this.indices[b]);
    return { indices: order.map((i) => this.indices[i]), scores: order.map((i) => this.scores[i]) };
  }
}

/** Pushes scores[i] (row from + i) into `top`, skipping NaN scores. */
export function selectTop(scores: Float32Array, from: number, top: TopK): void {
  let t = top.threshold;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (s >= t) {
      top.push(s, from + i);
      t = top.threshold;
    }
  }
}
