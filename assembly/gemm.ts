// Single-precision GEMM, row-major, BLAS semantics: C = alpha * op(A) op(B) + beta * C.
// BLIS structure: op(B) is packed in blocks of KC x NC as strips of NR = 8 columns, op(A) in blocks
// of MC x KC as strips of MR rows (transposes are absorbed by the packing), and a register-blocked
// micro-kernel multiplies one MR-row strip by one 8-column strip: MR x 8 accumulators in MR * 2
// vectors. MR = 4: V8 has 15 usable vector registers on x64 and TurboFan hoists all of an
// iteration's loads (2 B vectors, MR A splats) to its top, so 8 accumulators + 2 + 4 is the largest
// tile that does not spill (Node 20, measured here: 4x8 ran 1.5-2x as fast as 5x8 and 6x8, which
// kept 2-3 accumulators on the stack). Eight independent accumulators cover the fused
// multiply-add's latency. The k loop is not unrolled: unrolling by 2 ran slower (spills again).
// The TypeScript twin is src/nn/gemm.ts; src/kernels/gemm.ts splits calls across threads.

import { madd } from "./simd";

const NR: i32 = 8;
const MR: i32 = 4;
const KC: i32 = 256;
const MC: i32 = MR * 24;
const NC: i32 = 512;

/** Floats of scratch one sgemm call needs (packed B block, packed A block, one edge tile). */
export function sgemmWorkspace(): i32 {
  return KC * NC + MC * KC + MR * NR;
}

/**
 * C[m,n] = alpha * op(A)[m,k] op(B)[k,n] + beta * C (beta = 0 overwrites C).
 * a, b, c are byte pointers to the first element; lda, ldb, ldc row strides in elements; op(A) is
 * A^T when transA != 0 (A stored [k, m]); `work` points to sgemmWorkspace() floats (16-byte aligned).
 */
export function sgemm(
  transA: i32,
  transB: i32,
  m: i32,
  n: i32,
  k: i32,
  alpha: f32,
  a: usize,
  lda: i32,
  b: usize,
  ldb: i32,
  beta: f32,
  c: usize,
  ldc: i32,
  work: usize,
): void {
  if (k <= 0 || alpha === 0) {
    scaleC(m, n, beta, c, ldc);
    return;
  }
  const bp = work;
  const ap = work + ((<usize>(KC * NC)) << 2);
  const tile = ap + ((<usize>(MC * KC)) << 2);
  const ldcB = (<usize>ldc) << 2;
  for (let jc = 0; jc < n; jc += NC) {
    const nb = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kb = min(KC, k - pc);
      packB(transB, b, ldb, pc, jc, kb, nb, bp);
      for (let ic = 0; ic < m; ic += MC) {
        const mb = min(MC, m - ic);
        packA(transA, a, lda, ic, pc, mb, kb, ap);
        for (let jr = 0; jr < nb; jr += NR) {
          const cols = min(NR, nb - jr);
          const bStrip = bp + ((<usize>(jr * kb)) << 2);
          for (let ir = 0; ir < mb; ir += MR) {
            const rows = min(MR, mb - ir);
            const cPtr = c + <usize>(ic + ir) * ldcB + ((<usize>(jc + jr)) << 2);
            // beta applies with the first k block, so C is read (and written) once per block.
            const bk: f32 = pc === 0 ? beta : 1;
            micro(kb, ap + ((<usize>(ir * kb)) << 2), bStrip, cPtr, ldcB, alpha, bk, rows, cols, tile);
          }
        }
      }
    }
  }
}

function scaleC(m: i32, n: i32, beta: f32, c: usize, ldc: i32): void {
  if (beta === 1) return;
  const bv = f32x4.splat(beta);
  for (let i = 0; i < m; i++) {
    const row = c + ((<usize>(i * ldc)) << 2);
    let j = 0;
    if (beta === 0) {
      for (; j + 4 <= n; j += 4) v128.store(row + ((<usize>j) << 2), f32x4.splat(0));
      for (; j < n; j++) store<f32>(row + ((<usize>j) << 2), 0);
    } else {
      for (; j + 4 <= n; j += 4) {
        const p = row + ((<usize>j) << 2);
        v128.store(p, f32x4.mul(v128.load(p), bv));
      }
      for (; j < n; j++) {
        const p = row + ((<usize>j) << 2);
        store<f32>(p, load<f32>(p) * beta);
      }
    }
  }
}

