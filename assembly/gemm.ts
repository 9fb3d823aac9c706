// Single-precision GEMM, row-major, BLAS semantics: C = alpha * op(A) op(B) + beta * C.
// BLIS structure: op(B) is packed in blocks of KC x NC as strips of NR = 12 columns, op(A) in blocks
// of MC x KC as strips of MR = 3 rows (transposes are absorbed by the packing), and a register-blocked
// micro-kernel multiplies one 3-row strip by one 12-column strip: 3 x 12 accumulators in 9 vectors.
// V8 has 15 usable vector registers on x64 and TurboFan hoists all of an iteration's loads (3 B
// vectors, 3 A splats) to its top, so 9 + 3 + 3 fills them exactly. Measured here (Node 20, relaxed
// SIMD, the kernel alone on one thread): 3x12 ran ~10-15% faster than 4x8 (more multiply-adds per
// iteration of loop overhead: the address arithmetic, V8's stack check), while 5x8, 6x8 and 4x12
// spilled accumulators to the stack and ran 1.5-2x slower. The k loop is not unrolled: unrolling
// hoists twice the loads and spills again.
// The TypeScript twin is src/nn/gemm.ts; src/kernels/gemm.ts splits calls across threads.

import { madd } from "./simd";

const NR: i32 = 12;
const MR: i32 = 3;
const KC: i32 = 256;
const MC: i32 = MR * 32;
const NC: i32 = NR * 43;

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
  return k * roundUp(n);
}

