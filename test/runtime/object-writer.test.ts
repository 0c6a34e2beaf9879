import { gunzipSync } from "node:zlib";
import { MemoryObjectStore } from "../../runtime/puller/memory-store";
import { MAX_OBJECT_BYTES, NdjsonObjectWriter } from "../../runtime/puller/object-writer";

const lines = (b: Buffer | undefined) =>
  gunzipSync(b ?? Buffer.alloc(0))
    .toString("utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);

describe("NdjsonObjectWriter", () => {
  test("GIVEN records below the target THEN one gzip object of NDJSON, in order, with the key of part 0", async () => {
    const store = new MemoryObjectStore();
    const w = new NdjsonObjectWriter({ store, keyFor: (p) => `x/part-${p}.json.gz`, targetBytes: 1024 });
    await w.append({ a: 1, text: "line\nbreak" });
    await w.append({ a: 2 });
    const written = await w.close();
    expect(written).toEqual([
      { key: "x/part-0.json.gz", records: 2, uncompressedBytes: expect.any(Number), compressedBytes: store.objects.get("x/part-0.json.gz")?.body.length },
    ]);
    expect(store.objects.get("x/part-0.json.gz")?.contentType).toBe("application/gzip");
    expect(lines(store.objects.get("x/part-0.json.gz")?.body)).toEqual([{ a: 1, text: "line\nbreak" }, { a: 2 }]); // newline escaped inside JSON
  });

  test("GIVEN more than the target THEN objects split before the line that would pass it, each <= target, none lost", async () => {
    const store = new MemoryObjectStore();
    const w = new NdjsonObjectWriter({ store, keyFor: (p) => `k${p}`, targetBytes: 1000 });
    const records = Array.from({ length: 100 }, (_v, i) => ({ i, pad: "p".repeat(40) }));
    for (const r of records) await w.append(r);
    const written = await w.close();
    const lineBytes = Buffer.byteLength(JSON.stringify(records[50]) + "\n"); // all lines of i >= 10 have this size
    expect(written.length).toBeGreaterThanOrEqual(Math.ceil((100 * lineBytes) / 1000));
    expect(written.length).toBeLessThanOrEqual(Math.ceil(100 / Math.floor(1000 / lineBytes)));
    for (const o of written) expect(o.uncompressedBytes).toBeLessThanOrEqual(1000);
    expect(written.flatMap((o) => lines(store.objects.get(o.key)?.body))).toEqual(records);
    expect(written.reduce((n, o) => n + o.records, 0)).toBe(100);
  });

  test("GIVEN the same records twice THEN the same keys and the same bytes (retries overwrite with equal objects)", async () => {
    const write = async () => {
      const store = new MemoryObjectStore();
      const w = new NdjsonObjectWriter({ store, keyFor: (p) => `k${p}`, targetBytes: 500 });
      for (let i = 0; i < 50; i++) await w.append({ i });
      await w.close();
      return store;
    };
    const [a, b] = [await write(), await write()];
    expect([...a.objects.keys()]).toEqual([...b.objects.keys()]);
    for (const [k, v] of a.objects) expect(v.body.equals(b.objects.get(k)?.body ?? Buffer.alloc(0))).toBe(true);
  });

  test("GIVEN no records THEN no object", async () => {
    const store = new MemoryObjectStore();
    expect(await new NdjsonObjectWriter({ store, keyFor: (p) => `k${p}` }).close()).toEqual([]);
    expect(store.puts).toBe(0);
  });

  test("GIVEN a record above the cap, a non-JSON value, or a put that fails THEN it throws saying so", async () => {
    const store = new MemoryObjectStore();
    const w = new NdjsonObjectWriter({ store, keyFor: (p) => `k${p}`, targetBytes: 10, maxBytes: 20 });
    await expect(w.append({ big: "x".repeat(50) })).rejects.toThrow(/above the 20-byte object cap/);
    await expect(w.append(undefined)).rejects.toThrow(/not JSON-serializable/);
    store.failNextPuts = 1;
    await w.append({ a: 1 });
    await expect(w.close()).rejects.toThrow(/injected failure putting k0/);
  });

  test("rejects a target above the 100 MiB cap", () => {
    expect(() => new NdjsonObjectWriter({ store: new MemoryObjectStore(), keyFor: String, targetBytes: MAX_OBJECT_BYTES + 1 })).toThrow(
      /targetBytes must be an integer in 1..maxBytes/,
    );
  });
});