/** Packs op(B)[pc.., jc..] (kb x nb) as strips of 8 columns, each kb x 8 floats, zero-padded. */
function packB(transB: i32, b: usize, ldb: i32, pc: i32, jc: i32, kb: i32, nb: i32, dst: usize): void {
  for (let jr = 0; jr < nb; jr += NR) {
    const cols = min(NR, nb - jr);
    let d = dst + ((<usize>(jr * kb)) << 2);
    if (transB === 0) {
      let src = b + ((<usize>(pc * ldb + jc + jr)) << 2);
      const step = (<usize>ldb) << 2;
      if (cols === NR) {
        for (let p = 0; p < kb; p++) {
          v128.store(d, v128.load(src));
          v128.store(d, v128.load(src, 16), 16);
          src += step;
          d += 32;
        }
      } else {
        for (let p = 0; p < kb; p++) {
          for (let j = 0; j < NR; j++)
            store<f32>(d + ((<usize>j) << 2), j < cols ? load<f32>(src + ((<usize>j) << 2)) : 0);
          src += step;
          d += 32;
        }
      }
    } else {
      // B stored [n, k]: column j of op(B) is row j of B.
      for (let j = 0; j < NR; j++) {
        let o = d + ((<usize>j) << 2);
        if (j < cols) {
          let src = b + ((<usize>((jc + jr + j) * ldb + pc)) << 2);
          for (let p = 0; p < kb; p++) {
            store<f32>(o, load<f32>(src));
            src += 4;
            o += 32;
          }
        } else {
          for (let p = 0; p < kb; p++) {
            store<f32>(o, 0);
            o += 32;
          }
        }
      }
    }
  }
}

/** Packs op(A)[ic.., pc..] (mb x kb) as strips of MR rows, each kb x MR floats (k-major), zero-padded. */
function packA(transA: i32, a: usize, lda: i32, ic: i32, pc: i32, mb: i32, kb: i32, dst: usize): void {
  const rowStep = <usize>(MR << 2);
  for (let ir = 0; ir < mb; ir += MR) {
    const rows = min(MR, mb - ir);
    const d = dst + ((<usize>(ir * kb)) << 2);
    if (transA !== 0) {
      // A stored [k, m]: the MR elements of one k are adjacent in memory.
      let src = a + ((<usize>(pc * lda + ic + ir)) << 2);
      const step = (<usize>lda) << 2;
      let o = d;
      for (let p = 0; p < kb; p++) {
        for (let r = 0; r < MR; r++)
          store<f32>(o + ((<usize>r) << 2), r < rows ? load<f32>(src + ((<usize>r) << 2)) : 0);
        src += step;
        o += rowStep;
      }
      continue;
    }
    for (let r = 0; r < MR; r++) {
      let o = d + ((<usize>r) << 2);
      if (r >= rows) {
        for (let p = 0; p < kb; p++) {
          store<f32>(o, 0);
          o += rowStep;
        }
      } else {
        let src = a + ((<usize>((ic + ir + r) * lda + pc)) << 2);
        for (let p = 0; p < kb; p++) {
          store<f32>(o, load<f32>(src));
          src += 4;
          o += rowStep;
        }
      }
    }
  }
}

/** C[rows, cols] = alpha * (A strip [MR, kb]) (B strip [kb, 8]) + beta * C; partial tiles go through `tile`. */
function micro(
  kb: i32,
  ap: usize,
  bp: usize,
  c: usize,
  ldcB: usize,
  alpha: f32,
  beta: f32,
  rows: i32,
  cols: i32,
  tile: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  for (let p = 0; p < kb; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let av = v128.load32_splat(ap);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(ap, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(ap, 8);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(ap, 12);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    ap += <usize>(MR << 2);
    bp += 32;
  }
  const al = f32x4.splat(alpha);
  if (rows === MR && cols === NR) {
    updateRow(c, c00, c01, al, beta);
    updateRow(c + ldcB, c10, c11, al, beta);
    updateRow(c + 2 * ldcB, c20, c21, al, beta);
    updateRow(c + 3 * ldcB, c30, c31, al, beta);
    return;
  }
  const t = tile;
  setRow(t, c00, c01, al);
  setRow(t + 32, c10, c11, al);
  setRow(t + 64, c20, c21, al);
  setRow(t + 96, c30, c31, al);
  for (let r = 0; r < rows; r++) {
    const cr = c + <usize>r * ldcB;
    const tr = t + ((<usize>r) << 5);
    for (let j = 0; j < cols; j++) {
      const p = cr + ((<usize>j) << 2);
      const v = load<f32>(tr + ((<usize>j) << 2));
      store<f32>(p, beta === 0 ? v : beta === 1 ? load<f32>(p) + v : load<f32>(p) * beta + v);
    }
  }
}

/** Eight floats of C at p = alpha * [lo hi] + beta * C (beta 0: C is not read). */
function updateRow(p: usize, lo: v128, hi: v128, alpha: v128, beta: f32): void {
  if (beta === 0) {
    v128.store(p, f32x4.mul(lo, alpha));
    v128.store(p, f32x4.mul(hi, alpha), 16);
  } else if (beta === 1) {
    v128.store(p, madd(lo, alpha, v128.load(p)));
    v128.store(p, madd(hi, alpha, v128.load(p, 16)), 16);
  } else {
    const bv = f32x4.splat(beta);
    v128.store(p, madd(lo, alpha, f32x4.mul(v128.load(p), bv)));
    v128.store(p, madd(hi, alpha, f32x4.mul(v128.load(p, 16), bv)), 16);
  }
}

function setRow(p: usize, lo: v128, hi: v128, alpha: v128): void {
  v128.store(p, f32x4.mul(lo, alpha));
  v128.store(p, f32x4.mul(hi, alpha), 16);
}