/**
 * Packs op(B) [k, n] (B at byte pointer b, row stride ldb; B^T when transB != 0) once into `dst`
 * (sgemmPackedSize(k, n) floats), for sgemmPacked to multiply by many A without packing B again
 * (e.g. the recurrent weights, used by every time step). Blocks follow sgemm's loop order: for each
 * NC column block, its KC row blocks, each as NR-column strips.
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
  return packed + ((<usize>(jc * k + pc * roundUp(nb))) << 2);
}

/** n rounded up to whole NR-column strips (NR is not a power of 2). */
function roundUp(n: i32): i32 {
  return ((n + NR - 1) / NR) * NR;
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
            const aStrip = ap + ((<usize>(ir * kb)) << 2);
            if (rows === MR) micro(kb, aStrip, bStrip, cPtr, ldcB, alpha, bk, cols, tile);
            else micro2(kb, aStrip, bStrip, cPtr, ldcB, alpha, bk, rows, cols, tile);
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

/** Packs op(B)[pc.., jc..] (kb x nb) as strips of NR columns, each kb x NR floats, zero-padded. */
function packB(transB: i32, b: usize, ldb: i32, pc: i32, jc: i32, kb: i32, nb: i32, dst: usize): void {
  const rowStep = <usize>(NR << 2);
  for (let jr = 0; jr < nb; jr += NR) {
    const cols = min(NR, nb - jr);
    const d = dst + ((<usize>(jr * kb)) << 2);
    if (transB === 0) {
      let src = b + ((<usize>(pc * ldb + jc + jr)) << 2);
      const step = (<usize>ldb) << 2;
      let o = d;
      if (cols === NR) {
        for (let p = 0; p < kb; p++) {
          v128.store(o, v128.load(src));
          v128.store(o, v128.load(src, 16), 16);
          v128.store(o, v128.load(src, 32), 32);
          src += step;
          o += rowStep;
        }
      } else {
        for (let p = 0; p < kb; p++) {
          for (let j = 0; j < NR; j++)
            store<f32>(o + ((<usize>j) << 2), j < cols ? load<f32>(src + ((<usize>j) << 2)) : 0);
          src += step;
          o += rowStep;
        }
      }
    } else if (cols === NR) {
      // B stored [n, k]: column j of op(B) is row j of B; 4x4 transposes of three 4-row groups.
      for (let g = 0; g < NR; g += 4) {
        const src = b + ((<usize>((jc + jr + g) * ldb + pc)) << 2);
        transpose4(src, (<usize>ldb) << 2, kb, d + ((<usize>g) << 2), rowStep);
      }
    } else {
      for (let j = 0; j < NR; j++) {
        let o = d + ((<usize>j) << 2);
        let src = b + ((<usize>((jc + jr + j) * ldb + pc)) << 2);
        for (let p = 0; p < kb; p++) {
          store<f32>(o, j < cols ? load<f32>(src) : 0);
          src += 4;
          o += rowStep;
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
      let p = 0;
      if (rows === MR) {
        // One vector per k. Its fourth lane reads one float past the strip, inside the matrix as
        // long as row p + 1 follows (the last p is left to the scalar loop), and lands where the
        // next k's store writes. This packing was ~5% of an LSTM LM step (dW of the softmax layer
        // packs dlogits^T, 10,000 x 400, scalar by scalar).
        for (; p < kb - 1; p++) {
          v128.store(o, v128.load(src));
          src += step;
          o += rowStep;
        }
      }
      for (; p < kb; p++) {
        for (let r = 0; r < MR; r++)
          store<f32>(o + ((<usize>r) << 2), r < rows ? load<f32>(src + ((<usize>r) << 2)) : 0);
        src += step;
        o += rowStep;
      }
      continue;
    }
    if (rows === MR) {
      transpose3(a + ((<usize>((ic + ir) * lda + pc)) << 2), (<usize>lda) << 2, kb, d);
      continue;
    }
    for (let r = 0; r < MR; r++) {
      let o = d + ((<usize>r) << 2);
      let src = a + ((<usize>((ic + ir + r) * lda + pc)) << 2);
      for (let p = 0; p < kb; p++) {
        store<f32>(o, r < rows ? load<f32>(src) : 0);
        src += 4;
        o += rowStep;
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

/**
 * Three rows x, y, z of kb floats (at src, rowBytes apart) interleaved k-major into dst:
 * x0 y0 z0 x1 y1 z1 ..., four k (three vectors) per step, then a scalar tail.
 */
function transpose3(src: usize, rowBytes: usize, kb: i32, dst: usize): void {
  const r1 = src + rowBytes;
  const r2 = r1 + rowBytes;
  let p = 0;
  for (; p + 4 <= kb; p += 4) {
    const o = (<usize>p) << 2;
    const x = v128.load(src + o);
    const y = v128.load(r1 + o);
    const z = v128.load(r2 + o);
    const d = dst + <usize>p * 12;
    const xy01 = v128.shuffle<f32>(x, y, 0, 4, 1, 5);
    v128.store(d, v128.shuffle<f32>(xy01, z, 0, 1, 4, 2));
    const yz12 = v128.shuffle<f32>(y, z, 1, 5, 2, 6);
    v128.store(d, v128.shuffle<f32>(yz12, x, 0, 1, 6, 2), 16);
    const xy33 = v128.shuffle<f32>(x, y, 3, 7, 3, 7);
    v128.store(d, v128.shuffle<f32>(z, xy33, 2, 4, 5, 3), 32);
  }
  for (; p < kb; p++) {
    const o = (<usize>p) << 2;
    const d = dst + <usize>p * 12;
    store<f32>(d, load<f32>(src + o));
    store<f32>(d, load<f32>(r1 + o), 4);
    store<f32>(d, load<f32>(r2 + o), 8);
  }
}

/** C[3, cols] = alpha * (A strip [MR, kb]) (B strip [kb, NR]) + beta * C; partial tiles go through `tile`. */
function micro(
  kb: i32,
  ap: usize,
  bp: usize,
  c: usize,
  ldcB: usize,
  alpha: f32,
  beta: f32,
  cols: i32,
  tile: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c02 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c12 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c22 = f32x4.splat(0);
  for (let p = 0; p < kb; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const b2 = v128.load(bp, 32);
    let av = v128.load32_splat(ap);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    c02 = madd(av, b2, c02);
    av = v128.load32_splat(ap, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    c12 = madd(av, b2, c12);
    av = v128.load32_splat(ap, 8);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    c22 = madd(av, b2, c22);
    ap += <usize>(MR << 2);
    bp += <usize>(NR << 2);
  }
  const al = f32x4.splat(alpha);
  if (cols === NR) {
    updateRow(c, c00, c01, c02, al, beta);
    updateRow(c + ldcB, c10, c11, c12, al, beta);
    updateRow(c + 2 * ldcB, c20, c21, c22, al, beta);
    return;
  }
  const tr = <usize>(NR << 2);
  setRow(tile, c00, c01, c02, al);
  setRow(tile + tr, c10, c11, c12, al);
  setRow(tile + 2 * tr, c20, c21, c22, al);
  fromTile(c, ldcB, beta, MR, cols, tile);
}

/**
 * The last strip of A when m is not a multiple of MR: `rows` (1 or 2) of micro's 3 rows, as a 2 x 12
 * kernel. Its 6 accumulator chains cannot hide the multiply-add latency, so it costs ~85% of a full
 * strip, not 2/3; still, on (20x400)x(400x800) (a 20-row batch, as in the LSTM step) it measured
 * 36.9-37.4 against 36.0-36.2 GFLOP/s on one thread, 71.4 against 67.5-68.0 on two.
 */
function micro2(
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
  let c02 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c12 = f32x4.splat(0);
  for (let p = 0; p < kb; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const b2 = v128.load(bp, 32);
    let av = v128.load32_splat(ap);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    c02 = madd(av, b2, c02);
    av = v128.load32_splat(ap, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    c12 = madd(av, b2, c12);
    ap += <usize>(MR << 2);
    bp += <usize>(NR << 2);
  }
  const al = f32x4.splat(alpha);
  if (cols === NR) {
    updateRow(c, c00, c01, c02, al, beta);
    if (rows === 2) updateRow(c + ldcB, c10, c11, c12, al, beta);
    return;
  }
  const tr = <usize>(NR << 2);
  setRow(tile, c00, c01, c02, al);
  setRow(tile + tr, c10, c11, c12, al);
  fromTile(c, ldcB, beta, rows, cols, tile);
}

/** C[rows, cols] = tile[rows, cols] + beta * C, for tiles cut by the edges of C. */
function fromTile(c: usize, ldcB: usize, beta: f32, rows: i32, cols: i32, tile: usize): void {
  for (let r = 0; r < rows; r++) {
    const cr = c + <usize>r * ldcB;
    const trow = tile + <usize>r * <usize>(NR << 2);
    for (let j = 0; j < cols; j++) {
      const p = cr + ((<usize>j) << 2);
      const v = load<f32>(trow + ((<usize>j) << 2));
      store<f32>(p, beta === 0 ? v : beta === 1 ? load<f32>(p) + v : load<f32>(p) * beta + v);
    }
  }
}

/** Twelve floats of C at p = alpha * [v0 v1 v2] + beta * C (beta 0: C is not read). */
function updateRow(p: usize, v0: v128, v1: v128, v2: v128, alpha: v128, beta: f32): void {
  if (beta === 0) {
    v128.store(p, f32x4.mul(v0, alpha));
    v128.store(p, f32x4.mul(v1, alpha), 16);
    v128.store(p, f32x4.mul(v2, alpha), 32);
  } else if (beta === 1) {
    v128.store(p, madd(v0, alpha, v128.load(p)));
    v128.store(p, madd(v1, alpha, v128.load(p, 16)), 16);
    v128.store(p, madd(v2, alpha, v128.load(p, 32)), 32);
  } else {
    const bv = f32x4.splat(beta);
    v128.store(p, madd(v0, alpha, f32x4.mul(v128.load(p), bv)));
    v128.store(p, madd(v1, alpha, f32x4.mul(v128.load(p, 16), bv)), 16);
    v128.store(p, madd(v2, alpha, f32x4.mul(v128.load(p, 32), bv)), 32);
  }
}

function setRow(p: usize, v0: v128, v1: v128, v2: v128, alpha: v128): void {
  v128.store(p, f32x4.mul(v0, alpha));
  v128.store(p, f32x4.mul(v1, alpha), 16);
  v128.store(p, f32x4.mul(v2, alpha), 32);
}
