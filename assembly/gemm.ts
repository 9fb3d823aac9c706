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
  blocked(transA, transB, m, n, k, alpha, a, lda, b, ldb, 0, beta, c, ldc, work);
}

/**
 * One thread's part of a product shared by several threads: takes blocks of `size` rows (or
 * columns) of C from the counter in the descriptor until none is left, so a thread that runs late
 * (e.g. descheduled on a busy machine) takes fewer blocks instead of holding the others up.
 * desc: i32 slots transA, transB, m, n, k, alpha (f32), a, lda, b, ldb, beta (f32), c, ldc,
 * byCols (0 splits rows), size, next (the counter, 0 before the first thread starts).
 */
export function sgemmShared(desc: usize, work: usize): void {
  const transA = load<i32>(desc);
  const transB = load<i32>(desc, 4);
  const m = load<i32>(desc, 8);
  const n = load<i32>(desc, 12);
  const k = load<i32>(desc, 16);
  const alpha = load<f32>(desc, 20);
  const a = <usize>load<u32>(desc, 24);
  const lda = load<i32>(desc, 28);
  const b = <usize>load<u32>(desc, 32);
  const ldb = load<i32>(desc, 36);
  const beta = load<f32>(desc, 40);
  const c = <usize>load<u32>(desc, 44);
  const ldc = load<i32>(desc, 48);
  const byCols = load<i32>(desc, 52);
  const size = load<i32>(desc, 56);
  const len = byCols !== 0 ? n : m;
  for (;;) {
    const start = atomic.add<i32>(desc + 60, 1) * size;
    if (start >= len) return;
    const cnt = min(size, len - start);
    if (byCols !== 0) {
      const bOff = (<usize>(transB !== 0 ? start * ldb : start)) << 2;
      blocked(
        transA,
        transB,
        m,
        cnt,
        k,
        alpha,
        a,
        lda,
        b + bOff,
        ldb,
        0,
        beta,
        c + ((<usize>start) << 2),
        ldc,
        work,
      );
    } else {
      const aOff = (<usize>(transA !== 0 ? start : start * lda)) << 2;
      const cOff = (<usize>(start * ldc)) << 2;
      blocked(transA, transB, cnt, n, k, alpha, a + aOff, lda, b, ldb, 0, beta, c + cOff, ldc, work);
    }
  }
}

/** Floats sgemmPackB writes for op(B) [k, n]. */
export function sgemmPackedSize(k: i32, n: i32): i32 {
  return k * ((n + NR - 1) & ~(NR - 1));
}

/**
 * Packs op(B) [k, n] (B at byte pointer b, row stride ldb; B^T when transB != 0) once into `dst`
 * (sgemmPackedSize(k, n) floats), for sgemmPacked to multiply by many A without packing B again
 * (e.g. the recurrent weights, used by every time step). Blocks follow sgemm's loop order: for each
 * NC column block, its KC row blocks, each as 8-column strips.
 */
export function sgemmPackB(transB: i32, k: i32, n: i32, b: usize, ldb: i32, dst: usize): void {
  for (let jc = 0; jc < n; jc += NC) {
    const nb = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC)
      packB(transB, b, ldb, pc, jc, min(KC, k - pc), nb, packedBlock(dst, k, jc, pc, nb));
  }
}

/** sgemm with op(B) [k, n] already packed by sgemmPackB (`packed`); `work` as sgemm's. */
export function sgemmPacked(
  transA: i32,
  m: i32,
  n: i32,
  k: i32,
  alpha: f32,
  a: usize,
  lda: i32,
  packed: usize,
  beta: f32,
  c: usize,
  ldc: i32,
  work: usize,
): void {
  blocked(transA, 0, m, n, k, alpha, a, lda, 0, 0, packed, beta, c, ldc, work);
}

/** Where block (jc, pc) of a packed op(B) starts: whole column blocks hold k x NC floats each. */
function packedBlock(packed: usize, k: i32, jc: i32, pc: i32, nb: i32): usize {
  return packed + ((<usize>(jc * k + pc * ((nb + NR - 1) & ~(NR - 1)))) << 2);
}

/** The blocked loops of sgemm; op(B) comes from `packed` (sgemmPackB's layout) when it is not 0. */
function blocked(
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
  packed: usize,
  beta: f32,
  c: usize,
  ldc: i32,
  work: usize,
): void {
  if (k <= 0 || alpha === 0) {
    scaleC(m, n, beta, c, ldc);
    return;
  }
  const ap = work + ((<usize>(KC * NC)) << 2);
  const tile = ap + ((<usize>(MC * KC)) << 2);
  const ldcB = (<usize>ldc) << 2;
  for (let jc = 0; jc < n; jc += NC) {
    const nb = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kb = min(KC, k - pc);
      let bp = work;
      if (packed !== 0) bp = packedBlock(packed, k, jc, pc, nb);
      else packB(transB, b, ldb, pc, jc, kb, nb, bp);
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
    } else if (cols === NR) {
      // B stored [n, k]: column j of op(B) is row j of B; 4x4 transposes of two 4-row groups.
      for (let g = 0; g < NR; g += 4) {
        const src = b + ((<usize>((jc + jr + g) * ldb + pc)) << 2);
        transpose4(src, (<usize>ldb) << 2, kb, d + ((<usize>g) << 2), 32);
      }
    } else {
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
      if (MR === 4 && rows === MR) {
        // One vector per k.
        for (let p = 0; p < kb; p++) {
          v128.store(o, v128.load(src));
          src += step;
          o += rowStep;
        }
        continue;
      }
      for (let p = 0; p < kb; p++) {
        for (let r = 0; r < MR; r++)
          store<f32>(o + ((<usize>r) << 2), r < rows ? load<f32>(src + ((<usize>r) << 2)) : 0);
        src += step;
        o += rowStep;
      }
      continue;
    }
    if (MR === 4 && rows === MR) {
      transpose4(a + ((<usize>((ic + ir) * lda + pc)) << 2), (<usize>lda) << 2, kb, d, rowStep);
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

/**
 * Four rows of kb floats (at src, rowBytes apart) stored k-major: for each p < kb, the four
 * elements [p] of the rows as one vector at dst + p * step. 4x4 transposes, then a scalar tail.
 */
function transpose4(src: usize, rowBytes: usize, kb: i32, dst: usize, step: usize): void {
  const r1 = src + rowBytes;
  const r2 = r1 + rowBytes;
  const r3 = r2 + rowBytes;
  let p = 0;
  for (; p + 4 <= kb; p += 4) {
    const o = (<usize>p) << 2;
    const v0 = v128.load(src + o);
    const v1 = v128.load(r1 + o);
    const v2 = v128.load(r2 + o);
    const v3 = v128.load(r3 + o);
    const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
    const t1 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
    const t2 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
    const t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
    const d = dst + <usize>p * step;
    v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
    v128.store(d + step, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
    v128.store(d + 2 * step, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
    v128.store(d + 3 * step, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
  }
  for (; p < kb; p++) {
    const o = (<usize>p) << 2;
    const d = dst + <usize>p * step;
    store<f32>(d, load<f32>(src + o));
    store<f32>(d, load<f32>(r1 + o), 4);
    store<f32>(d, load<f32>(r2 + o), 8);
    store<f32>(d, load<f32>(r3 + o), 12);
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
