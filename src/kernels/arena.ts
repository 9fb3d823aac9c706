// A bump allocator over one shared WebAssembly.Memory. Every allocation returns a typed array whose
// byteOffset is the pointer the kernels take. The memory is always shared: growing it never
// detaches earlier views (a shared buffer keeps its old length in old views), so views handed out
// stay valid for the arena's life, in this thread and in every worker.

const PAGE = 65536;
/** 4 GiB, the memory32 limit and the maximum the kernel module declares. */
export const MAX_PAGES = 65536;
/**
 * The first 64 KiB belong to the module's static data (constant tables, e.g. of Math.exp/log), which
 * every instantiation — one per worker — writes again; the arena starts above it (and pointer 0 can
 * mean "absent" in kernel structs). createRuntime checks the module's data fits (heapBase export).
 */
export const RESERVED = 65536;

export interface ArenaOptions {
  /** Bytes to reserve at creation (grown on demand later). Default 1 MiB. */
  initialBytes?: number;
  /** Maximum size in 64 KiB pages (<= 65536, the default); browsers may need less. */
  maximumPages?: number;
}

export class Arena {
  readonly memory: WebAssembly.Memory;
  private top = RESERVED;

  constructor(options: ArenaOptions = {}) {
    const initial = Math.max(1, Math.ceil((options.initialBytes ?? 1 << 20) / PAGE));
    const maximum = Math.min(options.maximumPages ?? MAX_PAGES, MAX_PAGES);
    this.memory = new WebAssembly.Memory({ initial, maximum, shared: true });
  }

  /** Bytes handed out so far. */
  get used(): number {
    return this.top;
  }

  /** Reserves `bytes` bytes aligned to `align` (default 16, one SIMD vector) and returns the pointer. */
  alloc(bytes: number, align = 16): number {
    const ptr = Math.ceil(this.top / align) * align;
    const end = ptr + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      try {
        this.memory.grow(pages);
      } catch {
        throw new RangeError(
          `kernel memory cannot grow to ${end} bytes (WebAssembly memory is limited to ${MAX_PAGES * PAGE} bytes)`,
        );
      }
    }
    this.top = end;
    return ptr;
  }

  /** Zero-filled float32 array in the shared memory (16-byte aligned). */
  // alloc first: it may grow the memory, and only the buffer read after that covers the new range.
  f32(length: number): Float32Array {
    const ptr = this.alloc(length * 4);
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  f64(length: number): Float64Array {
    const ptr = this.alloc(length * 8);
    return new Float64Array(this.memory.buffer, ptr, length);
  }

  i32(length: number): Int32Array {
    const ptr = this.alloc(length * 4);
    return new Int32Array(this.memory.buffer, ptr, length);
  }

  u32(length: number): Uint32Array {
    const ptr = this.alloc(length * 4);
    return new Uint32Array(this.memory.buffer, ptr, length);
  }

  u8(length: number): Uint8Array {
    const ptr = this.alloc(length);
    return new Uint8Array(this.memory.buffer, ptr, length);
  }

  /** A view of `length` bytes at `ptr` (e.g. to reopen a struct). */
  bytes(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, length);
  }
}
